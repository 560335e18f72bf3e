"""What every rule sees: one source, its manifest, and how to point at a line."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from runtime.contract.manifest import Manifest
from runtime.packaging._syntax39 import char_col
from runtime.packaging.findings import Finding, make_finding


@dataclass(frozen=True)
class SourceContext:
    """One action's text with the manifest that travels with it.

    Attributes:
        source: The action's text.
        path: The path findings about the source name.
        manifest: The (possibly defaulted) manifest.
        manifest_path: The manifest's path, ``None`` when the action has none.
        manifest_text: The manifest's text ("" when none), to point at a key's line.
        helpers: Module names that resolve to helper files beside the action.
    """

    source: str
    path: str
    manifest: Manifest
    manifest_path: str | None = None
    manifest_text: str = ""
    helpers: frozenset[str] = frozenset()
    lines: list[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", self.source.splitlines())

    def at(
        self,
        code: str,
        message: str,
        node: ast.AST | None = None,
        *,
        subject: str | None = None,
    ) -> Finding:
        """A finding in the source, at ``node`` when given, about ``subject`` if named."""
        line: int | None = getattr(node, "lineno", None)
        if line is None:
            return make_finding(code, message, self.path, subject=subject)
        col = char_col(self.lines, line, getattr(node, "col_offset", 0))
        return make_finding(code, message, self.path, line, col, subject=subject)

    def at_offset(
        self, code: str, message: str, offset: int, *, subject: str | None = None
    ) -> Finding:
        """A finding in the source at a character offset (pattern-level rules)."""
        line = self.source.count("\n", 0, offset) + 1
        col = offset - (self.source.rfind("\n", 0, offset) + 1) + 1
        return make_finding(code, message, self.path, line, col, subject=subject)

    def in_manifest(
        self, code: str, message: str, *needles: str, subject: str | None = None
    ) -> Finding:
        """A finding in the manifest, on the first line mentioning one of ``needles``."""
        path = self.manifest_path or self.path
        for needle in needles:
            pattern = re.compile(needle)
            for number, text in enumerate(self.manifest_text.splitlines(), start=1):
                if pattern.search(text.split("#", 1)[0]):
                    return make_finding(code, message, path, number, 1, subject=subject)
        return make_finding(code, message, path, subject=subject)

    @property
    def manifest_name(self) -> str:
        """How messages name the manifest (it may not exist yet)."""
        if self.manifest_path:
            return self.manifest_path
        stem = self.path.rsplit(".", 1)[0]
        return f"{stem}.toml"


def key_pattern(name: str) -> str:
    """A regex for the line declaring TOML key ``name`` (bare or quoted)."""
    quoted = re.escape(name)
    return rf"^\s*(?:{quoted}|\"{quoted}\"|'{quoted}')\s*="


def item_pattern(name: str) -> str:
    """A regex for a quoted array item ``name`` (e.g. a secret in ``secrets = [...]``)."""
    return rf"[\"']{re.escape(name)}[\"']"
