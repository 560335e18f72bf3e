"""Runs: the journal's history with filters, live, and one run as HubSpot's test panel shows it.

Everything is read through :class:`runtime.journal.Journal`, opened per request and closed at
once, so the dashboard holds no SQLite lock while other ``hsrun`` commands write runs.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from runtime.contract.record import STATUSES
from runtime.errors import HsrunError
from runtime.ui._web import back_to, checked_form, dashboard, render

if TYPE_CHECKING:
    from runtime.config import Settings
    from runtime.contract.record import RunResult
    from runtime.journal import Journal

#: Runs a page lists; with a text filter, how many recent runs are searched.
PAGE_RUNS = 100
SEARCHED_RUNS = 1000
#: How often the live stream looks at the journal (a new run shows within a second).
POLL_S = 0.4


def routes() -> list[Route]:
    return [
        Route("/runs", runs_page),
        Route("/runs/stream", runs_stream),
        Route("/runs/{run_id}", run_page),
        Route("/runs/{run_id}/rerun", rerun, methods=["POST"]),
    ]


def _history(settings: Settings, filters: dict[str, str]) -> list[RunResult]:
    from runtime.journal import Journal, parse_period

    since = filters.get("since") or None
    text = (filters.get("q") or "").strip().lower()
    with Journal(settings.journal_path) as journal:
        runs = journal.history(
            action=filters.get("action") or None,
            status=filters.get("status") or None,
            since_s=parse_period(since) if since else None,
            limit=SEARCHED_RUNS if text else PAGE_RUNS,
        )
    if text:
        runs = [
            run
            for run in runs
            if text in run.log_text.lower()
            or (run.error is not None and text in run.error.message.lower())
        ][:PAGE_RUNS]
    return runs


def _action_names(settings: Settings) -> list[str]:
    folder = settings.project_root / "actions"
    if not folder.is_dir():
        return []
    return sorted({p.stem for p in folder.iterdir() if p.suffix in (".py", ".js")})


async def runs_page(request: Request) -> Response:
    settings = dashboard(request).settings
    keys = ("action", "status", "since", "q")
    filters = {k: request.query_params.get(k, "").strip() for k in keys}
    error = None
    try:
        runs = await run_in_threadpool(_history, settings, filters)
    except HsrunError as exc:
        runs, error = [], str(exc)
    template = "runs_rows.html" if request.query_params.get("partial") else "runs.html"
    return render(
        request,
        template,
        runs=runs,
        filters=filters,
        statuses=STATUSES,
        actions=_action_names(settings),
        error=error,
        title="Runs",
    )


def _fingerprint(journal: Journal) -> str:
    try:
        runs = journal.history(limit=PAGE_RUNS)
    except HsrunError:
        return "error"
    return json.dumps([(r.run_id, r.status) for r in runs])


async def runs_stream(request: Request) -> Response:
    """Server-sent events: ``runs`` whenever a run starts or finishes anywhere."""
    from runtime.journal import Journal

    board = dashboard(request)
    settings = board.settings

    async def events() -> AsyncIterator[str]:
        # One connection for the stream's life: in WAL mode a reader holds no lock between
        # reads, and opening the journal anew each time would rewrite its schema pragma.
        with Journal(settings.journal_path) as journal:
            last = await run_in_threadpool(_fingerprint, journal)
            # One refresh on connect: a run that started between the page's render and this
            # stream's first look would otherwise stay off the page until it changes again.
            yield "retry: 1000\n\nevent: runs\ndata: connected\n\n"
            while not board.stopping.is_set() and not await request.is_disconnected():
                await asyncio.sleep(POLL_S)
                now = await run_in_threadpool(_fingerprint, journal)
                if now != last:
                    last = now
                    yield "event: runs\ndata: changed\n\n"
                else:
                    yield ": idle\n\n"  # a comment: the browser sees the stream is alive

    return StreamingResponse(events(), media_type="text/event-stream")


def _get_run(settings: Settings, run_id: str) -> RunResult:
    from runtime.journal import Journal

    with Journal(settings.journal_path) as journal:
        return journal.get(run_id)


async def run_page(request: Request) -> Response:
    settings = dashboard(request).settings
    run_id = request.path_params["run_id"]
    try:
        result = await run_in_threadpool(_get_run, settings, run_id)
    except HsrunError as exc:
        return render(request, "error.html", status_code=404, message=str(exc), title="Run")
    return render(
        request,
        "run.html",
        run=result,
        event_json=json.dumps(result.event, indent=2, ensure_ascii=False),
        title=f"Run {result.run_id}",
    )


def _action_path(settings: Settings, recorded: str) -> Path:
    path = Path(recorded)
    if path.is_absolute() or path.is_file():
        return path
    return settings.project_root / path


def rerun_action(settings: Settings, run_id: str) -> RunResult:
    """Run a recorded run's action again with the same event, limits and the store's secrets,
    against the project's portal, and record it (HubSpot's "Test" button, pressed again)."""
    from runtime.contract import load_action
    from runtime.fake_hubspot import attach
    from runtime.invoke import Runner, RunOptions
    from runtime.journal import Journal
    from runtime.secrets import default_source

    previous = _get_run(settings, run_id)
    spec = load_action(_action_path(settings, previous.action))
    options = RunOptions(
        timeout_s=previous.timeout_s,
        memory_mb=previous.memory_limit_mb,
        portal_id=settings.portal_id,
    )
    source = default_source(settings, prompt=None, notice=lambda _message: None)
    with (
        Journal(settings.journal_path) as journal,
        Runner(options) as runner,
        attach(settings) as portal,
    ):
        return runner.run(spec, previous.event, secrets=source, portal=portal, journal=journal)


async def rerun(request: Request) -> Response:
    await checked_form(request)
    settings = dashboard(request).settings
    try:
        result = await run_in_threadpool(rerun_action, settings, request.path_params["run_id"])
    except HsrunError as exc:
        return render(request, "error.html", status_code=400, message=str(exc), title="Re-run")
    return back_to(f"/runs/{result.run_id}")


def status_class(status: str) -> str:
    """A CSS class per status, as HubSpot colours its test result."""
    return {
        "SUCCESS": "ok",
        "RUNNING": "running",
        "RETRY_SCHEDULED": "warn",
    }.get(status, "bad")


def output_rows(run: RunResult) -> list[dict[str, Any]]:
    """Data outputs with their declared type and their alerts, as the test panel lists them."""
    alerts: dict[str, list[str]] = {}
    for alert in run.alerts:
        alerts.setdefault(alert.output, []).append(alert.message)
    rows = [
        {
            "name": name,
            "type": run.output_types.get(name) or "undeclared",
            "value": json.dumps(value, ensure_ascii=False),
            "alerts": alerts.pop(name, []),
        }
        for name, value in run.outputs.items()
    ]
    rows.extend(
        {"name": name or "", "type": "", "value": "", "alerts": messages}
        for name, messages in alerts.items()
    )
    return rows
