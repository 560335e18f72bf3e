"""The run history: every run recorded in SQLite under ``.hsrun/`` (the only SQL for runs).

A run is written as RUNNING before the action starts and finalised after, each in its own
transaction, so a killed ``hsrun`` leaves a run that reads back as INTERRUPTED, never a
corrupt database. WAL mode lets several ``hsrun`` processes write at once.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from runtime.contract.period import parse_since
from runtime.contract.record import INTERRUPTED, RUNNING, STATUSES, RunResult
from runtime.errors import JournalError, RunNotFoundError, UsageError

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id          TEXT PRIMARY KEY,
    action      TEXT NOT NULL,
    status      TEXT NOT NULL,
    started_at  REAL NOT NULL,
    finished_at REAL,
    owner       TEXT NOT NULL,
    record      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_started ON runs (started_at);
CREATE INDEX IF NOT EXISTS runs_action ON runs (action, started_at);
CREATE INDEX IF NOT EXISTS runs_status ON runs (status, started_at);
"""


def parse_period(text: str) -> float:
    """Seconds back from now to the time ``--since TEXT`` designates (never negative).

    The forms are :mod:`runtime.contract.period`'s, shared with ``hsrun portal logs``.

    Raises:
        UsageError: ``text`` is neither a period nor an ISO date or time.
    """
    now = time.time()
    try:
        since = parse_since(text, now=now)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return max(0.0, now - since)


def _owner_token(pid: int) -> str:
    """pid plus its start time, so a recycled pid is not mistaken for the writer."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            start = fh.read().rsplit(b")", 1)[-1].split()[19].decode()
    except (OSError, IndexError):
        start = "?"
    return f"{pid}:{start}"


def _owner_alive(token: str) -> bool:
    pid_text, _, _ = token.partition(":")
    if not pid_text.isdigit():
        return False
    return _owner_token(int(pid_text)) == token


#: How far apart ``Journal.grouped`` commits at most (a batch's writes).
GROUP_WINDOW_S = 0.05


class Journal:
    """The run journal at ``path`` (created on first write)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None
        self._owner = _owner_token(os.getpid())
        # One connection shared by a batch's threads, used under this lock.
        self._lock = threading.RLock()
        # Inside grouped(): the commit window in seconds, and when the open group began.
        self._group_s: float | None = None
        self._group_started = 0.0
        #: Runs the last ``history()`` call skipped because their record is damaged.
        self.damaged = 0

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._conn is not None:
            if self._conn.in_transaction:
                self._conn.execute("COMMIT")
            self._conn.close()
            self._conn = None

    def _db(self) -> sqlite3.Connection:
        if self._conn is not None:
            return self._conn
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Private from the start: SQLite gives the -wal and -shm files the database's mode.
        try:
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        except OSError as exc:
            raise JournalError(f"cannot create the journal {self.path}: {exc.strerror}") from exc
        try:
            conn = sqlite3.connect(
                self.path, timeout=10.0, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise JournalError(
                    f"journal {self.path} was written by a newer hsrun (schema {version})"
                )
            if version < SCHEMA_VERSION:  # new, or an older schema: one write, then current
                conn.executescript(_SCHEMA)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.DatabaseError as exc:
            raise JournalError(
                f"journal {self.path} cannot be opened ({exc}); it was left as it is: move it "
                "aside to start a new history"
            ) from exc
        for suffix in ("", "-wal", "-shm"):  # a journal made by an older hsrun
            name = f"{self.path}{suffix}"
            try:
                # Changed only when it differs: a chmod is a metadata write (1 ms each here).
                if os.stat(name).st_mode & 0o777 != 0o600:
                    os.chmod(name, 0o600)
            except FileNotFoundError:
                pass
        self._conn = conn
        return conn

    def _write(self, sql: str, params: tuple[Any, ...]) -> None:
        try:
            with self._lock:
                db = self._db()
                if self._group_s is not None and not db.in_transaction:
                    db.execute("BEGIN")
                    self._group_started = time.monotonic()
                db.execute(sql, params)
                if db.in_transaction and time.monotonic() - self._group_started >= (
                    self._group_s or 0.0
                ):
                    db.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            raise JournalError(f"cannot write the journal {self.path}: {exc}") from exc

    @contextlib.contextmanager
    def grouped(self, window_s: float = GROUP_WINDOW_S) -> Iterator[Journal]:
        """Commit writes in groups, at most ``window_s`` apart, until the block ends.

        A batch writes two rows per run; one commit per write is most of the parent's
        work on a fast action. Inside this block a killed hsrun loses at most the last
        window's writes (those runs are missing from the history, never half-written): a
        write is committed with the next one once the window has passed, or by a timer
        when none follows.
        """
        with self._lock:
            previous, self._group_s = self._group_s, window_s
        # Writes are also committed when no other write follows within the window (runs that
        # take long): a timer thread, so a RUNNING row never waits on the next run's write.
        done = threading.Event()

        def commit_late() -> None:
            while not done.wait(max(window_s, 0.001)):
                with self._lock:
                    conn = self._conn
                    if conn is not None and conn.in_transaction:
                        try:
                            conn.execute("COMMIT")
                        except sqlite3.DatabaseError:
                            pass  # the next write or the end of the block reports it

        timer = None
        if previous is None and window_s > 0:
            timer = threading.Thread(target=commit_late, name="hsrun-journal", daemon=True)
            timer.start()
        try:
            yield self
        finally:
            done.set()
            if timer is not None:
                timer.join()
            with self._lock:
                self._group_s = previous
                conn = self._conn
                if previous is None and conn is not None and conn.in_transaction:
                    try:
                        conn.execute("COMMIT")
                    except sqlite3.DatabaseError as exc:
                        raise JournalError(f"cannot write the journal {self.path}: {exc}") from exc

    # -- the RunJournal protocol ---------------------------------------------------------

    def start(self, result: RunResult) -> None:
        """Record a run as RUNNING before it starts."""
        self._write(
            "INSERT INTO runs (id, action, status, started_at, owner, record) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                result.run_id,
                result.action,
                RUNNING,
                result.started_at,
                self._owner,
                json.dumps(result.to_dict()),
            ),
        )

    def finish(self, result: RunResult) -> None:
        """Finalise a run with its outcome."""
        self._write(
            "INSERT INTO runs (id, action, status, started_at, finished_at, owner, record) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
            "status = excluded.status, finished_at = excluded.finished_at, "
            "record = excluded.record",
            (
                result.run_id,
                result.action,
                result.status,
                result.started_at,
                time.time(),
                self._owner,
                json.dumps(result.to_dict()),
            ),
        )

    # -- reading -------------------------------------------------------------------------

    def _rows(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        if not self.path.exists():
            return []
        try:
            with self._lock:
                return self._db().execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            raise JournalError(f"cannot read the journal {self.path}: {exc}") from exc

    def _load(self, run_id: str, status: str, owner: str, record: str) -> RunResult:
        try:
            result = RunResult.from_dict(json.loads(record))
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise JournalError(
                f"run {run_id} in {self.path} is damaged ({type(exc).__name__}); "
                "the other runs are fine"
            ) from exc
        if status == RUNNING and not _owner_alive(owner):
            result.status = INTERRUPTED
        return result

    def get(self, run_id: str) -> RunResult:
        """The run with this id or unique id prefix."""
        prefix = run_id.strip().lower()
        if not prefix or not re.fullmatch(r"[0-9a-f]+", prefix):
            raise RunNotFoundError(f"not a run id: {run_id!r}")
        rows = self._rows(
            "SELECT id, status, owner, record FROM runs WHERE id >= ? AND id < ? LIMIT 3",
            (prefix, prefix + "g"),
        )
        if not rows:
            raise RunNotFoundError(f"no run {run_id!r} in {self.path} (see `hsrun history`)")
        if len(rows) > 1:
            ids = ", ".join(row[0] for row in rows)
            raise RunNotFoundError(f"run id {run_id!r} is ambiguous ({ids}...): type more of it")
        return self._load(*rows[0])

    def history(
        self,
        *,
        action: str | None = None,
        status: str | None = None,
        since_s: float | None = None,
        limit: int = 20,
    ) -> list[RunResult]:
        """Runs, newest first, filtered by action (name or path), status and period."""
        where: list[str] = []
        params: list[Any] = []
        if action:
            where.append("(action = ? OR action LIKE ?)")
            params += [action, f"%/{Path(action).stem}.%"]
        if status:
            wanted = status.upper()
            if wanted not in STATUSES:
                raise UsageError(f"unknown status {status!r}: use one of {', '.join(STATUSES)}")
            if wanted == INTERRUPTED:
                # Stopped by Ctrl-C (stored as such), or left RUNNING by an owner now gone.
                where.append("status IN (?, ?)")
                params += [INTERRUPTED, RUNNING]
            else:
                where.append("status = ?")
                params.append(wanted)
        if since_s is not None:
            where.append("started_at >= ?")
            params.append(time.time() - since_s)
        sql = "SELECT id, status, owner, record FROM runs"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY started_at DESC LIMIT ?"
        runs = []
        self.damaged = 0
        for row in self._rows(sql, (*params, max(1, limit))):
            try:
                runs.append(self._load(*row))
            except JournalError:
                self.damaged += 1  # listed as a count; `hsrun show ID` names the problem
        if status and status.upper() in (RUNNING, INTERRUPTED):
            runs = [run for run in runs if run.status == status.upper()]
        return runs
