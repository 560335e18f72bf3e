"""A batch's journal writes are committed in groups, and every one of them by the end."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from runtime.contract.record import RunResult
from runtime.journal import Journal


def _run(run_id: str) -> RunResult:
    return RunResult(
        run_id=run_id,
        action="actions/x.py",
        status="SUCCESS",
        event={},
        callback_id="ap-1-1-1-0",
        started_at=time.time(),
    )


def _committed(path: Path) -> int:
    with sqlite3.connect(path) as other:  # another reader, as `hsrun history` would be
        return int(other.execute("SELECT count(*) FROM runs").fetchone()[0])


def test_grouped_writes_are_committed_together_at_the_end(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    with Journal(path) as journal:
        journal.start(_run("a0"))  # outside a group: committed at once
        assert _committed(path) == 1
        with journal.grouped(window_s=3600):
            for n in range(1, 6):
                journal.start(_run(f"a{n}"))
                journal.finish(_run(f"a{n}"))
            assert _committed(path) == 1  # still one open group
        assert _committed(path) == 6
        assert len(journal.history(limit=10)) == 6


def test_a_zero_window_commits_every_write(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    with Journal(path) as journal, journal.grouped(window_s=0):
        journal.start(_run("b1"))
        assert _committed(path) == 1


def test_a_lone_write_is_committed_within_the_window(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    with Journal(path) as journal, journal.grouped(window_s=0.01):
        journal.start(_run("c1"))  # a long run starts; nothing else is written meanwhile
        deadline = time.monotonic() + 10
        while _committed(path) == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _committed(path) == 1  # visible to `hsrun history`, and INTERRUPTED if killed
