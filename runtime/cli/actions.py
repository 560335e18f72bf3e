"""`hsrun check`, `hsrun package`, `hsrun init`: lint, bundle and scaffold actions."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from runtime.cli._common import handle_errors

if TYPE_CHECKING:
    from runtime.packaging import CheckReport, Finding

CHECK_EPILOG = (
    "Exit codes: 0 no errors (warnings allowed), 1 at least one error, 2 bad arguments. "
    "Codes: HS0xx files, HS1xx handler and Python 3.9 syntax, HS2xx imports, "
    "HS3xx secrets and inputs, HS4xx outputs, HS5xx Node.js. Silence one line with "
    "`# noqa: HS301`; see docs/packaging.md for every rule."
)


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _finding_line(finding: Finding) -> str:
    return f"{finding.location()}: {finding.code} [{finding.severity}] {finding.message}"


def _print_report(report: CheckReport) -> None:
    for finding in report.findings:
        print(_finding_line(finding))
    errors, warnings = report.count("error"), report.count("warning")
    verdict = "ok" if report.ok else "failed"
    print(
        f"Checked {_plural(len(report.actions), 'action')}: {_plural(errors, 'error')}, "
        f"{_plural(warnings, 'warning')} ({verdict})."
    )


@handle_errors
def check(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Action files, or folders of actions (not recursive; _*.py skipped)."),
    ],
    fmt: Annotated[OutputFormat, typer.Option("--format", help="text or json.")] = (
        OutputFormat.text
    ),
    ignore: Annotated[
        str, typer.Option(help="Comma-separated codes or prefixes to skip, e.g. HS302,HS4.")
    ] = "",
) -> None:
    """Check actions against HubSpot's rules (Python 3.9 syntax, libraries, secrets, outputs)."""
    from runtime.errors import CheckFailedError
    from runtime.packaging import check_paths

    report = check_paths(paths, ignore=ignore.split(","))
    if fmt is OutputFormat.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        _print_report(report)
    if not report.ok:
        raise typer.Exit(CheckFailedError.exit_code)


@handle_errors
def package(
    action: Annotated[
        Path, typer.Argument(help="The action file, e.g. actions/archive_contact.py.")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write to.")] = Path("dist"),
    action_id: Annotated[str, typer.Option(help="actionId in the flow action JSON.")] = "1",
    fmt: Annotated[OutputFormat, typer.Option("--format", help="text or json.")] = (
        OutputFormat.text
    ),
) -> None:
    """Bundle an action into one pasteable file (helpers inlined) plus its v4 flow action JSON."""
    from runtime.contract import load_action
    from runtime.packaging import package_action

    packaged = package_action(load_action(action), out, action_id=action_id)
    bundle = packaged.bundle
    if fmt is OutputFormat.json:
        data = {
            "action": str(action),
            "source": str(packaged.source_path),
            "flow_action": str(packaged.json_path),
            "sha256": bundle.sha256,
            "helpers": list(bundle.helpers),
            "findings": [f.to_dict() for f in bundle.findings],
        }
        print(json.dumps(data, indent=2))
        return
    for finding in bundle.findings:
        print(_finding_line(finding))
    inlined = f" (inlined {', '.join(bundle.helpers)})" if bundle.helpers else ""
    print(f"Packaged {action}{inlined}:")
    print(f"  {packaged.source_path}    paste this into HubSpot's code editor")
    print(f"  {packaged.json_path}    the CUSTOM_CODE action for the Workflows v4 API")
    print(f"  sha256 {bundle.sha256}")


@handle_errors
def init(
    name: Annotated[str, typer.Argument(help="The action's name, a Python identifier.")],
    object_type: Annotated[
        str, typer.Option(help="Type of the enrolled object: CONTACT, COMPANY, DEAL, TICKET.")
    ] = "CONTACT",
    root: Annotated[
        Path | None, typer.Option(help="Project folder (default: the current project).")
    ] = None,
    js: Annotated[
        bool, typer.Option("--js", help="A Node.js 24 action (NODE24X) instead of Python.")
    ] = False,
) -> None:
    """Create a new action: source, manifest, a recorded event and a passing test."""
    from runtime.config import find_project_root
    from runtime.packaging import scaffold_action

    project = root if root is not None else find_project_root()
    written = scaffold_action(name, project, object_type=object_type, js=js)
    print(f"Created action {name}:")
    for path in written:
        print(f"  {path}")
    action, _, event, test = (str(p) for p in written)
    print("Next:")
    print(f"  hsrun invoke {action} --event {event}")
    print(f"  hsrun check {action}")
    print(f"  pytest {test}")


def register(app: typer.Typer) -> None:
    """Add ``check``, ``package`` and ``init`` to ``app``."""
    app.command("check", epilog=CHECK_EPILOG)(check)
    app.command("package")(package)
    app.command("init")(init)
