"""One pasteable file per action: helper modules inlined, a content hash at the end.

HubSpot's editor holds one file per action, so ``from _helpers import normalize`` (with
``actions/_helpers.py`` beside the action) cannot work there. :func:`bundle_action` inlines
every helper module the action imports from its folder, in dependency order, and removes
those imports (``from _h import a as b`` becomes ``b = a``; ``import _h`` turns ``_h.x`` into
``x``). An action without helpers is left byte for byte as it is.

The last line is a marker, ``# hsrun:sha256=<hex>`` (``//`` for Node.js), the SHA-256 of the
code above it: deploy compares it with the code in HubSpot to detect edits made there.
"""

from __future__ import annotations

import ast
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from runtime.contract.manifest import ActionManifest
from runtime.errors import CheckFailedError, PackagingError
from runtime.packaging._context import SourceContext
from runtime.packaging._node_bundle import inline_helpers
from runtime.packaging._python_rules import parent_map
from runtime.packaging._syntax39 import parse_python39
from runtime.packaging.check import check_action, run_rules
from runtime.packaging.findings import Finding

MARKER_RE = re.compile(r"^(?:#|//) hsrun:sha256=(?P<hex>[0-9a-f]{64})[ \t]*$")


@dataclass(frozen=True)
class Bundle:
    """The pasteable form of one action.

    Attributes:
        action: The action it was built from.
        code: The code without the marker line.
        sha256: SHA-256 (hex) of :func:`normalise` ``(code)``.
        helpers: Helper files inlined, in the order they appear.
        findings: Warnings ``check`` reports on the bundled code (errors refuse a bundle).
    """

    action: ActionManifest
    code: str
    sha256: str
    helpers: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()

    @property
    def source(self) -> str:
        """The file to paste into HubSpot: the code and the marker line."""
        comment = "#" if self.action.is_python else "//"
        return f"{self.code}{comment} hsrun:sha256={self.sha256}\n"

    @property
    def filename(self) -> str:
        """``archive_contact.py`` for ``actions/archive_contact.py``."""
        return self.action.source_path.name


def normalise(code: str) -> str:
    """The form hashed: ``\\n`` line ends, one newline at the end (editors change these)."""
    return code.replace("\r\n", "\n").rstrip() + "\n"


def content_hash(code: str) -> str:
    """SHA-256 hex of :func:`normalise` ``(code)``."""
    return hashlib.sha256(normalise(code).encode("utf-8")).hexdigest()


def split_marker(text: str) -> tuple[str, str | None]:
    """Split a packaged file into its code and the hash its marker records.

    Returns:
        ``(code, hex)``; ``hex`` is ``None`` (and ``code`` is ``text``) without a marker.
    """
    stripped = text.replace("\r\n", "\n").rstrip()
    head, _, last = stripped.rpartition("\n")
    match = MARKER_RE.match(last)
    if match is None:
        return text, None
    return (head + "\n" if head else ""), match.group("hex")


def verify_marker(text: str) -> bool | None:
    """``True`` when the code matches its marker, ``False`` when edited, ``None`` when none."""
    code, recorded = split_marker(text)
    return None if recorded is None else content_hash(code) == recorded


def bundle_action(action: ActionManifest) -> Bundle:
    """Build the one-file form of ``action`` and verify it.

    Args:
        action: The loaded action (``runtime.contract.load_action``).

    Returns:
        The bundle; ``bundle.source`` is what to paste into HubSpot.

    Raises:
        CheckFailedError: The action fails ``hsrun check``.
        PackagingError: A helper cannot be inlined (import cycle, name clash, a module used
            as a value), or the bundled file fails the check.
    """
    errors = [f for f in check_action(action) if f.severity == "error"]
    if errors:
        raise CheckFailedError(_describe(f"{action.source_path} fails hsrun check", errors))
    source = action.source_path.read_text(encoding="utf-8")
    helpers: tuple[str, ...] = ()
    if not action.is_python:
        code, helpers = inline_helpers(action.source_path, source)
    else:
        code, helpers = _inline(action.source_path, source)
    code = normalise(code) if helpers else code
    if not code.endswith("\n"):
        code += "\n"
    ctx = SourceContext(
        code,
        f"{action.source_path} (packaged)",
        action.manifest,
        manifest_path=str(action.manifest_path) if action.manifest_path else None,
        manifest_text=action.manifest_path.read_text(encoding="utf-8")
        if action.manifest_path
        else "",
    )
    findings = run_rules(ctx)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        raise PackagingError(
            _describe("the packaged file fails hsrun check", errors, origins=code.splitlines())
        )
    return Bundle(action, code, content_hash(code), helpers, tuple(findings))


def _describe(title: str, findings: list[Finding], origins: list[str] | None = None) -> str:
    lines = []
    for finding in findings:
        origin = _origin(origins, finding.line) if origins else ""
        lines.append(f"  {finding.location()}{origin}: {finding.code} {finding.message}")
    return "\n".join([f"{title}:", *lines])


def _origin(code_lines: list[str], line: int | None) -> str:
    """`` (from _helpers.py)`` when ``line`` of the bundle lies in an inlined helper."""
    for text in reversed(code_lines[: (line or 0)]):
        if text.startswith(("# --- end of ", "// --- end of ")):
            return ""
        match = re.match(r"(?:#|//) --- inlined from (\S+) by hsrun package ---$", text)
        if match:
            return f" (from {match.group(1)})"
    return ""


# -- inlining Python helpers ------------------------------------------------------------


@dataclass
class _Module:
    name: str
    path: Path
    text: str
    tree: ast.Module


def _inline(action_path: Path, source: str) -> tuple[str, tuple[str, ...]]:
    folder = action_path.parent
    available = {p.stem: p for p in folder.glob("*.py") if p != action_path}
    packages = {p.parent.name for p in folder.glob("*/__init__.py")}
    action = _Module(action_path.stem, action_path, source, _parse(action_path, source))
    order: list[_Module] = []
    seen: dict[str, _Module] = {}

    def visit(module: _Module, chain: tuple[str, ...]) -> None:
        for dep in _helper_imports(module.tree, set(available) | packages):
            if dep in packages:
                raise PackagingError(
                    f"{module.path} imports the package {dep}/: hsrun package inlines single "
                    "helper modules only; make it one .py file"
                )
            if dep in chain:
                cycle = " -> ".join((*chain, dep))
                raise PackagingError(f"helper modules import each other in a cycle: {cycle}")
            if dep not in seen:
                text = available[dep].read_text(encoding="utf-8")
                helper = _Module(dep, available[dep], text, _parse(available[dep], text))
                seen[dep] = helper
                visit(helper, (*chain, dep))
                order.append(helper)

    visit(action, (action.name,))
    if not order:
        return source, ()
    names = set(seen)
    _refuse_clashes([*order, action], names)
    futures: list[str] = []
    header = ""
    docstring = _docstring_node(action.tree)
    if docstring is not None:
        header = _segment(action.text, docstring) + "\n\n"
    parts: list[str] = []
    for module in [*order, action]:
        body, module_futures = _rewrite(module, names, drop_docstring=module is action)
        futures += [f for f in module_futures if f not in futures]
        if module is action:
            parts.append(body.strip("\n"))
        else:
            parts.append(
                f"# --- inlined from {module.path.name} by hsrun package ---\n"
                f"{body.strip(chr(10))}\n"
                f"# --- end of {module.path.name} ---"
            )
    future_block = "".join(f + "\n" for f in futures)
    if future_block:
        future_block += "\n"
    code = header + future_block + "\n\n\n".join(parts) + "\n"
    return code, tuple(m.path.name for m in order)


def _parse(path: Path, text: str) -> ast.Module:
    tree, findings = parse_python39(text, str(path))
    if tree is None:
        raise PackagingError(_describe(f"{path} does not parse as Python 3.9", findings))
    return tree


def _helper_imports(tree: ast.Module, helpers: set[str]) -> list[str]:
    found: list[str] = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name.split(".")[0] for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module.split(".")[0]]
        found += [n for n in names if n in helpers and n not in found]
    return found


def _docstring_node(tree: ast.Module) -> ast.Expr | None:
    first = tree.body[0] if tree.body else None
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        return first
    return None


def _bindings(module: _Module, helpers: set[str]) -> dict[str, str]:
    """Top-level names the module binds -> what binds them (imports compare equal)."""
    bound: dict[str, str] = {}
    for stmt in module.tree.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound[stmt.name] = f"{module.name}:{stmt.name}"
        elif isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.name.split(".")[0] not in helpers:
                    bound[(alias.asname or alias.name).split(".")[0]] = f"import {alias.name}"
        elif isinstance(stmt, ast.ImportFrom) and stmt.module not in helpers:
            for alias in stmt.names:
                if stmt.module != "__future__":
                    bound[alias.asname or alias.name] = f"from {stmt.module} import {alias.name}"
        elif isinstance(stmt, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                for node in ast.walk(target):
                    if isinstance(node, ast.Name):
                        bound[node.id] = f"{module.name}:{node.id}"
    return {k: v for k, v in bound.items() if not (k.startswith("__") and k.endswith("__"))}


def _refuse_clashes(modules: list[_Module], helpers: set[str]) -> None:
    # The same import in two files is fine; any other second binding of a name is not.
    owners: dict[str, tuple[str, str]] = {}
    for module in modules:
        for name, what in _bindings(module, helpers).items():
            if name in owners and owners[name][1] != what:
                raise PackagingError(
                    f"`{name}` is bound in both {owners[name][0]} and {module.path.name}; "
                    "inlined helpers share one namespace with the action: rename one"
                )
            owners.setdefault(name, (module.path.name, what))


def _rewrite(module: _Module, helpers: set[str], *, drop_docstring: bool) -> tuple[str, list[str]]:
    """The module's text without helper imports and ``__future__`` imports (returned apart)."""
    text, tree = module.text, module.tree
    parents = parent_map(tree)
    offsets = _LineOffsets(text)
    edits: list[tuple[int, int, str]] = []
    futures: list[str] = []
    module_aliases: dict[str, str] = {}
    docstring = _docstring_node(tree) if drop_docstring else None
    if docstring is not None:
        edits.append(_statement_edit(text, offsets, docstring, parents, ""))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            futures.append(_segment(text, node))
            edits.append(_statement_edit(text, offsets, node, parents, ""))
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            if node.module.split(".")[0] in helpers:
                assigns = [
                    f"{a.asname} = {a.name}" for a in node.names if a.asname and a.asname != a.name
                ]
                edits.append(_statement_edit(text, offsets, node, parents, "; ".join(assigns)))
        elif isinstance(node, ast.Import):
            kept = [a for a in node.names if a.name.split(".")[0] not in helpers]
            for alias in node.names:
                if alias.name.split(".")[0] in helpers:
                    if "." in alias.name:
                        raise PackagingError(
                            f"{module.path}: `import {alias.name}` is not a module"
                        )
                    module_aliases[alias.asname or alias.name] = alias.name
            if len(kept) != len(node.names):
                replacement = ""
                if kept:
                    replacement = "import " + ", ".join(
                        f"{a.name} as {a.asname}" if a.asname else a.name for a in kept
                    )
                edits.append(_statement_edit(text, offsets, node, parents, replacement))
    edits += _attribute_edits(module, offsets, parents, module_aliases)
    return _apply(text, edits), futures


def _attribute_edits(
    module: _Module,
    offsets: _LineOffsets,
    parents: dict[int, ast.AST],
    aliases: dict[str, str],
) -> list[tuple[int, int, str]]:
    """``_h.normalize`` -> ``normalize`` for every ``import _h`` alias."""
    edits = []
    for node in ast.walk(module.tree):
        if not (isinstance(node, ast.Name) and node.id in aliases):
            continue
        parent = parents.get(id(node))
        if isinstance(parent, ast.alias | ast.Import):
            continue
        if not (isinstance(parent, ast.Attribute) and parent.value is node):
            raise PackagingError(
                f"{module.path}:{node.lineno}: the helper module `{node.id}` is used as a value; "
                f"write `from {aliases[node.id]} import ...` so it can be inlined"
            )
        start = offsets.at(node.lineno, node.col_offset)
        assert parent.end_lineno is not None and parent.end_col_offset is not None
        attr_end = offsets.at(parent.end_lineno, parent.end_col_offset)
        edits.append((start, attr_end - len(parent.attr), ""))
    return edits


def _statement_edit(
    text: str,
    offsets: _LineOffsets,
    node: ast.stmt,
    parents: dict[int, ast.AST],
    replacement: str,
) -> tuple[int, int, str]:
    assert node.end_lineno is not None and node.end_col_offset is not None
    start = offsets.at(node.lineno, node.col_offset)
    end = offsets.at(node.end_lineno, node.end_col_offset)
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    alone = not text[line_start:start].strip() and not text[end:line_end].split("#")[0].strip(
        " \t;"
    )
    if replacement:
        return start, end, replacement
    if alone and isinstance(parents.get(id(node)), ast.Module):
        return line_start, min(line_end + 1, len(text)), ""  # the whole line(s)
    return start, end, "pass"


def _apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _segment(text: str, node: ast.AST) -> str:
    return ast.get_source_segment(text, node) or ""


class _LineOffsets:
    """AST (line, UTF-8 byte column) -> index into the text."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines(keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def at(self, lineno: int, byte_col: int) -> int:
        line = self.lines[lineno - 1] if lineno <= len(self.lines) else ""
        chars = len(line.encode("utf-8")[:byte_col].decode("utf-8", errors="replace"))
        return self.starts[lineno - 1] + chars
