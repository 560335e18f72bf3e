"""Rules on a Python action's structure: the handler, 3.9 run-time gaps, imports."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from runtime.contract.libraries import (
    NAMES_ADDED_AFTER_PYTHON39,
    PYTHON39_STDLIB_MODULES,
    PYTHON_LIBRARIES,
    PYTHON_TRANSITIVE_MODULES,
    STDLIB_NOT_IN_PYTHON39,
)
from runtime.packaging._context import SourceContext
from runtime.packaging.findings import Finding

#: Dotted module names HubSpot's Python list provides (§7.2 of the contract).
HUBSPOT_MODULES: tuple[str, ...] = tuple(m for lib in PYTHON_LIBRARIES for m in lib.imports)
_LISTED = ", ".join(HUBSPOT_MODULES)

_BUILTIN_TYPES = frozenset(
    {"int", "str", "float", "bool", "bytes", "complex", "list", "dict", "set", "frozenset"}
    | {"tuple", "type", "object"}
)
_GUARD_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "AttributeError", "Exception"})


def parent_map(tree: ast.AST) -> dict[int, ast.AST]:
    """``id(node) -> parent`` for every node below ``tree``."""
    parents: dict[int, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    return parents


def ancestors(node: ast.AST, parents: dict[int, ast.AST]) -> Iterator[ast.AST]:
    """The parents of ``node``, nearest first."""
    current = parents.get(id(node))
    while current is not None:
        yield current
        current = parents.get(id(current))


def is_guarded(node: ast.AST, parents: dict[int, ast.AST]) -> bool:
    """Inside ``try: ... except ImportError`` (or similar), ``if TYPE_CHECKING`` or a
    ``sys.version_info`` / ``hasattr`` test: the author has planned for it missing."""
    child = node
    for parent in ancestors(node, parents):
        if isinstance(parent, ast.Try) and child in parent.body:
            for handler in parent.handlers:
                if handler.type is None:
                    return True
                types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
                if any(isinstance(t, ast.Name) and t.id in _GUARD_ERRORS for t in types):
                    return True
        if isinstance(parent, ast.If):
            test = ast.dump(parent.test)
            if any(word in test for word in ("TYPE_CHECKING", "version_info", "hasattr")):
                return True
        child = parent
    return False


# -- the handler ------------------------------------------------------------------------


def check_main(tree: ast.Module, ctx: SourceContext) -> list[Finding]:
    """HS101-HS103: HubSpot calls ``main(event)`` at the top level of the file."""
    main: ast.FunctionDef | ast.AsyncFunctionDef | None = None
    bound_otherwise = False
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and stmt.name == "main":
            main, bound_otherwise = stmt, False
        elif isinstance(stmt, ast.Assign | ast.AnnAssign | ast.ImportFrom | ast.Import):
            names = _bound_names(stmt)
            if "main" in names:
                main, bound_otherwise = None, True
    if bound_otherwise:
        return []  # main = something: callable, but we cannot see its parameters
    if main is None:
        return [
            ctx.at(
                "HS101",
                "no top-level `def main(event):`: HubSpot calls `main` with the event; "
                "define it at the top level of the file",
            )
        ]
    found: list[Finding] = []
    if isinstance(main, ast.AsyncFunctionDef):
        found.append(
            ctx.at(
                "HS103",
                "`main` is `async def`: HubSpot's Python runtime calls `main(event)` and "
                "uses its return value without awaiting it; use `def main(event):`",
                main,
            )
        )
    problem = _arity_problem(main.args)
    if problem:
        found.append(
            ctx.at(
                "HS102",
                f"`main` {problem}: HubSpot calls `main(event)` with one argument; "
                "declare it as `def main(event):`",
                main,
            )
        )
    return found


def _arity_problem(args: ast.arguments) -> str | None:
    positional = [*args.posonlyargs, *args.args]
    required = len(positional) - len(args.defaults)
    if not positional and args.vararg is None:
        return "takes no argument"
    if required > 1:
        return f"requires {required} positional arguments"
    missing_kw = [
        a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is None
    ]
    if missing_kw:
        return f"requires keyword-only argument(s) {', '.join(missing_kw)}"
    return None


def _bound_names(stmt: ast.stmt) -> set[str]:
    if isinstance(stmt, ast.Import | ast.ImportFrom):
        return {(a.asname or a.name).split(".")[0] for a in stmt.names}
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]  # type: ignore[attr-defined]
    return {t.id for t in targets if isinstance(t, ast.Name)}


# -- Python 3.9 run-time gaps -------------------------------------------------------------


def check_runtime_gaps(
    tree: ast.Module, ctx: SourceContext, parents: dict[int, ast.AST]
) -> list[Finding]:
    """HS106 (``X | Y`` evaluated at run time) and HS107 (names added after 3.9)."""
    found: list[Finding] = []
    postponed = any(
        isinstance(s, ast.ImportFrom)
        and s.module == "__future__"
        and any(a.name == "annotations" for a in s.names)
        for s in tree.body
    )
    for expr in _evaluated_unions(tree, postponed):
        found.append(
            ctx.at(
                "HS106",
                "`X | Y` between types raises TypeError on Python 3.9 when evaluated: add "
                "`from __future__ import annotations` (annotations), or use "
                "`Optional[...]`/`Union[...]` or a tuple of types",
                expr,
            )
        )
    module_aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in NAMES_ADDED_AFTER_PYTHON39:
                    module_aliases[alias.asname or alias.name] = alias.name
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in NAMES_ADDED_AFTER_PYTHON39:
            added = NAMES_ADDED_AFTER_PYTHON39[node.module]
            for alias in node.names:
                if alias.name in added and not is_guarded(node, parents):
                    found.append(_name_finding(ctx, node.module, alias.name, added, node))
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in module_aliases
        ):
            module = module_aliases[node.value.id]
            added = NAMES_ADDED_AFTER_PYTHON39[module]
            if node.attr in added and not is_guarded(node, parents):
                found.append(_name_finding(ctx, module, node.attr, added, node))
    return found


def _name_finding(
    ctx: SourceContext, module: str, name: str, added: dict[str, str], node: ast.AST
) -> Finding:
    return ctx.at(
        "HS107",
        f"`{module}.{name}` was added in Python {added[name]}; HubSpot runs 3.9: use a 3.9 "
        "equivalent or guard it with `try: ... except ImportError:`",
        node,
    )


def _evaluated_unions(tree: ast.Module, postponed: bool) -> Iterator[ast.BinOp]:
    for node in ast.walk(tree):
        if not postponed and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            a = node.args
            params = [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg]
            annotations = [p.annotation for p in params if p is not None] + [node.returns]
            for annotation in annotations:
                if annotation is not None:
                    yield from _unions_in(annotation, any_operands=True)
        elif not postponed and isinstance(node, ast.ClassDef):
            for stmt in node.body:
                if isinstance(stmt, ast.AnnAssign):
                    yield from _unions_in(stmt.annotation, any_operands=True)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("isinstance", "issubclass")
            and len(node.args) == 2
        ):
            yield from _unions_in(node.args[1], any_operands=False)
    for stmt in tree.body:
        if isinstance(stmt, ast.AnnAssign) and not postponed:
            yield from _unions_in(stmt.annotation, any_operands=True)
    for node in ast.walk(tree):
        # An alias such as `Maybe = str | None`, at module level or inside `main`.
        if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.BinOp):
            yield from _unions_in(node.value, any_operands=False)


def _unions_in(expr: ast.expr, *, any_operands: bool) -> Iterator[ast.BinOp]:
    for node in ast.walk(expr):
        if (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.BitOr)
            and (any_operands or _type_like(node.left) or _type_like(node.right))
        ):
            yield node
            return


def _type_like(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant) and node.value is None:
        return True
    if isinstance(node, ast.Name):
        return node.id in _BUILTIN_TYPES
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        return node.value.id in _BUILTIN_TYPES
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _type_like(node.left) or _type_like(node.right)
    return False


# -- imports ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportKind:
    """Where an imported module comes from in HubSpot's runtime."""

    kind: Literal["stdlib", "hubspot", "transitive", "helper", "not-in-3.9", "unavailable"]
    detail: str = ""


def classify_module(module: str, helpers: frozenset[str]) -> ImportKind:
    """Classify a dotted module name for HubSpot's Python 3.9 runtime.

    Args:
        module: The dotted name imported (``mysql.connector``, ``os.path``).
        helpers: Module names that are helper files beside the action.
    """
    top = module.split(".")[0]
    if top in helpers:
        return ImportKind("helper")
    if top in PYTHON39_STDLIB_MODULES:
        return ImportKind("stdlib")
    if any(module == m or module.startswith(m + ".") for m in HUBSPOT_MODULES):
        return ImportKind("hubspot")
    if top in STDLIB_NOT_IN_PYTHON39:
        return ImportKind("not-in-3.9", STDLIB_NOT_IN_PYTHON39[top])
    if top in PYTHON_TRANSITIVE_MODULES:
        return ImportKind("transitive", PYTHON_TRANSITIVE_MODULES[top])
    return ImportKind("unavailable")


def check_imports(
    tree: ast.Module, ctx: SourceContext, parents: dict[int, ast.AST]
) -> list[Finding]:
    """HS201-HS205: only Python 3.9's standard library and HubSpot's list exist there."""
    found: list[Finding] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            found.append(
                ctx.at(
                    "HS205",
                    "relative import: a HubSpot action is a single file; import the helper "
                    "absolutely (`from _helpers import x`) and paste `hsrun package` output",
                    node,
                )
            )
            continue
        for module in _imported_modules(node):
            if is_guarded(node, parents):
                continue
            finding = _import_finding(ctx, module, node)
            if finding is not None:
                found.append(finding)
    return found


def _imported_modules(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.module and node.module != "__future__":
        kind = classify_module(node.module, frozenset())
        if kind.kind == "unavailable":
            # `from mysql import connector` imports mysql.connector.
            dotted = [f"{node.module}.{alias.name}" for alias in node.names]
            if all(classify_module(d, frozenset()).kind == "hubspot" for d in dotted):
                return dotted
        return [node.module]
    return []


def _import_finding(ctx: SourceContext, module: str, node: ast.AST) -> Finding | None:
    kind = classify_module(module, ctx.helpers)
    if kind.kind in ("stdlib", "hubspot"):
        return None
    if kind.kind == "helper":
        return ctx.at(
            "HS204",
            f"`{module}` is a helper module of this project; HubSpot actions are one file: "
            "paste the output of `hsrun package`, which inlines it",
            node,
        )
    if kind.kind == "not-in-3.9":
        return ctx.at(
            "HS202",
            f"`{module}` is not in HubSpot's Python 3.9 standard library ({kind.detail}): "
            "use a module 3.9 has",
            node,
        )
    if kind.kind == "transitive":
        return ctx.at(
            "HS203",
            f"`{module}` is only installed as a dependency of {kind.detail}; HubSpot does not "
            f"list it and may drop it: prefer a listed library ({_LISTED})",
            node,
        )
    return ctx.at(
        "HS201",
        f"`{module}` is not available in HubSpot: only Python 3.9's standard library and "
        f"{_LISTED} are; use one of them or call the service over HTTP with requests",
        node,
    )
