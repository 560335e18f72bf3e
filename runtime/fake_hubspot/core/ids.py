"""Id allocation. Record ids are unique across every object type of a portal.

HubSpot's ids are per type, but one sequence for all types means a contact id is never also a
company id, so an action that mixes them up fails here as it would against a real portal
(where the wrong-type id almost never exists). In-memory portals count from 1; the CLI's
persistent portal draws from a counter file shared by concurrent hsrun processes
(:class:`runtime.fake_hubspot.persistence.FileIds`).
"""

from __future__ import annotations

import threading
from typing import Protocol

#: First value of each sequence.
STARTS = {"objects": 1, "owners": 101, "users": 1001, "apps": 1001}


class IdAllocator(Protocol):
    """Hands out the next id of a sequence."""

    def __call__(self, kind: str) -> int: ...


class MemoryIds:
    """Counters in memory (tests, in-process portals)."""

    def __init__(self, start: dict[str, int] | None = None) -> None:
        self._next = dict(STARTS)
        self._next.update(start or {})
        self._lock = threading.Lock()

    def __call__(self, kind: str) -> int:
        with self._lock:
            value = self._next.get(kind, 1)
            self._next[kind] = value + 1
            return value

    def bump(self, kind: str, seen: int) -> None:
        """Make sure the next id of ``kind`` is above ``seen`` (after loading state)."""
        with self._lock:
            self._next[kind] = max(self._next.get(kind, 1), seen + 1)

    def state(self) -> dict[str, int]:
        with self._lock:
            return dict(self._next)
