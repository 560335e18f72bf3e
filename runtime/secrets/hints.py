"""Warn when an action reads a stored secret its manifest does not select.

In HubSpot an action only sees the secrets ticked for it; any other name reads as ``None``
(Python) or ``undefined`` (Node) even though the secret exists in the account
(``docs/hubspot-custom-code-contract.md`` §4). Locally the store holds every secret, so a
missing ``secrets = [...]`` entry is easy to miss until the action fails in HubSpot.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Collection, Iterator, Sequence

# Fallback for Python source that does not parse (a hint is still better than nothing).
_PY_PATTERNS = (
    re.compile(r"""\b(getenv|environ\.get)\(\s*(['"])(?P<name>\w+)\2"""),
    re.compile(r"""\benviron\[\s*(['"])(?P<name>\w+)\1\s*\]"""),
)
_JS_PATTERNS = (
    re.compile(r"\bprocess\.env\.(?P<name>[A-Za-z_$][\w$]*)"),
    re.compile(r"""\bprocess\.env\[\s*(['"`])(?P<name>[^'"`]+)\1\s*\]"""),
)
_JS_DESTRUCTURE = re.compile(r"\{(?P<body>[^{}]*)\}\s*=\s*process\.env\b")


def unselected_secret_hints(
    source_text: str,
    selected: Sequence[str],
    stored: Collection[str],
    *,
    language: str = "python",
) -> list[str]:
    """Messages for env names the source reads that are stored but not selected.

    Args:
        source_text: the action's source.
        selected: the manifest's ``secrets``.
        stored: names the secret store holds.
        language: ``python`` (the default: ``os.getenv("X")``, ``os.environ["X"]``,
            ``os.environ.get("X")``, ``"X" in os.environ``, also via ``from os import ...``)
            or ``node`` (``process.env.X``, ``process.env["X"]``, ``{ X } = process.env``).

    Returns:
        One message per such name, in order of first use.

    Raises:
        ValueError: ``language`` is neither ``python`` nor ``node``.
    """
    if language not in ("python", "node"):
        raise ValueError(f"language must be 'python' or 'node', got {language!r}")
    reads = _node_reads(source_text) if language == "node" else _python_reads(source_text)
    missing_value = "undefined" if language == "node" else "None"
    chosen = set(selected)
    seen: set[str] = set()
    messages: list[str] = []
    for line, name in sorted(reads):
        if name in seen or name in chosen or name not in stored:
            continue
        seen.add(name)
        messages.append(
            f"line {line}: the action reads {name}, a stored secret that the manifest does "
            f'not select, so in HubSpot it would be {missing_value}; add "{name}" to '
            "secrets = [...] in the manifest"
        )
    return messages


def _python_reads(source: str) -> list[tuple[int, str]]:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return list(_regex_reads(source, _PY_PATTERNS))
    finder = _EnvReads()
    finder.visit(tree)
    return finder.reads


class _EnvReads(ast.NodeVisitor):
    """Collects ``(line, NAME)`` for every constant env name read through ``os``."""

    def __init__(self) -> None:
        self.reads: list[tuple[int, str]] = []
        # Assume the usual spellings even before seeing the imports (they may be inside a
        # function, or the source may rely on a name imported elsewhere).
        self.os_names = {"os"}
        self.environ_names: set[str] = set()
        self.getenv_names: set[str] = set()

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name == "os":
                self.os_names.add(alias.asname or "os")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module == "os":
            for alias in node.names:
                local = alias.asname or alias.name
                if alias.name == "environ":
                    self.environ_names.add(local)
                elif alias.name == "getenv":
                    self.getenv_names.add(local)

    def _is_environ(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.environ_names
        return (
            isinstance(node, ast.Attribute)
            and node.attr == "environ"
            and isinstance(node.value, ast.Name)
            and node.value.id in self.os_names
        )

    def _is_getenv(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.getenv_names
        return (
            isinstance(node, ast.Attribute)
            and node.attr == "getenv"
            and isinstance(node.value, ast.Name)
            and node.value.id in self.os_names
        )

    def _add(self, node: ast.expr | None, line: int) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            self.reads.append((line, node.value))

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        is_get = isinstance(func, ast.Attribute) and func.attr == "get"
        if self._is_getenv(func) or (
            is_get and isinstance(func, ast.Attribute) and self._is_environ(func.value)
        ):
            first = node.args[0] if node.args else None
            if first is None:
                first = next((k.value for k in node.keywords if k.arg == "key"), None)
            self._add(first, node.lineno)
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if self._is_environ(node.value):
            self._add(node.slice, node.lineno)
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        # "X" in os.environ
        if (
            len(node.ops) == 1
            and isinstance(node.ops[0], ast.In | ast.NotIn)
            and self._is_environ(node.comparators[0])
        ):
            self._add(node.left, node.lineno)
        self.generic_visit(node)


def _node_reads(source: str) -> list[tuple[int, str]]:
    reads = list(_regex_reads(source, _JS_PATTERNS))
    for match in _JS_DESTRUCTURE.finditer(source):
        line = source.count("\n", 0, match.start()) + 1
        for part in match.group("body").split(","):
            # `{ A, B: alias, C = "default" }`: the env name is what precedes ':' or '='.
            name = re.split(r"[:=]", part, maxsplit=1)[0].strip()
            if name:
                reads.append((line, name))
    return reads


def _regex_reads(source: str, patterns: Sequence[re.Pattern[str]]) -> Iterator[tuple[int, str]]:
    for pattern in patterns:
        for match in pattern.finditer(source):
            yield source.count("\n", 0, match.start()) + 1, match.group("name")
