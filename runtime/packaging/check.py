"""``hsrun check``: HubSpot's rules on an action before it is pasted or deployed.

:func:`check_action` is what ``hsrun invoke`` runs above a result; :func:`check_paths` is the
command (files or folders, a report, exit 1 on errors).
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runtime.contract.limits import DEFAULT_RUNTIME_BY_SUFFIX, MAX_INPUTS
from runtime.contract.manifest import ActionManifest, Manifest, load_action, manifest_path_for
from runtime.errors import ActionNotFoundError, ManifestError, UsageError
from runtime.packaging import _names, _node_rules, _python_io, _python_rules
from runtime.packaging._context import SourceContext, key_pattern
from runtime.packaging._syntax39 import parse_python39
from runtime.packaging.findings import Finding, make_finding

#: Source size above which HS003 warns. HubSpot publishes no code size limit (contract §5.2);
#: real actions are a few kilobytes, and a file this large is usually carrying data.
MAX_SOURCE_CHARS = 100_000

#: Suffixes of action files; helper modules start with ``_`` and are not actions.
ACTION_SUFFIXES = (".py", ".js")

_NOQA = re.compile(r"(?:#|//)\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*))?")


def check_source(
    source: str,
    manifest: Manifest | None = None,
    *,
    path: str = "action.py",
    helpers: Iterable[str] = (),
) -> list[Finding]:
    """Check one action's text against HubSpot's rules.

    Args:
        source: The action's text.
        manifest: What HubSpot's editor holds for it; HubSpot's defaults when ``None``.
        path: The path findings name; its suffix picks the rules (``.js`` is Node.js)
            unless the manifest names a runtime.
        helpers: Module names that are helper files beside the action.

    Returns:
        The findings, in file order.
    """
    if manifest is None:
        manifest = Manifest(
            runtime=DEFAULT_RUNTIME_BY_SUFFIX[".js" if path.endswith(".js") else ".py"]
        )
    ctx = SourceContext(source, path, manifest, helpers=frozenset(helpers))
    return run_rules(ctx)


def check_action(action: ActionManifest, *, syntax: bool = True) -> list[Finding]:
    """Check an action file and its manifest against HubSpot's rules.

    Args:
        action: The loaded action (``runtime.contract.load_action``).
        syntax: Also let Node.js check a Node action's syntax (``node --check``, HS504).

    Returns:
        The findings, in file order; ``severity == "error"`` ones fail ``hsrun check``.
    """
    path = str(action.source_path)
    try:
        source = action.source_path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        return [make_finding("HS002", f"not UTF-8 text ({exc.reason}): save it as UTF-8", path)]
    manifest_text = ""
    if action.manifest_path is not None:
        manifest_text = action.manifest_path.read_text(encoding="utf-8")
    ctx = SourceContext(
        source,
        path,
        action.manifest,
        manifest_path=str(action.manifest_path) if action.manifest_path else None,
        manifest_text=manifest_text,
        helpers=helper_modules(action.source_path),
    )
    found = run_rules(ctx)
    if syntax and action.manifest.runtime.startswith("NODE"):
        from runtime.packaging._node_syntax import check_syntax

        found = sorted(
            found + (check_syntax(action.source_path, action.manifest.runtime) or []), key=_order
        )
    return found


def helper_modules(source_path: Path) -> frozenset[str]:
    """Module names beside ``source_path`` that an import would resolve to."""
    folder = source_path.parent
    names = {p.stem for p in folder.glob("*.py") if p != source_path}
    names |= {p.parent.name for p in folder.glob("*/__init__.py")}
    return frozenset(names)


def run_rules(ctx: SourceContext) -> list[Finding]:
    """Every rule for ``ctx``'s runtime, with ``# noqa`` comments applied."""
    found: list[Finding] = []
    if len(ctx.source) > MAX_SOURCE_CHARS:
        found.append(
            make_finding(
                "HS003",
                f"{len(ctx.source):,} characters (hsrun warns above {MAX_SOURCE_CHARS:,}; "
                "HubSpot publishes no limit): move data out of the code",
                ctx.path,
            )
        )
    if ctx.manifest.runtime.startswith("NODE"):
        found += _node_rules.check_node(ctx)
    else:
        found += _python_findings(ctx)
    return sorted(_apply_noqa(found, ctx), key=_order)


def _python_findings(ctx: SourceContext) -> list[Finding]:
    tree, found = parse_python39(ctx.source, ctx.path)
    if tree is None:
        # A syntax error does not hide what can still be read: the imports and environment
        # reads above it (the rest needs the whole file: main, its returns).
        line = min((f.line for f in found if f.line is not None), default=None)
        partial = _parse_prefix(ctx.source, line) if line is not None else None
        if partial is not None:
            parents = _python_rules.parent_map(partial)
            found += _python_rules.check_imports(partial, ctx, parents)
            found += _python_io.check_secrets(partial, ctx, parents)
        return found
    parents = _python_rules.parent_map(tree)
    found += _python_rules.check_main(tree, ctx)
    found += _python_rules.check_runtime_gaps(tree, ctx, parents)
    found += _names.check_undefined_names(tree, ctx)
    found += _python_rules.check_imports(tree, ctx, parents)
    found += _python_io.check_secrets(tree, ctx, parents)
    found += _python_io.check_inputs(tree, ctx, parents)
    found += _python_io.check_outputs(tree, ctx, parents)
    return found


def _parse_prefix(source: str, error_line: int, tries: int = 50) -> ast.Module | None:
    """The longest run of whole lines before ``error_line`` that parses (within ``tries``
    lines of it), or None."""
    lines = source.splitlines(keepends=True)
    for end in range(min(error_line - 1, len(lines)), max(-1, error_line - 1 - tries), -1):
        try:
            return ast.parse("".join(lines[:end]))
        except (SyntaxError, ValueError):
            continue
    return None


def _apply_noqa(found: list[Finding], ctx: SourceContext) -> list[Finding]:
    kept = []
    for finding in found:
        if finding.path == ctx.path and finding.line is not None:
            line = ctx.lines[finding.line - 1] if finding.line <= len(ctx.lines) else ""
            match = _NOQA.search(line)
            if match is not None:
                codes = match.group("codes")
                if codes is None or finding.code in re.split(r"\s*,\s*", codes):
                    continue
        kept.append(finding)
    return kept


def _order(finding: Finding) -> tuple[str, int, int, str]:
    return (finding.path, finding.line or 0, finding.col or 0, finding.code)


# -- files and folders -------------------------------------------------------------------


@dataclass
class CheckReport:
    """The outcome of checking some actions."""

    actions: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def count(self, severity: str) -> int:
        """How many findings have ``severity``."""
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def ok(self) -> bool:
        """No errors (warnings do not fail a check)."""
        return self.count("error") == 0

    def to_dict(self) -> dict[str, Any]:
        """The JSON form printed by ``hsrun check --format json``."""
        return {
            "actions": self.actions,
            "findings": [f.to_dict() for f in self.findings],
            "summary": {
                "actions": len(self.actions),
                "errors": self.count("error"),
                "warnings": self.count("warning"),
                "info": self.count("info"),
            },
        }


def find_actions(paths: Sequence[Path | str]) -> list[Path]:
    """The action files named by ``paths``: files as given, folders' ``*.py``/``*.js``
    files (not recursive) except ``_``-prefixed helper modules.

    Raises:
        ActionNotFoundError: A path does not exist.
        UsageError: A folder holds no action, or a file is not ``.py``/``.js``.
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            inside = sorted(
                p
                for p in path.iterdir()
                if p.is_file() and p.suffix in ACTION_SUFFIXES and not p.name.startswith(("_", "."))
            )
            if not inside:
                raise UsageError(f"no actions (*.py, *.js) in {path}")
            found += inside
        elif path.is_file():
            if path.suffix not in ACTION_SUFFIXES:
                raise UsageError(f"{path} is not an action (.py or .js)")
            found.append(path)
        else:
            raise ActionNotFoundError(f"no such file or folder: {path}")
    return list(dict.fromkeys(found))


def check_paths(paths: Sequence[Path | str], *, ignore: Iterable[str] = ()) -> CheckReport:
    """Check every action named by ``paths`` (see :func:`find_actions`).

    Args:
        paths: Action files and folders of actions.
        ignore: Codes or code prefixes to drop (``HS302``, ``HS3``).

    Returns:
        A report; a manifest that does not validate is an HS001 (or HS303) finding, not an
        exception, so one bad action does not hide the others.
    """
    skip = tuple(code.strip().upper() for code in ignore if code.strip())
    report = CheckReport()
    for path in find_actions(paths):
        report.actions.append(str(path))
        try:
            findings = check_action(load_action(path))
        except ManifestError as exc:
            findings = _manifest_findings(path, exc)
        report.findings += [f for f in findings if not (skip and f.code.startswith(skip))]
    return report


def _manifest_findings(source: Path, exc: ManifestError) -> list[Finding]:
    mpath = manifest_path_for(source)
    # A folder, FIFO or device in the manifest's place is never read (it could block).
    text = mpath.read_text(encoding="utf-8", errors="replace") if mpath.is_file() else ""
    ctx = SourceContext("", str(source), Manifest(), manifest_path=str(mpath), manifest_text=text)
    problems = list(exc.problems)
    found = []
    try:
        inputs = tomllib.loads(text).get("inputs")
    except (tomllib.TOMLDecodeError, RecursionError):
        inputs = None
    if isinstance(inputs, dict) and len(inputs) > MAX_INPUTS:
        problems = [p for p in problems if not p.startswith("key 'inputs'")]
        found.append(
            ctx.in_manifest(
                "HS303",
                f"declares {len(inputs)} inputs; HubSpot allows at most {MAX_INPUTS} "
                "properties per action: drop some, or fetch them with the CRM API",
                r"^\s*\[inputs\]",
            )
        )
    if problems:
        found.append(
            ctx.in_manifest(
                "HS001",
                "the manifest does not validate: " + "; ".join(problems),
                *[pattern for p in problems for pattern in _problem_patterns(p)],
            )
        )
    return found


def _problem_patterns(problem: str) -> list[str]:
    """Where a problem like ``key 'outputs.score.type': ...`` is: ``score =``, ``[outputs]``."""
    match = re.match(r"key '([^']+)'", problem)
    if match is None:
        return []
    parts = [p for p in match.group(1).split(".") if p.isidentifier() and p != "type"]
    patterns: list[str] = []
    for part in reversed(parts):
        patterns += [key_pattern(part), rf"^\s*\[{re.escape(part)}\]"]
    return patterns
