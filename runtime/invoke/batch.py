"""Many enrollments at once: events from a JSON-lines file through the process pool."""

from __future__ import annotations

import json
import statistics
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runtime.contract import Event, parse_event
from runtime.contract.record import RunResult
from runtime.errors import EventError
from runtime.invoke.runner import PortalLink, PreparedRun, RunJournal, Runner


def read_events(path: Path) -> list[Event]:
    """Every event in a JSON-lines file; an error names the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise EventError(f"cannot read events file {path}: {exc.strerror}") from exc
    events = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EventError(f"{path}:{number}: not valid JSON ({exc.msg})") from exc
        events.append(parse_event(data, source=f"{path}:{number}"))
    if not events:
        raise EventError(f"{path}: no events (one JSON event per line)")
    return events


@dataclass
class BatchSummary:
    count: int
    by_status: dict[str, int]
    p50_ms: float
    p95_ms: float
    peak_memory_mb: float
    wall_s: float
    #: Events never run because the batch was interrupted (Ctrl-C) first.
    not_started: int = 0

    def to_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def summarize(results: list[RunResult], wall_s: float, *, not_started: int = 0) -> BatchSummary:
    runtimes = sorted(r.runtime_ms for r in results) or [0.0]
    p95 = runtimes[min(len(runtimes) - 1, round(0.95 * (len(runtimes) - 1)))]
    return BatchSummary(
        count=len(results),
        by_status=dict(Counter(r.status for r in results)),
        p50_ms=round(statistics.median(runtimes), 2),
        p95_ms=round(p95, 2),
        peak_memory_mb=max((r.memory_mb for r in results), default=0.0),
        wall_s=round(wall_s, 3),
        not_started=not_started,
    )


def run_batch(
    runner: Runner,
    prepared: list[PreparedRun],
    *,
    concurrency: int,
    portal: PortalLink | None = None,
    journal: RunJournal | None = None,
    on_result: Callable[[RunResult], None] | None = None,
) -> Iterator[RunResult]:
    """Run prepared invocations ``concurrency`` at a time; yields results as they finish.

    :meth:`Runner.interrupt` (the CLI calls it on Ctrl-C) stops the batch at once: runs in
    flight are killed and yielded as INTERRUPTED, events not yet started are never run (and
    not yielded), and the generator ends without waiting for them.
    """

    def one(item: PreparedRun) -> RunResult | None:
        if runner.interrupted:
            return None  # stopped before its turn: never started, never recorded
        return runner.execute(item, portal=portal, journal=journal)

    pool = ThreadPoolExecutor(max_workers=max(1, concurrency))
    try:
        futures = [pool.submit(one, item) for item in prepared]
        for future in as_completed(futures):
            if runner.interrupted:
                for pending in futures:
                    pending.cancel()
            if future.cancelled():
                continue
            result = future.result()
            if result is None:
                continue
            if on_result is not None:
                on_result(result)
            yield result
    finally:
        if runner.interrupted:
            runner.interrupt()  # kill a run that started after the first kill
        pool.shutdown(wait=True, cancel_futures=True)
