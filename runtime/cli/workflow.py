"""`hsrun deploy`, and the `hsrun workflow` group: run|resume|enroll-matching|show|list|check|pull.

``deploy`` puts a packaged action into a workflow's custom code action
(:func:`runtime.packaging.deploy.deploy_from_settings`) and renders the report: the code diff,
the settings that change, then what was written. The ``workflow`` commands run whole flows
with :mod:`runtime.workflow` against the project's fake portal (``.hsrun/portal.json``),
record enrollments in the journal and render them in HubSpot's action-log columns.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from runtime.cli._common import console, handle_errors

if TYPE_CHECKING:
    from runtime.packaging.deploy import DeployReport


def register(app: typer.Typer) -> None:
    """Add the ``deploy`` command and the ``workflow`` group to ``app``."""
    from runtime.cli import _workflow_resume, _workflow_run

    del _workflow_resume  # imported for its command, registered on _workflow_run.group
    app.command("deploy")(deploy)
    app.add_typer(_workflow_run.group, name="workflow")


@handle_errors
def deploy(
    action: Annotated[Path, typer.Argument(help="The action file (actions/NAME.py).")],
    flow: Annotated[str, typer.Option("--flow", help="The workflow's id (v4 flowId).")],
    action_id: Annotated[
        str, typer.Option("--action-id", help="The actionId of its custom code action.")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the diff, write nothing.")
    ] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Overwrite code edited in HubSpot or not deployed by hsrun."),
    ] = False,
    live: Annotated[
        bool, typer.Option("--live", help="Deploy to HubSpot (api.hubapi.com), not the fake.")
    ] = False,
    token_secret: Annotated[
        str | None,
        typer.Option(
            "--token-secret",
            help="Secret holding the private app token (default HUBSPOT_DEPLOY_TOKEN, with "
            "--live HUBSPOT_LIVE_DEPLOY_TOKEN).",
        ),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Deploy an action into a workflow's custom code action (the local fake portal unless
    --live), with a diff and a guard against code edited in HubSpot."""
    from runtime.config import get_settings
    from runtime.contract.manifest import load_action
    from runtime.packaging.deploy import deploy_from_settings

    report = deploy_from_settings(
        load_action(action),
        flow_id=flow,
        action_id=action_id,
        settings=get_settings(),
        live=live,
        token_secret=token_secret,
        dry_run=dry_run,
        force=force,
    )
    if json_out:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
        return
    _render(report)


def _render(report: DeployReport) -> None:
    out = console()
    name = f" ({report.flow_name})" if report.flow_name else ""
    print(
        f"{report.action} -> flow {report.flow_id}{name}, action {report.action_id}, on "
        f"{report.target} (revision {report.revision_before})"
    )
    for finding in report.warnings:
        print(f"warning: {finding.location()}: {finding.code} {finding.message}")
    for note in report.notes:
        print(f"note: {note}")
    if report.up_to_date:
        print("Already up to date: the flow holds exactly this action. Nothing written.")
        return
    if report.code_diff:
        print()
        for line in report.code_diff.splitlines():
            style = _diff_style(line)
            if style:
                out.print(line, style=style, markup=False, highlight=False, soft_wrap=True)
            else:
                print(line)
    else:
        print("Code: unchanged")
    for change in report.changes:
        print(f"{change.field}: {change.before} -> {change.after}")
    print()
    if report.drift:
        state = (
            "overwritten (--force)"
            if report.forced and report.written
            else "would be overwritten (--force)"
            if report.forced
            else "would need --force"
        )
        print(f"Drift: the deployed action {report.drift}; {state}.")
    if report.dry_run:
        print(
            f"Dry run: nothing written (flow {report.flow_id} stays at revision "
            f"{report.revision_before})."
        )
    elif report.written:
        print(
            f"Deployed: flow {report.flow_id} is now at revision {report.revision_after} "
            f"(sha256 {report.sha256[:12]})."
        )


def _diff_style(line: str) -> str | None:
    if line.startswith(("+++", "---")):
        return "bold"
    if line.startswith("+"):
        return "green"
    if line.startswith("-"):
        return "red"
    if line.startswith("@@"):
        return "cyan"
    return None
