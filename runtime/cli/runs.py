"""`hsrun invoke`, `hsrun history`, `hsrun show`."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
import time
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from runtime.cli._common import console, handle_errors, interrupt_stops

if TYPE_CHECKING:
    from runtime.config import Settings
    from runtime.contract import ActionManifest
    from runtime.invoke import PortalLink, RunResult
    from runtime.secrets import SecretSource

INVOKE_EPILOG = (
    "Exit codes: 0 SUCCESS, 1 FAILED, 3 TIMEOUT, 4 MEMORY_EXCEEDED, 5 RETRY_SCHEDULED "
    "(the action raised on an HTTP 429/5xx, so HubSpot would retry it), 2 bad input "
    "(action, manifest, event, flags, an unusable file), 6 secrets problem, 7 fake portal "
    "problem (damaged portal.json, no such record), 8 journal problem, 70 hsrun bug. "
    "With --events the exit code is 0 only if every run succeeded, 1 otherwise, 130 when "
    "Ctrl-C stopped the batch (runs in flight are killed and recorded as INTERRUPTED). "
    "State (journal, portal, secrets) is the action's project's: the nearest folder above "
    "the action, else above the working folder, with pyproject.toml, actions/ or .hsrun/. "
    "Without a daemon, a single run with the common options (--event, --input, --json, "
    "--format, --timeout, --memory, --allow-net) skips the full CLI; HSRUN_FAST=0 turns "
    "that off."
)


class Format(StrEnum):
    panel = "panel"
    lambda_ = "lambda"
    json = "json"  # the same as --json, as `check` and `package` spell it


def _secret_source(settings: Settings, env_file: Path | None) -> SecretSource:
    from runtime import secrets

    return secrets.EnvFileSecrets(env_file) if env_file else secrets.default_source(settings)


@contextlib.contextmanager
def _portal(settings: Settings, live: bool, *, required: bool) -> Iterator[PortalLink | None]:
    """The fake portal served on loopback for the run, unless the run goes --live.

    The portal is loaded only when the run needs it (inputs from an enrolled record, or the
    action's first HubSpot call), so an invoke costs the same whatever the portal's size. A
    damaged portal file stops the run only when the run needs an enrolled record; otherwise
    the action runs and its HubSpot calls are refused, saying so.
    """
    if live:
        yield None
        return
    from runtime.errors import PortalError
    from runtime.fake_hubspot import attach

    stack = contextlib.ExitStack()
    try:
        attached = stack.enter_context(attach(settings))
    except PortalError as exc:
        if required:
            raise
        print(f"Warning: {exc}; HubSpot API calls will be refused in this run", file=sys.stderr)
        attached = None
    try:
        if attached is not None and required:
            attached.portal  # noqa: B018 - loads it now: a damaged file stops the run here
        since = time.time()
        yield attached
        if attached is not None:
            for hint in attached.scope_hints(since):
                print(f"Hint: {hint}", file=sys.stderr)
            # Loaded on demand: only a run that called HubSpot finds the portal damaged.
            if attached.load_error is not None:
                print(
                    f"Warning: {attached.load_error}; the action's HubSpot API calls were refused",
                    file=sys.stderr,
                )
    finally:
        try:
            stack.close()
        except (PortalError, OSError) as exc:  # a full disk: the run's result still counts
            print(f"hsrun: the fake portal's state was not saved: {exc}", file=sys.stderr)


def _checks(action: ActionManifest, source: SecretSource) -> list[dict[str, Any]]:
    """`hsrun check`'s findings, under the same codes. An unselected secret the code reads
    (HS301) that the store holds is said the store's way: the secret exists, the manifest
    only forgot to select it."""
    from runtime.packaging import check_action
    from runtime.secrets import unselected_secret_hint
    from runtime.secrets.hints import Language

    # The run itself shows what HS501 says is not checked, and Node's own syntax error.
    findings = [f for f in check_action(action, syntax=False) if f.code != "HS501"]
    names = getattr(source, "names", None)
    stored = set(names()) if callable(names) else set()
    language: Language = "python" if action.is_python else "node"
    out = []
    for finding in findings:
        # A noqa comment has removed the finding already; a stored name is known exactly.
        if finding.code == "HS301" and finding.subject is not None and finding.subject in stored:
            message = unselected_secret_hint(finding.subject, language=language)
            finding = dataclasses.replace(finding, message=message)
        out.append(finding.to_dict())
    return out


def _interpreter(python: str | None) -> str | None:
    import shutil

    from runtime.errors import UsageError

    if python is None:
        return None
    import subprocess

    found = shutil.which(python)
    if found is None:
        raise UsageError(f"--python {python}: no such interpreter on PATH")
    # Resolve wrappers (pyenv shims, venv links) to the real binary: the action's process
    # starts with an empty environment, where a shim cannot find its interpreter.
    try:
        real = subprocess.run(
            [found, "-c", "import sys; print(sys.executable)"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.strip()
    except subprocess.CalledProcessError as exc:
        detail = (exc.stderr or "").strip().splitlines()
        reason = detail[0] if detail else f"exit status {exc.returncode}"
        raise UsageError(f"--python {python}: cannot run {found}: {reason}") from exc
    except (OSError, subprocess.SubprocessError) as exc:
        raise UsageError(f"--python {python}: cannot run {found}: {exc}") from exc
    return real or found


def _show(result: RunResult, *, as_json: bool, fmt: Format) -> None:
    from runtime.invoke import render

    if as_json or fmt is Format.json:
        print(render.to_json(result))
    elif fmt is Format.lambda_:
        print(render.lambda_lines(result))
    else:
        console().print(render.panel(result))


def invoke(
    action: Annotated[
        Path, typer.Argument(metavar="ACTION", help="The action file, e.g. actions/lead_score.py.")
    ],
    input_: Annotated[
        list[str] | None,
        typer.Option("--input", "-i", metavar="NAME=VALUE", help="An input field (repeatable)."),
    ] = None,
    event: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="A recorded event JSON file (see tests/events/)."),
    ] = None,
    events: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="A JSON-lines file of events: run them all (batch)."),
    ] = None,
    concurrency: Annotated[
        int | None,
        typer.Option(help="Batch runs at once (default: two per CPU core).", min=1),
    ] = None,
    object_id: Annotated[
        int | None,
        typer.Option(metavar="ID", help="Id of the enrolled record; inputs come from it."),
    ] = None,
    env_file: Annotated[
        Path | None, typer.Option(metavar="FILE", help="Take secret values from this dotenv file.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run record as JSON.")] = False,
    fmt: Annotated[
        Format,
        typer.Option(
            "--format",
            help="panel (HubSpot's test panel), lambda (Lambda's log lines, then the "
            "response) or json.",
        ),
    ] = Format.panel,
    timeout: Annotated[
        float, typer.Option(help="Time limit in seconds (HubSpot: 20).", min=0.01)
    ] = 20.0,
    memory: Annotated[int, typer.Option(help="Memory limit in MB (HubSpot: 128).", min=16)] = 128,
    warm: Annotated[
        bool, typer.Option(help="Batch: reuse one process, keeping module state.")
    ] = False,
    allow_net: Annotated[
        bool, typer.Option("--allow-net", help="Let the action reach any host.")
    ] = False,
    live: Annotated[
        bool, typer.Option("--live", help="Send HubSpot API calls to the real HubSpot.")
    ] = False,
    node_no_callback: Annotated[
        str,
        typer.Option(
            metavar="succeed|timeout",
            help="NODE20X handler that never calls callback: succeed once the event loop is "
            "empty (default) or time out (UNCONFIRMED which HubSpot does).",
        ),
    ] = "succeed",
    node24_callback: Annotated[
        str,
        typer.Option(
            metavar="refuse|allow",
            help="NODE24X handler that takes a callback: pass none, as HubSpot's Node 24 "
            "(default), or allow one that returns the outputs.",
        ),
    ] = "refuse",
    python: Annotated[
        str | None,
        typer.Option(
            metavar="PYTHON",
            help="Run the action with this interpreter, e.g. a python3.9 like "
            "HubSpot's (it needs the action's libraries installed).",
        ),
    ] = None,
) -> None:
    """Run an action locally exactly as HubSpot would, and record the run."""
    from runtime.config import ensure_home, get_settings, state_note
    from runtime.contract import load_action, load_event
    from runtime.contract.manifest import input_pairs
    from runtime.errors import UsageError
    from runtime.invoke import Runner, RunOptions
    from runtime.journal import Journal

    if event is not None and events is not None:
        raise UsageError("use --event or --events, not both")
    settings = get_settings(action=action)
    note = state_note(settings)
    if note:
        print(note, file=sys.stderr)
    ensure_home(settings)  # outside any project, says where it creates the state folder
    spec = load_action(action)
    source = _secret_source(settings, env_file)
    checks = _checks(spec, source)
    options = RunOptions(
        timeout_s=timeout,
        memory_mb=memory,
        warm=warm,
        allow_net=allow_net,
        live=live,
        node_no_callback=node_no_callback,
        node24_callback=node24_callback,
        portal_id=settings.portal_id,
        zygote=events is not None,
        python=_interpreter(python),
    )
    inputs, warnings = input_pairs(input_ or [], spec.manifest.inputs)
    for warning in warnings:
        print(f"Warning: {warning}", file=sys.stderr)
    with (
        Journal(settings.journal_path) as journal,
        Runner(options) as runner,
        _portal(settings, live, required=object_id is not None) as portal,
    ):
        if events is not None:
            workers = concurrency or 2 * (os.cpu_count() or 1)
            code = _batch(
                runner,
                spec,
                events,
                inputs,
                source,
                portal,
                journal,
                workers,
                as_json or fmt is Format.json,
            )
            raise typer.Exit(code)
        loaded = load_event(event) if event is not None else None
        result = runner.run(
            spec,
            loaded,
            inputs=inputs,
            object_id=object_id,
            secrets=source,
            portal=portal,
            journal=journal,
            checks=checks,
        )
    _show(result, as_json=as_json, fmt=fmt)
    _isolation_notice([result])
    raise typer.Exit(result.exit_code)


def _isolation_notice(results: list[RunResult]) -> None:
    """Once per command, on stderr: the runs did not get the kernel sandbox, and why."""
    from runtime.invoke.sandbox import fallback_notice

    text = fallback_notice(results)
    if text:
        print(text, file=sys.stderr)
    for result in results:
        for what in result.unsaved:
            print(f"hsrun: run {result.run_id} was not fully saved: {what}", file=sys.stderr)


def _batch(
    runner: Any,
    spec: ActionManifest,
    path: Path,
    inputs: dict[str, str],
    source: SecretSource,
    portal: PortalLink | None,
    journal: Any,
    concurrency: int,
    as_json: bool,
) -> int:
    import json

    from rich.progress import Progress

    from runtime.invoke.batch import read_events, run_batch, summarize

    record_lookup = portal.record_properties if portal is not None else None
    options = runner.options
    if portal is not None:
        from dataclasses import replace

        options = replace(options, hubspot_url=portal.url)
    prepared = [
        runner.prepare(
            spec, ev, inputs=inputs, secrets=source, record_lookup=record_lookup, options=options
        )
        for ev in read_events(path)
    ]
    runner.start(libs=prepared[0].libs if prepared else None)
    results = []
    start = time.perf_counter()
    grouped = journal.grouped() if journal is not None else contextlib.nullcontext()
    with (
        interrupt_stops(runner, "the batch"),
        grouped,
        Progress(console=console(stderr=True), transient=True) as bar,
    ):
        task = bar.add_task(f"{spec.name}", total=len(prepared))
        for result in run_batch(
            runner, prepared, concurrency=concurrency, portal=portal, journal=journal
        ):
            results.append(result)
            bar.advance(task)
    summary = summarize(
        results, time.perf_counter() - start, not_started=len(prepared) - len(results)
    )
    _isolation_notice(results)
    if as_json:
        print(
            json.dumps(
                {
                    "summary": summary.to_dict(),
                    "runs": [
                        {"run_id": r.run_id, "status": r.status, "outputs": r.outputs}
                        for r in results
                    ],
                },
                indent=2,
            )
        )
    else:
        _print_summary(summary)
    if runner.interrupted:
        return 130  # as a shell reports a command stopped by Ctrl-C (128 + SIGINT)
    return 0 if all(r.ok for r in results) else 1


def _print_summary(summary: Any) -> None:
    from rich.table import Table

    out = console()
    runs = "run" if summary.count == 1 else "runs"
    out.print(f"{summary.count} {runs} in {summary.wall_s:.2f} s")
    table = Table(box=None)
    for column in ("STATUS", "RUNS"):
        table.add_column(column)
    for status, count in sorted(summary.by_status.items()):
        table.add_row(status, str(count))
    out.print(table)
    if summary.not_started:
        out.print(f"{summary.not_started} not started (interrupted)")
    out.print(
        f"runtime p50 {summary.p50_ms:.2f} ms  p95 {summary.p95_ms:.2f} ms  "
        f"peak memory {summary.peak_memory_mb:.0f} MB  "
        f"throughput {summary.count / max(summary.wall_s, 1e-9):.0f} runs/s"
    )


def history(
    action: Annotated[
        str | None, typer.Option(help="Only runs of this action (name or path).")
    ] = None,
    status: Annotated[
        str | None,
        typer.Option(
            help="SUCCESS, FAILED, TIMEOUT, MEMORY_EXCEEDED, RETRY_SCHEDULED, "
            "RUNNING or INTERRUPTED."
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            help="Only runs since: 90s, 15m, 1h, 2d, 1w, or an ISO time (UTC without offset)."
        ),
    ] = None,
    limit: Annotated[
        int, typer.Option(help="At most this many runs.", min=1, max=1_000_000_000, clamp=True)
    ] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List recorded runs, newest first."""
    import json

    from runtime.config import get_settings
    from runtime.invoke import render
    from runtime.journal import Journal, parse_period

    since_s = parse_period(since) if since else None
    with Journal(get_settings().journal_path) as journal:
        runs = journal.history(action=action, status=status, since_s=since_s, limit=limit)
        damaged = journal.damaged
    if damaged:
        print(
            f"Warning: {damaged} damaged run record(s) in {journal.path} not shown", file=sys.stderr
        )
    if as_json:
        print(json.dumps([run.to_dict() for run in runs], indent=2))
    elif not runs:
        print(
            "No runs recorded yet" + (" that match." if (action or status or since) else "."),
            file=sys.stderr,
        )
    else:
        console().print(render.history_table(runs))


def show(
    run_id: Annotated[str, typer.Argument(help="A run id or a unique prefix of one.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the run record as JSON.")] = False,
    fmt: Annotated[Format, typer.Option("--format", help="panel, lambda or json.")] = Format.panel,
) -> None:
    """Show one recorded run."""
    from runtime.config import get_settings
    from runtime.journal import Journal

    with Journal(get_settings().journal_path) as journal:
        result = journal.get(run_id)
    _show(result, as_json=as_json, fmt=fmt)


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command(epilog=INVOKE_EPILOG)(handle_errors(invoke))
    app.command()(handle_errors(history))
    app.command()(handle_errors(show))
