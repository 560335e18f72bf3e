"""``hsrun workflow run --live`` and ``resume --live``: HubSpot as the portal, once confirmed.

Nothing is written before the user confirmed, naming the portal (its id, read from HubSpot
with the token) and the number of enrollments: ``--yes-write-to-hubspot``, or a yes at the
terminal's prompt. Without a terminal and without the flag, the command is refused.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from runtime.cli._common import interrupt_stops

if TYPE_CHECKING:
    from runtime.config import Settings
    from runtime.workflow import Enrollment, Flow
    from runtime.workflow.live import LiveRecords

CONFIRM_FLAG = "--yes-write-to-hubspot"


def live_records(settings: Settings, *, token_secret: str | None, api_url: str) -> LiveRecords:
    """HubSpot at ``api_url`` with the token of ``token_secret`` (default
    ``HUBSPOT_LIVE_DEPLOY_TOKEN``, the one ``deploy --live`` and ``workflow pull --live`` use).

    Raises:
        DeployError: the secret store has no such secret.
        UsageError: ``api_url`` is not https (or loopback http).
    """
    from runtime.packaging.deploy import DEFAULT_LIVE_TOKEN_SECRET, token_from_store
    from runtime.secrets import default_source
    from runtime.workflow.live import LiveRecords, LiveTarget

    name = token_secret or DEFAULT_LIVE_TOKEN_SECRET
    token = token_from_store(default_source(settings), name, live=True)
    return LiveRecords(LiveTarget(api_url, token, name))


def confirm(records: LiveRecords, *, flow: Flow, count: int, yes: bool) -> None:
    """Ask before writing to HubSpot, naming the portal and the number of enrollments.

    Raises:
        UsageError: no terminal to ask, and no ``--yes-write-to-hubspot``.
        typer.Exit: the user said no (exit 1).
        PortalError: HubSpot refused the token (the portal cannot be named).
    """
    from runtime.errors import UsageError

    target = records.target
    what = (
        f"This writes to HubSpot portal {records.portal_id} ({target.base_url}) with the token "
        f"in secret {target.token_secret}: {count} enrollment(s) in {flow.name!r}."
    )
    if yes:
        print(what, file=sys.stderr)
        return
    if not sys.stdin.isatty():
        raise UsageError(f"{what} Refused: no terminal to confirm on; add {CONFIRM_FLAG}")
    if not typer.confirm(f"{what} Go on?", default=False, err=True):
        print("Nothing written.", file=sys.stderr)
        raise typer.Exit(1)


def open_live_flow(spec: str, records: LiveRecords) -> Flow:
    """A flow file, or (a number) the flow with that id in HubSpot.

    Raises:
        WorkflowError: no such file; DeployError: HubSpot has no such flow.
    """
    from runtime.config import find_project_root
    from runtime.workflow import load_flow, open_flow

    if Path(spec).is_file() or not spec.strip().isdigit():
        return open_flow(spec)
    from runtime.packaging.deploy import DeployTarget
    from runtime.packaging.deploy._api import FlowsApi, Where, session_for

    target = records.target
    where = DeployTarget(
        target.base_url, target.token, "HubSpot", token_secret=target.token_secret, live=True
    )
    with session_for(None, trust_env=target.is_hubspot) as http:
        data = FlowsApi(http, where, Where(spec.strip(), "-", where)).get()
    return load_flow(
        data, source=f"flow {spec.strip()}", base_dir=find_project_root(), flow_id=spec.strip()
    )


def run_live(
    flow_spec: str,
    *,
    ids: list[str],
    until: str | None,
    options: dict[str, Any],
    as_json: bool,
    token_secret: str | None,
    api_url: str,
    yes: bool,
) -> None:
    """``workflow run --live``: enroll HubSpot's records, write to HubSpot, on real time."""
    from runtime.cli._workflow_run import _report
    from runtime.config import get_settings
    from runtime.errors import UsageError
    from runtime.invoke import Runner, RunOptions
    from runtime.journal import Journal
    from runtime.secrets import default_source
    from runtime.workflow import EngineOptions, run_workflow
    from runtime.workflow.clock import parse_duration

    if not ids:
        raise UsageError("name the records to enroll: --object-id ID, --objects FILE.jsonl")
    settings = get_settings()
    records = live_records(settings, token_secret=token_secret, api_url=api_url)
    with contextlib.closing(records):
        flow = open_live_flow(flow_spec, records)
        confirm(records, flow=flow, count=len(ids), yes=yes)
        concurrency = options.get("concurrency") or (
            2 * (os.cpu_count() or 1) if len(ids) > 1 else 1
        )
        engine_options = EngineOptions(
            **{**options, "concurrency": concurrency, "real_time": True},
            run_options=RunOptions(live=records.target.is_hubspot),
        )
        with Runner() as runner, Journal(settings.journal_path) as journal:
            with interrupt_stops(runner, "the workflow run"):
                enrollments = run_workflow(
                    flow,
                    portal=records.scratch,
                    url=records.target.base_url,
                    runner=runner,
                    object_ids=ids,
                    code_cache=settings.home / "workflow-code",
                    options=engine_options,
                    secrets=default_source(settings),
                    # HubSpot's clock is the real one: by default only what is due now runs,
                    # and an enrollment in a delay or a retry is left WAITING for resume --live.
                    until_s=parse_duration(until) if until else 0.0,
                    journal=journal,
                    records=records,
                )
            interrupted = runner.interrupted
    _report(
        enrollments,
        flow,
        as_json=as_json,
        timezone=engine_options.timezone,
        interrupted=interrupted,
    )


def resume_live(
    chosen: list[Enrollment],
    *,
    until: str | None,
    concurrency: int | None,
    as_json: bool,
    token_secret: str | None,
    api_url: str,
    yes: bool,
) -> None:
    """``workflow resume --live``: continue live enrollments whose time has come."""
    from runtime.cli._workflow_resume import flow_file
    from runtime.cli._workflow_run import _report
    from runtime.config import get_settings
    from runtime.invoke import Runner, RunOptions
    from runtime.journal import Journal
    from runtime.secrets import default_source
    from runtime.workflow import resume_workflow
    from runtime.workflow.clock import parse_duration
    from runtime.workflow.resume import options_of

    settings = get_settings()
    records = live_records(settings, token_secret=token_secret, api_url=api_url)
    groups: dict[str, list[Enrollment]] = {}
    for enrollment in chosen:
        groups.setdefault(enrollment.flow, []).append(enrollment)
    done: list[Enrollment] = []
    flow = None
    with contextlib.closing(records), Runner() as runner:
        flows = {
            key: open_live_flow(key if key.isdigit() else flow_file(settings, members[0]), records)
            for key, members in groups.items()
        }
        for key, members in groups.items():
            confirm(records, flow=flows[key], count=len(members), yes=yes)
        workers = concurrency or (2 * (os.cpu_count() or 1) if len(chosen) > 1 else 1)
        with Journal(settings.journal_path) as journal, interrupt_stops(runner, "the run"):
            for key, members in groups.items():
                flow = flows[key]
                done += resume_workflow(
                    flow,
                    members,
                    portal=records.scratch,
                    url=records.target.base_url,
                    runner=runner,
                    code_cache=settings.home / "workflow-code",
                    options=options_of(
                        members[0],
                        concurrency=workers,
                        real_time=True,
                        run_options=RunOptions(live=records.target.is_hubspot),
                    ),
                    secrets=default_source(settings),
                    until_s=parse_duration(until) if until else 0.0,
                    journal=journal,
                    records=records,
                )
        interrupted = runner.interrupted
    _report(
        done,
        flow,
        as_json=as_json,
        timezone=options_of(chosen[0]).timezone,
        interrupted=interrupted,
    )
