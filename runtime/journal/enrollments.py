"""Workflow enrollments in the run journal (the same SQLite file as the runs).

One row per enrollment, its whole record (steps, outputs, alerts) as JSON, rewritten each
time the engine stops; custom code steps are ordinary runs in the ``runs`` table, marked with
their enrollment (``RunResult.workflow``), so ``hsrun history`` lists them beside single
invokes.
"""

from __future__ import annotations

import json
import re
import sqlite3
from typing import TYPE_CHECKING

from runtime.errors import EnrollmentNotFoundError, JournalError

if TYPE_CHECKING:
    from runtime.journal import Journal
    from runtime.workflow.enrollment import Enrollment

_SCHEMA = """
CREATE TABLE IF NOT EXISTS enrollments (
    id          TEXT PRIMARY KEY,
    flow        TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    status      TEXT NOT NULL,
    enrolled_at REAL NOT NULL,
    record      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS enrollments_flow ON enrollments (flow, object_id);
CREATE INDEX IF NOT EXISTS enrollments_time ON enrollments (enrolled_at);
"""


def _db(journal: Journal) -> sqlite3.Connection:
    conn = journal._db()
    conn.executescript(_SCHEMA)
    return conn


def save_enrollments(journal: Journal, enrollments: list[Enrollment]) -> None:
    """Insert or replace enrollments, in one transaction."""
    rows = [
        (e.id, e.flow, e.object_id, e.status, e.enrolled_at, json.dumps(e.to_dict()))
        for e in enrollments
    ]
    try:
        with journal._lock:
            conn = _db(journal)
            conn.execute("BEGIN")
            conn.executemany(
                "INSERT OR REPLACE INTO enrollments "
                "(id, flow, object_id, status, enrolled_at, record) VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
            conn.execute("COMMIT")
    except sqlite3.DatabaseError as exc:
        raise JournalError(f"cannot write enrollments to {journal.path}: {exc}") from exc


def _load(text: str) -> Enrollment:
    from runtime.workflow.enrollment import Enrollment

    return Enrollment.from_dict(json.loads(text))


def get_enrollment(journal: Journal, enrollment_id: str) -> Enrollment:
    """The enrollment with this id or unique id prefix.

    Raises:
        EnrollmentNotFoundError: none, or the prefix is ambiguous.
    """
    prefix = enrollment_id.strip().lower()
    if not re.fullmatch(r"[0-9a-f]+", prefix):
        raise EnrollmentNotFoundError(f"not an enrollment id: {enrollment_id!r}")
    rows: list[tuple[str, str]] = []
    if journal.path.exists():
        with journal._lock:
            rows = (
                _db(journal)
                .execute(
                    "SELECT id, record FROM enrollments WHERE id >= ? AND id < ? LIMIT 3",
                    (prefix, prefix + "g"),
                )
                .fetchall()
            )
    if not rows:
        raise EnrollmentNotFoundError(
            f"no enrollment {enrollment_id!r} in {journal.path} (see `hsrun workflow list`)"
        )
    if len(rows) > 1:
        raise EnrollmentNotFoundError(f"enrollment id {enrollment_id!r} is ambiguous: type more")
    return _load(rows[0][1])


def list_enrollments(
    journal: Journal,
    *,
    flow: str | None = None,
    object_id: str | None = None,
    status: str | None = None,
    limit: int = 50,
) -> list[Enrollment]:
    """Enrollments, newest first, optionally of one flow, one record and one status."""
    if not journal.path.exists():
        return []
    where, params = [], []
    if status is not None:
        where.append("status = ?")
        params.append(status)
    if flow is not None:
        where.append("flow = ?")
        params.append(flow)
    if object_id is not None:
        where.append("object_id = ?")
        params.append(object_id)
    sql = "SELECT record FROM enrollments"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY enrolled_at DESC LIMIT ?"
    with journal._lock:
        rows = _db(journal).execute(sql, (*params, max(1, limit))).fetchall()
    return [_load(row[0]) for row in rows]
