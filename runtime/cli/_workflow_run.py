"""The ``hsrun workflow`` commands (registered by :mod:`runtime.cli.workflow`)."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections import Counter
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from runtime.cli._common import console, handle_errors, interrupt_stops
from runtime.contract.hosts import DEFAULT_BASE_URL

if TYPE_CHECKING:
    from runtime.config import Settings
    from runtime.workflow import Enrollment, Flow

group = typer.Typer(
    help="Run whole workflows locally: enrollment, branches, delays, chained outputs, retries.",
    no_args_is_help=True,
)

RUN_EPILOG = (
    "Exit codes: 0 every enrollment completed (or is waiting at --until) without a failed "
    "step or an alert, 1 otherwise, 2 bad input (flow, flags), 7 fake portal problem, 130 "
    "when Ctrl-C stopped the run. The first Ctrl-C starts no new step, kills custom code in "
    "flight (its run recorded as INTERRUPTED), records the enrollments it cut short as "
    "INTERRUPTED at the action they were on, and prints what ran; a second one aborts."
)


class OnFailure(StrEnum):
    continue_ = "continue"
    stop = "stop"


class BranchMatch(StrEnum):
    exact = "exact"
    ignore_case = "ignore-case"


FlowArg = Annotated[
    str, typer.Argument(metavar="FLOW", help="A flow JSON file, or a flow id of the local portal.")
]
UntilOpt = Annotated[
    str | None,
    typer.Option("--until", metavar="DURATION", help="Stop the virtual clock after 90m, 8h, 3d."),
]
LiveOpt = Annotated[
    bool,
    typer.Option(
        "--live",
        help="Write to HubSpot: built-in steps through its CRM API, custom code's HubSpot calls "
        "to HubSpot; on real time (asks first, naming the portal).",
    ),
]
YesOpt = Annotated[
    bool,
    typer.Option(
        "--yes-write-to-hubspot", help="With --live: confirmed, do not ask (needed without a TTY)."
    ),
]
TokenSecretOpt = Annotated[
    str | None,
    typer.Option(
        metavar="NAME",
        help="With --live: the secret holding the private app token "
        "(default HUBSPOT_LIVE_DEPLOY_TOKEN).",
    ),
]
HubspotUrlOpt = Annotated[
    str,
    typer.Option(
        metavar="URL",
        help="With --live: HubSpot's API (EU accounts: https://api-eu1.hubapi.com).",
    ),
]
InjectOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--inject",
        metavar="STATUS@N",
        help="Answer the Nth API call with a 429/5xx, e.g. 429@2 (repeatable).",
    ),
]


@contextlib.contextmanager
def _engine_parts(settings: Settings, inject: list[str] | None) -> Iterator[tuple[Any, Any, Any]]:
    """The served portal, a runner and the journal for one command."""
    from runtime.fake_hubspot import attach
    from runtime.fake_hubspot.core.faults import parse_faults
    from runtime.invoke import Runner
    from runtime.journal import Journal

    faults = parse_faults(inject) if inject else []
    with attach(settings) as served, Runner() as runner, Journal(settings.journal_path) as journal:
        if faults:
            served.portal.faults.set(faults)
        try:
            yield served, runner, journal
        finally:
            served.portal.faults.clear()


def _object_ids(object_ids: list[str] | None, objects: Path | None) -> list[str]:
    from runtime.errors import UsageError

    ids = [str(i) for i in object_ids or []]
    if objects is not None:
        try:
            lines = objects.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise UsageError(f"cannot read {objects}: {exc.strerror}") from exc
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError:
                raise UsageError(f"{objects}:{number}: not JSON") from None
            found = item.get("objectId", item.get("id")) if isinstance(item, dict) else item
            if found is None or not str(found).isdigit():
                raise UsageError(f'{objects}:{number}: expected {{"objectId": 12}} or a number')
            ids.append(str(found))
    return ids


def _run(
    flow_spec: str,
    *,
    ids: list[str],
    matching: bool,
    until: str | None,
    inject: list[str] | None,
    options: dict[str, Any],
    as_json: bool,
) -> None:
    from runtime.config import get_settings
    from runtime.errors import UsageError
    from runtime.invoke import RunOptions
    from runtime.secrets import default_source
    from runtime.workflow import EngineOptions, open_flow, run_workflow
    from runtime.workflow.clock import parse_duration

    if not ids and not matching:
        raise UsageError("name the records to enroll: --object-id ID, --objects FILE.jsonl")
    settings = get_settings()
    until_s = parse_duration(until) if until else None
    if options.get("concurrency") is None:
        # One record: one at a time. Many: as batch invoke, two per CPU.
        many = matching or len(ids) > 1
        options = {**options, "concurrency": 2 * (os.cpu_count() or 1) if many else 1}
    engine_options = EngineOptions(run_options=RunOptions(), **options)
    with _engine_parts(settings, inject) as (served, runner, journal):
        flow = open_flow(flow_spec, portal=served.portal)
        progress_cm: Any = contextlib.nullcontext()
        stops = interrupt_stops(runner, "the workflow run")
        tick = None
        if len(ids) > 1 and not as_json:
            from rich.progress import Progress

            progress_cm = Progress(console=console(stderr=True), transient=True)
        with stops, progress_cm as progress:
            if progress is not None:
                task = progress.add_task(flow.name, total=len(ids))

                def tick(_: Enrollment) -> None:
                    progress.advance(task)

            enrollments = run_workflow(
                flow,
                portal=served.portal,
                url=served.url,
                runner=runner,
                object_ids=ids,
                code_cache=settings.home / "workflow-code",
                options=engine_options,
                secrets=default_source(settings),
                until_s=until_s,
                journal=journal,
                matching=matching,
                progress=tick,
                skipped=lambda oid, why: print(f"not enrolled: {oid} ({why})", file=sys.stderr),
            )
        interrupted = runner.interrupted
    _report(
        enrollments,
        flow,
        as_json=as_json,
        timezone=engine_options.timezone,
        interrupted=interrupted,
    )


def _report(
    enrollments: list[Enrollment],
    flow: Flow | None,
    *,
    as_json: bool,
    timezone: str,
    interrupted: bool = False,
) -> None:
    from runtime.workflow import render
    from runtime.workflow.enrollment import INTERRUPTED

    # Ctrl-C before an enrollment's first action: counted, not listed one per line.
    not_started = [e for e in enrollments if e.status == INTERRUPTED and not e.path]
    quiet = {e.id for e in not_started}
    if as_json:
        print(json.dumps([e.to_dict() for e in enrollments], indent=2, ensure_ascii=False))
    elif len(enrollments) == 1:
        console().print(render.timeline(enrollments[0], flow, timezone))
        print(render.summary(enrollments[0], timezone))
    else:
        for enrollment in enrollments:
            if not (interrupted and enrollment.id in quiet):
                print(render.summary(enrollment, timezone))
        print(f"{len(enrollments)} enrollment(s); hsrun workflow show ID for one's timeline")
    if interrupted:
        if not as_json:
            counts = Counter(e.status for e in enrollments)
            print(", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
            if not_started:
                print(f"{len(not_started)} not started (interrupted)")
        raise typer.Exit(130)  # as a shell reports a command stopped by Ctrl-C (128 + SIGINT)
    bad = any(e.alerts or "FAILED" in e.events() for e in enrollments)
    if bad:
        raise typer.Exit(1)


def _options(
    seed: int,
    concurrency: int | None,
    on_failure: OnFailure,
    branch_match: BranchMatch,
    timezone: str,
    real_time: bool,
    allow_host: list[str] | None,
    allow_net: bool,
) -> dict[str, Any]:
    return {
        "seed": seed,
        "concurrency": concurrency,  # None: decided by _run from the number of records
        "on_failure": on_failure.value,
        "branch_match": branch_match.value,
        "timezone": timezone,
        "real_time": real_time,
        "allow_hosts": tuple(allow_host or ()),
        "allow_net": allow_net,
    }


@group.command("run", epilog=RUN_EPILOG)
@handle_errors
def run(
    flow: FlowArg,
    object_id: Annotated[
        list[str] | None,
        typer.Option("--object-id", metavar="ID", help="Enroll this record (repeatable)."),
    ] = None,
    objects: Annotated[
        Path | None,
        typer.Option(metavar="FILE.jsonl", help='Enroll many: one {"objectId": 12} per line.'),
    ] = None,
    until: UntilOpt = None,
    inject: InjectOpt = None,
    seed: Annotated[int, typer.Option(help="Seed of the A/B branch draw.")] = 0,
    concurrency: Annotated[
        int | None,
        typer.Option(help="Enrollments stepped at once (default 1, with many: 2 per CPU).", min=1),
    ] = None,
    on_failure: Annotated[
        OnFailure, typer.Option(help="After a failed action: continue (default) or stop.")
    ] = OnFailure.continue_,
    branch_match: Annotated[
        BranchMatch, typer.Option(help="Value-equals branches: exact (default) or ignore-case.")
    ] = BranchMatch.exact,
    timezone: Annotated[str, typer.Option(help="The account's time zone.")] = "UTC",
    real_time: Annotated[
        bool, typer.Option("--real-time", help="Wait for delays and retries for real.")
    ] = False,
    allow_host: Annotated[
        list[str] | None, typer.Option(help="A host webhooks may reach (repeatable).")
    ] = None,
    allow_net: Annotated[bool, typer.Option(help="Webhooks may reach any host.")] = False,
    live: LiveOpt = False,
    yes_write_to_hubspot: YesOpt = False,
    token_secret: TokenSecretOpt = None,
    hubspot_url: HubspotUrlOpt = DEFAULT_BASE_URL,
    as_json: Annotated[bool, typer.Option("--json", help="Print the enrollments as JSON.")] = False,
) -> None:
    """Run a flow for records of the local portal, on a virtual clock (or, with --live, for
    HubSpot's records against HubSpot, on real time: what is not due yet is left WAITING
    for `hsrun workflow resume --live`, unless --until waits for it)."""
    from runtime.errors import UsageError

    switches = _options(
        seed, concurrency, on_failure, branch_match, timezone, real_time, allow_host, allow_net
    )
    if live:
        from runtime.cli._workflow_live import run_live

        if inject:
            raise UsageError("--inject makes the local fake portal fail calls: not with --live")
        run_live(
            flow,
            ids=_object_ids(object_id, objects),
            until=until,
            options=switches,
            as_json=as_json,
            token_secret=token_secret,
            api_url=hubspot_url,
            yes=yes_write_to_hubspot,
        )
        return
    _run(
        flow,
        ids=_object_ids(object_id, objects),
        matching=False,
        until=until,
        inject=inject,
        options=switches,
        as_json=as_json,
    )


@group.command("enroll-matching", epilog=RUN_EPILOG)
@handle_errors
def enroll_matching(
    flow: FlowArg,
    until: UntilOpt = None,
    inject: InjectOpt = None,
    seed: Annotated[int, typer.Option(help="Seed of the A/B branch draw.")] = 0,
    concurrency: Annotated[
        int | None,
        typer.Option(help="Enrollments stepped at once (default 2 per CPU).", min=1),
    ] = None,
    timezone: Annotated[str, typer.Option(help="The account's time zone.")] = "UTC",
    as_json: Annotated[bool, typer.Option("--json", help="Print the enrollments as JSON.")] = False,
) -> None:
    """Enroll every record meeting the flow's LIST_BASED triggers (never one still enrolled;
    again only with shouldReEnroll), and run them."""
    _run(
        flow,
        ids=[],
        matching=True,
        until=until,
        inject=inject,
        options=_options(
            seed, concurrency, OnFailure.continue_, BranchMatch.exact, timezone, False, None, False
        ),
        as_json=as_json,
    )


@group.command("show")
@handle_errors
def show(
    enrollment_id: Annotated[str, typer.Argument(help="An enrollment id or a unique prefix.")],
    step: Annotated[
        str | None,
        typer.Option("--step", metavar="ACTION_ID", help="Show a custom code step's run panel."),
    ] = None,
    timezone: Annotated[str, typer.Option(help="The account's time zone.")] = "UTC",
    as_json: Annotated[bool, typer.Option("--json", help="Print the enrollment as JSON.")] = False,
) -> None:
    """Show one enrollment's timeline in HubSpot's action-log columns."""
    from runtime.config import get_settings
    from runtime.errors import UsageError
    from runtime.journal import Journal
    from runtime.journal.enrollments import get_enrollment
    from runtime.workflow import render

    with Journal(get_settings().journal_path) as journal:
        enrollment = get_enrollment(journal, enrollment_id)
        if step is not None:
            runs = [
                s.details["runId"]
                for s in enrollment.steps
                if s.action_id == step and s.details.get("runId")
            ]
            if not runs:
                raise UsageError(f"action {step} of {enrollment.id} ran no custom code")
            from runtime.invoke import render as run_render

            for run_id in runs:
                result = journal.get(run_id)
                print(run_render.to_json(result) if as_json else "", end="")
                if not as_json:
                    console().print(run_render.panel(result))
            return
    if as_json:
        print(json.dumps(enrollment.to_dict(), indent=2, ensure_ascii=False))
        return
    console().print(render.timeline(enrollment, _flow_of(enrollment.flow), timezone))
    print(render.summary(enrollment, timezone))


def _flow_of(key: str) -> Flow | None:
    """The enrollment's flow, to name its actions (``None`` when it is gone or unreadable)."""
    from runtime.errors import HsrunError
    from runtime.workflow import open_flow

    try:
        if Path(key).is_file():
            return open_flow(key)
        if key.isdigit():
            from runtime.config import get_settings
            from runtime.fake_hubspot import PortalFile

            portal, _ = PortalFile(get_settings()).load()
            return open_flow(key, portal=portal)
    except HsrunError:
        return None
    return None


@group.command("list")
@handle_errors
def list_(
    flow: Annotated[str | None, typer.Option(help="Only this flow (its file or id).")] = None,
    limit: Annotated[int, typer.Option(help="At most this many.", min=1)] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List recorded enrollments, newest first."""
    from runtime.config import get_settings
    from runtime.journal import Journal
    from runtime.journal.enrollments import list_enrollments
    from runtime.workflow import render

    settings = get_settings()
    key = flow
    if flow is not None and Path(flow).is_file():
        from runtime.config import find_project_root
        from runtime.workflow import flow_key_of

        key = flow_key_of(Path(flow), find_project_root(Path(flow).resolve().parent))
    with Journal(settings.journal_path) as journal:
        found = list_enrollments(journal, flow=key, limit=limit)
    if as_json:
        print(json.dumps([e.to_dict() for e in found], indent=2, ensure_ascii=False))
    elif not found:
        print("No enrollments recorded yet.", file=sys.stderr)
    for enrollment in [] if as_json else found:
        print(f"{render.summary(enrollment)}  [{enrollment.flow_name}]")


@group.command("check")
@handle_errors
def check(
    file: Annotated[Path, typer.Argument(help="A flow JSON file.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False,
) -> None:
    """Check a flow: dangling or unreachable actions, outputs read where they may not exist.

    Exit code 1 when there is an error (warnings alone: 0)."""
    from runtime.errors import UsageError
    from runtime.workflow.check import check_document

    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read {file} as JSON: {exc}") from exc
    findings = check_document(data if isinstance(data, dict) else {})
    if as_json:
        print(json.dumps([f.to_dict() for f in findings], indent=2))
    else:
        for f in findings:
            where = f"action {f.action_id}" if f.action_id else "flow"
            print(f"{file}: {where}: {f.code} {f.severity}: {f.message}")
        if not findings:
            print(f"{file}: no problems found")
    if any(f.severity == "error" for f in findings):
        raise typer.Exit(1)


@group.command("pull")
@handle_errors
def pull(
    flow_id: Annotated[str, typer.Argument(metavar="FLOW_ID", help="The flow's v4 id.")],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Where (default flows/NAME.json).")
    ] = None,
    live: Annotated[bool, typer.Option("--live", help="From HubSpot, not the fake.")] = False,
    token_secret: Annotated[
        str | None,
        typer.Option(help="Secret holding the token with --live (HUBSPOT_LIVE_DEPLOY_TOKEN)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite files that differ.")] = False,
) -> None:
    """Bring a flow into the project: the JSON, and its code as actions/ files."""
    from runtime.config import get_settings
    from runtime.workflow.pull import pull_flow, slug

    settings = get_settings()
    data = _fetch_flow(settings, flow_id, live=live, token_secret=token_secret)
    root = settings.project_root
    target = output or root / "flows" / f"{slug(str(data.get('name') or 'flow_' + flow_id))}.json"
    report = pull_flow(data, project_root=root, output=target, overwrite=force)
    for path in report.action_files:
        print(f"wrote {path}")
    print(f"wrote {report.flow_file}" if report.flow_file not in report.unchanged else "unchanged")
    print(f"deploy code back with: hsrun deploy actions/FILE --flow {flow_id} --action-id N")


def _fetch_flow(
    settings: Settings, flow_id: str, *, live: bool, token_secret: str | None
) -> dict[str, Any]:
    from runtime.errors import WorkflowError

    if not live:
        from runtime.fake_hubspot import PortalFile
        from runtime.fake_hubspot.automation.models import flows_of

        portal, _ = PortalFile(settings).load()
        found = flows_of(portal).find(flow_id)
        if found is None:
            raise WorkflowError(f"the local portal has no flow {flow_id} (hsrun portal flows list)")
        return found.to_api()
    from runtime.packaging.deploy import (
        DEFAULT_LIVE_TOKEN_SECRET,
        LIVE_URL,
        DeployTarget,
        token_from_store,
    )
    from runtime.packaging.deploy._api import FlowsApi, Where, session_for
    from runtime.secrets import default_source

    name = token_secret or DEFAULT_LIVE_TOKEN_SECRET
    token = token_from_store(default_source(settings), name, live=True)
    target = DeployTarget(LIVE_URL, token, "HubSpot", token_secret=name, live=True)
    with session_for(None, trust_env=True) as http:
        return FlowsApi(http, target, Where(flow_id, "-", target)).get()
