"""Rules on what a Python action reads and returns: secrets, inputs, outputs.

Each rule reads literal keys only (``os.getenv("TOKEN")``, ``event["inputFields"]["email"]``,
``{"outputFields": {"score": ...}}``). When the code also reaches the same thing with a
computed key, the "declared but never used" rules stay silent: they cannot know.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from runtime.contract.libraries import LAMBDA_ENVIRONMENT_VARIABLES
from runtime.contract.limits import MAX_INPUTS, MAX_SECRETS_TOTAL_CHARS
from runtime.contract.outputs import OUTPUT_FIELDS, looks_like_output_fields
from runtime.packaging._context import SourceContext, item_pattern, key_pattern
from runtime.packaging.findings import Finding


@dataclass
class Reads:
    """Literal keys read (first node per key), and whether any read was computed."""

    keys: dict[str, ast.AST] = field(default_factory=dict)
    dynamic: bool = False

    def add(self, key: str, node: ast.AST) -> None:
        self.keys.setdefault(key, node)


def _const_str(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _keyed_read(node: ast.AST, parents: dict[int, ast.AST]) -> tuple[str | None, bool]:
    """How ``node`` (a mapping) is used: ``(key, True)`` for ``node["k"]``, ``node.get("k")``
    or ``"k" in node``; ``(None, True)`` for a store; ``(None, False)`` for anything else."""
    parent = parents.get(id(node))
    if isinstance(parent, ast.Subscript) and parent.value is node:
        key = _const_str(parent.slice)
        if isinstance(parent.ctx, ast.Store | ast.Del):
            return None, key is not None
        return key, key is not None
    if isinstance(parent, ast.Attribute) and parent.value is node and parent.attr == "get":
        call = parents.get(id(parent))
        if isinstance(call, ast.Call) and call.func is parent and call.args:
            key = _const_str(call.args[0])
            return key, key is not None
    if (
        isinstance(parent, ast.Compare)
        and len(parent.ops) == 1
        and isinstance(parent.ops[0], ast.In | ast.NotIn)
        and parent.comparators[0] is node
    ):
        key = _const_str(parent.left)
        return key, key is not None
    return None, False


# -- secrets (HubSpot: "Secrets are accessed as environment variables", §4) ----------------


def _env_reads(tree: ast.Module, parents: dict[int, ast.AST]) -> Reads:
    os_names = {"os"}
    environ_names: set[str] = set()
    getenv_names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            os_names |= {a.asname or "os" for a in node.names if a.name.split(".")[0] == "os"}
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            for alias in node.names:
                if alias.name == "environ":
                    environ_names.add(alias.asname or "environ")
                elif alias.name == "getenv":
                    getenv_names.add(alias.asname or "getenv")
    reads = Reads()
    for node in ast.walk(tree):
        is_os = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
        is_os = is_os and node.value.id in os_names  # type: ignore[attr-defined]
        if (is_os and node.attr == "environ") or (  # type: ignore[attr-defined]
            isinstance(node, ast.Name) and node.id in environ_names
        ):
            key, literal = _keyed_read(node, parents)
            if key is not None:
                reads.add(key, node)
            elif not literal:
                reads.dynamic = True
        elif (is_os and node.attr == "getenv") or (  # type: ignore[attr-defined]
            isinstance(node, ast.Name) and node.id in getenv_names
        ):
            call = parents.get(id(node))
            if isinstance(call, ast.Call) and call.func is node and call.args:
                key = _const_str(call.args[0])
                if key is not None:
                    reads.add(key, node)
                    continue
            reads.dynamic = True
    return reads


def check_secrets(
    tree: ast.Module, ctx: SourceContext, parents: dict[int, ast.AST]
) -> list[Finding]:
    """HS301 (read, not selected) and HS302 (selected, never read)."""
    reads = _env_reads(tree, parents)
    selected = set(ctx.manifest.secrets)
    found: list[Finding] = []
    for name, node in reads.keys.items():
        if name in selected or name in LAMBDA_ENVIRONMENT_VARIABLES:
            continue
        found.append(
            ctx.at(
                "HS301",
                f"reads secret `{name}`, which the action does not select: HubSpot only sets "
                f"selected secrets, so it is unset there; add it to `secrets` in "
                f"{ctx.manifest_name} and select it in HubSpot's editor",
                node,
                subject=name,
            )
        )
    if not reads.dynamic:
        for name in ctx.manifest.secrets:
            if name not in reads.keys:
                found.append(
                    ctx.in_manifest(
                        "HS302",
                        f"selects secret `{name}` but the code never reads it: remove it from "
                        f"`secrets` (selected values count towards HubSpot's "
                        f"{MAX_SECRETS_TOTAL_CHARS:,}-character total)",
                        item_pattern(name),
                        key_pattern("secrets"),
                        subject=name,
                    )
                )
    return found


# -- inputs (HubSpot: keys of event["inputFields"] are the action's properties, §2.2) -------


def _is_input_fields(node: ast.AST) -> bool:
    if isinstance(node, ast.Subscript):
        return _const_str(node.slice) == "inputFields"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return (
            node.func.attr == "get"
            and bool(node.args)
            and _const_str(node.args[0]) == "inputFields"
        )
    return False


def _input_reads(tree: ast.Module, parents: dict[int, ast.AST]) -> Reads:
    aliases: set[str] = set()
    alias_values: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
            if isinstance(value, ast.BoolOp) and isinstance(value.op, ast.Or):
                value = value.values[0]  # fields = event.get("inputFields") or {}
            if isinstance(target, ast.Name) and _is_input_fields(value):
                aliases.add(target.id)
                alias_values.add(id(value))
    reads = Reads()
    for node in ast.walk(tree):
        is_alias = (
            isinstance(node, ast.Name) and node.id in aliases and isinstance(node.ctx, ast.Load)
        )
        if not (is_alias or _is_input_fields(node)) or id(node) in alias_values:
            continue
        key, literal = _keyed_read(node, parents)
        if key is not None:
            reads.add(key, node)
        elif not literal:
            reads.dynamic = True
    return reads


def check_inputs(
    tree: ast.Module, ctx: SourceContext, parents: dict[int, ast.AST]
) -> list[Finding]:
    """HS303 (over 50 inputs), HS304 (read, not declared), HS305 (declared, never read)."""
    reads = _input_reads(tree, parents)
    declared = ctx.manifest.inputs
    found: list[Finding] = []
    if len(reads.keys) > MAX_INPUTS:
        extra = list(reads.keys.values())[MAX_INPUTS]
        found.append(
            ctx.at(
                "HS303",
                f"reads {len(reads.keys)} input fields; HubSpot allows at most {MAX_INPUTS} "
                "properties per action: drop some, or fetch them with the CRM API",
                extra,
            )
        )
    for name, node in reads.keys.items():
        if name not in declared:
            found.append(
                ctx.at(
                    "HS304",
                    f"reads input `{name}`, which {ctx.manifest_name} does not declare: without "
                    f'it the key is missing from inputFields; add `{name} = "<property>"` '
                    "under [inputs]",
                    node,
                    subject=name,
                )
            )
    if not reads.dynamic:
        for name in declared:
            if name not in reads.keys:
                found.append(
                    ctx.in_manifest(
                        "HS305",
                        f"declares input `{name}` but the code never reads it: remove it "
                        f"(inputs count towards HubSpot's limit of {MAX_INPUTS})",
                        key_pattern(name),
                        subject=name,
                    )
                )
    return found


# -- outputs (HubSpot: return {"outputFields": {...}}, §3) ---------------------------------


@dataclass
class Returned:
    """Output names set in literal ``outputFields`` dicts, and whether any was computed."""

    names: dict[str, ast.AST] = field(default_factory=dict)
    seen: bool = False
    dynamic: bool = False


def _function_of(node: ast.AST, parents: dict[int, ast.AST]) -> ast.AST | None:
    current = parents.get(id(node))
    while current is not None and not isinstance(
        current, ast.FunctionDef | ast.AsyncFunctionDef | ast.Module
    ):
        current = parents.get(id(current))
    return current


def _dict_keys(value: ast.expr, scope: ast.AST | None, returned: Returned) -> None:
    if isinstance(value, ast.Dict):
        for key in value.keys:
            name = _const_str(key)
            if name is None or key is None:
                returned.dynamic = True
            else:
                returned.names.setdefault(name, key)
        return
    if isinstance(value, ast.Name) and scope is not None:
        built = False
        for node in ast.walk(scope):
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == value.id for t in node.targets
            ):
                if isinstance(node.value, ast.Dict):
                    _dict_keys(node.value, None, returned)
                    built = True
                else:
                    returned.dynamic = True
            elif (
                isinstance(node, ast.Subscript)
                and isinstance(node.ctx, ast.Store)
                and isinstance(node.value, ast.Name)
                and node.value.id == value.id
            ):
                name = _const_str(node.slice)
                if name is None:
                    returned.dynamic = True
                else:
                    returned.names.setdefault(name, node.slice)
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == value.id
                and node.attr in ("update", "setdefault", "__setitem__")
            ):
                returned.dynamic = True
        if built:
            return
    returned.dynamic = True


def _returned_outputs(tree: ast.Module, parents: dict[int, ast.AST]) -> Returned:
    returned = Returned()
    for node in ast.walk(tree):
        value: ast.expr | None = None
        if isinstance(node, ast.Dict):
            for key, item in zip(node.keys, node.values, strict=True):
                if _const_str(key) == OUTPUT_FIELDS:
                    value = item
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Subscript) and _const_str(target.slice) == OUTPUT_FIELDS:
                    value = node.value
        if value is not None:
            returned.seen = True
            _dict_keys(value, _function_of(node, parents), returned)
    return returned


def check_outputs(
    tree: ast.Module, ctx: SourceContext, parents: dict[int, ast.AST]
) -> list[Finding]:
    """HS401-HS404: what ``main`` returns against the declared data outputs."""
    found: list[Finding] = []
    for node in ast.walk(tree):
        keys: list[ast.expr | None] = []
        if isinstance(node, ast.Dict):
            keys = list(node.keys)
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
            keys = [node.slice]
        for key in keys:
            text = _const_str(key)
            if text is not None and looks_like_output_fields(text):
                found.append(
                    ctx.at(
                        "HS402",
                        f'`"{text}"` is not `"outputFields"`: HubSpot only reads outputs from '
                        'the exact key `"outputFields"`, so it sees none; fix the spelling',
                        key,
                    )
                )
    found += _returns_without_output_fields(tree, ctx)
    returned = _returned_outputs(tree, parents)
    declared = ctx.manifest.outputs
    for name, node in returned.names.items():
        if name not in declared:
            found.append(
                ctx.at(
                    "HS401",
                    f"returns output `{name}`, which {ctx.manifest_name} does not declare: "
                    "HubSpot flags it and later actions cannot use it; declare it under "
                    f'[outputs] (e.g. `{name} = "string"`)',
                    node,
                    subject=name,
                )
            )
    if returned.seen and not returned.dynamic:
        for name in declared:
            if name not in returned.names:
                found.append(
                    ctx.in_manifest(
                        "HS403",
                        f"declares output `{name}` but no outputFields the code returns sets "
                        "it: return it or remove it from [outputs]",
                        key_pattern(name),
                        subject=name,
                    )
                )
    return found


def _returns_without_output_fields(tree: ast.Module, ctx: SourceContext) -> list[Finding]:
    main = next(
        (
            s
            for s in reversed(tree.body)
            if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef) and s.name == "main"
        ),
        None,
    )
    if main is None:
        return []
    found: list[Finding] = []
    for node in _own_nodes(main):
        if not (isinstance(node, ast.Return) and isinstance(node.value, ast.Dict)):
            continue
        keys = node.value.keys
        texts = [_const_str(k) for k in keys]
        if not keys or None in keys or OUTPUT_FIELDS in texts:
            continue  # {}, {**x}, or fine
        if any(t is not None and looks_like_output_fields(t) for t in texts):
            continue  # HS402 says it
        found.append(
            ctx.at(
                "HS404",
                "`main` returns a dict without `outputFields`: HubSpot reads outputs only from "
                'that key, so it sees none; return `{"outputFields": {...}}`',
                node,
            )
        )
    return found


def _own_nodes(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.AST]:
    """Nodes of ``function``'s own body, not of functions or classes nested in it."""
    nested = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda
    nodes: list[ast.AST] = []
    # A function or class defined directly in the body is not main's own code either: its
    # `return {...}` is the helper's answer, not main's.
    stack: list[ast.AST] = [s for s in function.body if not isinstance(s, nested)]
    while stack:
        node = stack.pop()
        nodes.append(node)
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, nested):
                stack.append(child)
    return nodes
