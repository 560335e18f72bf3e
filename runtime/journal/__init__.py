"""The run history: every run recorded in SQLite under ``.hsrun/`` (the only SQL for runs).

A run is written as RUNNING before the action starts and finalised after, each in its own
transaction, so a killed ``hsrun`` leaves a run that reads back as INTERRUPTED, never a
corrupt database. WAL mode lets several ``hsrun`` processes write at once.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
import time
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


class Journal:
    """The run journal at ``path`` (created on first write)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None
        self._owner = _owner_token(os.getpid())
        # One connection shared by a batch's threads, used under this lock.
        self._lock = threading.RLock()
        #: Runs the last ``history()`` call skipped because their record is damaged.
        self.damaged = 0

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._conn is not None:
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
            conn.executescript(_SCHEMA)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.DatabaseError as exc:
            raise JournalError(
                f"journal {self.path} cannot be opened ({exc}); it was left as it is: move it "
                "aside to start a new history"
            ) from exc
        for suffix in ("", "-wal", "-shm"):  # a journal made by an older hsrun
            try:
                os.chmod(f"{self.path}{suffix}", 0o600)
            except FileNotFoundError:
                pass
        self._conn = conn
        return conn

    def _write(self, sql: str, params: tuple[Any, ...]) -> None:
        try:
            with self._lock:
                self._db().execute(sql, params)
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
            # INTERRUPTED runs are stored as RUNNING; their owner is gone.
            where.append("status = ?")
            params.append(RUNNING if wanted == INTERRUPTED else wanted)
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
