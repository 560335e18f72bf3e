"""The append-only audit log of secret changes: who did what to which name, and when.

One JSON object per line in ``.hsrun/secrets-audit.jsonl``. It records names, never values
(not even lengths or hashes: a hash of a short secret is a dictionary attack away from it).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from runtime.config import os_user
from runtime.secrets._files import append_line

AUDIT_FILENAME = "secrets-audit.jsonl"

AuditAction = Literal["set", "import", "rm", "rotate-key", "reveal"]


@dataclass(frozen=True)
class AuditEvent:
    """One line of the audit log."""

    time: str
    user: str
    action: str
    name: str | None = None
    backend: str = "local"
    detail: dict[str, Any] = field(default_factory=dict)


class AuditLog:
    """Appends events to, and reads them back from, one JSON-lines file."""

    def __init__(self, path: Path, *, backend: str = "local") -> None:
        self.path = path
        self.backend = backend

    def record(self, action: AuditAction, name: str | None = None, **detail: Any) -> None:
        """Append one event stamped with the current time and OS user.

        ``detail`` must never hold a value: callers pass names, counts and key ids only.
        """
        event = AuditEvent(
            time=datetime.now(UTC).isoformat(timespec="seconds"),
            user=os_user(),
            action=action,
            name=name,
            backend=self.backend,
            detail=detail,
        )
        append_line(self.path, json.dumps(asdict(event), sort_keys=True))

    def events(self) -> tuple[list[AuditEvent], int]:
        """Every readable event, oldest first, and the count of unreadable lines.

        A line can be unreadable if a process was killed while appending it; the rest of
        the log is still good, so it is skipped and counted rather than fatal.
        """
        events: list[AuditEvent] = []
        bad = 0
        for line in self._lines():
            try:
                raw = json.loads(line)
                events.append(
                    AuditEvent(
                        time=str(raw["time"]),
                        user=str(raw["user"]),
                        action=str(raw["action"]),
                        name=raw.get("name"),
                        backend=str(raw.get("backend", "local")),
                        detail=dict(raw.get("detail") or {}),
                    )
                )
            except (ValueError, KeyError, TypeError):
                bad += 1
        return events, bad

    def _lines(self) -> Iterator[str]:
        if not self.path.is_file():
            return
        with self.path.open(encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.strip():
                    yield line
