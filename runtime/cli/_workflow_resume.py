"""``hsrun workflow resume``: enrollments left WAITING go on (registered on the group of
:mod:`runtime.cli._workflow_run`)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from runtime.cli._common import handle_errors, interrupt_stops
from runtime.cli._workflow_run import (
    RUN_EPILOG,
    HubspotUrlOpt,
    InjectOpt,
    TokenSecretOpt,
    UntilOpt,
    YesOpt,
    _engine_parts,
    _report,
    group,
)
from runtime.contract.hosts import DEFAULT_BASE_URL

if TYPE_CHECKING:
    from runtime.config import Settings
    from runtime.workflow import Enrollment, Flow


@group.command("resume", epilog=RUN_EPILOG)
@handle_errors
def resume(
    enrollment_ids: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="ENROLLMENT_ID",
            help="Enrollments to resume (ids or unique prefixes; default: every WAITING one).",
        ),
    ] = None,
    until: UntilOpt = None,
    inject: InjectOpt = None,
    concurrency: Annotated[
        int | None,
        typer.Option(help="Enrollments stepped at once (default 1, with many: 2 per CPU).", min=1),
    ] = None,
    live: Annotated[
        bool,
        typer.Option("--live", help="Resume enrollments a --live run left WAITING (asks first)."),
    ] = False,
    yes_write_to_hubspot: YesOpt = False,
    token_secret: TokenSecretOpt = None,
    hubspot_url: HubspotUrlOpt = DEFAULT_BASE_URL,
    as_json: Annotated[bool, typer.Option("--json", help="Print the enrollments as JSON.")] = False,
) -> None:
    """Continue enrollments that --until left WAITING, from the journal, on the same virtual
    clock (outputs, retry state and attempt counts carry on), to the end or --until. With
    --live: enrollments of --live runs, on real time (what is due now, or by --until)."""
    from runtime.config import get_settings
    from runtime.errors import UsageError, WorkflowError
    from runtime.invoke import RunOptions
    from runtime.journal import Journal
    from runtime.journal.enrollments import get_enrollment, list_enrollments
    from runtime.secrets import default_source
    from runtime.workflow import resume_workflow
    from runtime.workflow.clock import parse_duration
    from runtime.workflow.enrollment import WAITING
    from runtime.workflow.resume import options_of, refuse

    settings = get_settings()
    until_s = parse_duration(until) if until else None
    with Journal(settings.journal_path) as journal:
        if enrollment_ids:
            chosen = [get_enrollment(journal, given) for given in enrollment_ids]
            for enrollment in chosen:
                if not enrollment.resumable:
                    refuse(enrollment)
                if bool((enrollment.pending or {}).get("live")) != live:
                    where = "HubSpot (--live)" if live is False else "the local fake portal"
                    flag = "with --live" if live is False else "without --live"
                    raise WorkflowError(
                        f"enrollment {enrollment.id} ran against {where}: resume it {flag}"
                    )
        else:
            chosen = [
                e
                for e in reversed(list_enrollments(journal, status=WAITING, limit=10**9))
                if e.resumable and bool((e.pending or {}).get("live")) == live
            ]
    if not chosen:
        print("No WAITING enrollments to resume (hsrun workflow list).", file=sys.stderr)
        return
    if live:
        from runtime.cli._workflow_live import resume_live

        if inject:
            raise UsageError("--inject makes the local fake portal fail calls: not with --live")
        resume_live(
            chosen,
            until=until,
            concurrency=concurrency,
            as_json=as_json,
            token_secret=token_secret,
            api_url=hubspot_url,
            yes=yes_write_to_hubspot,
        )
        return
    with _engine_parts(settings, inject) as (served, runner, journal):
        groups: dict[tuple[str, str], list[Enrollment]] = {}
        for enrollment in chosen:
            switches = json.dumps((enrollment.pending or {}).get("options"), sort_keys=True)
            groups.setdefault((enrollment.flow, switches), []).append(enrollment)
        workers = concurrency or (2 * (os.cpu_count() or 1) if len(chosen) > 1 else 1)
        done: list[Enrollment] = []
        flow = None
        with interrupt_stops(runner, "the workflow run"):
            for _group, members in groups.items():
                if runner.interrupted:
                    break
                flow = _recorded_flow(settings, members[0], served.portal)
                options = options_of(members[0], concurrency=workers, run_options=RunOptions())
                done += resume_workflow(
                    flow,
                    members,
                    portal=served.portal,
                    url=served.url,
                    runner=runner,
                    code_cache=settings.home / "workflow-code",
                    options=options,
                    secrets=default_source(settings),
                    until_s=until_s,
                    journal=journal,
                )
        interrupted = runner.interrupted
        timezone = options_of(chosen[0]).timezone
    _report(done, flow, as_json=as_json, timezone=timezone, interrupted=interrupted)


def _recorded_flow(settings: Settings, enrollment: Enrollment, portal: Any) -> Flow:
    """The flow an enrollment names: a portal flow id, or its file.

    Raises:
        WorkflowError: it is gone or no longer a valid flow.
    """
    from runtime.workflow import open_flow

    key = enrollment.flow
    if key.isdigit():
        return open_flow(key, portal=portal)
    return open_flow(flow_file(settings, enrollment))


def flow_file(settings: Settings, enrollment: Enrollment) -> str:
    """The file of an enrollment's flow: where its run found it, else relative to the
    project."""
    saved = (enrollment.pending or {}).get("flowFile")
    if saved and Path(saved).is_file():
        return str(saved)
    path = Path(enrollment.flow)
    return str(path if path.is_absolute() else settings.project_root / path)
