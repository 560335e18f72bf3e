"""Fault injection: answer chosen API calls with a 429 or a 5xx, on purpose.

HubSpot retries a custom code action that failed on a 429 or 5xx for up to three days
(custom-code contract §5.4); the workflow engine replays those retries on a virtual clock.
To test that path without waiting for a real rate limit, a plan such as ``429@2`` makes the
portal answer its 2nd API call (counted from when the plan is set; the reset/control routes
do not count) with HubSpot's 429 envelope, ``503@1,503@2`` its first two with a 503.
"""

from __future__ import annotations

import re
import threading
import uuid
from dataclasses import dataclass

from runtime.errors import UsageError
from runtime.fake_hubspot.core.errors import HubSpotError, RateLimited

_SPEC = re.compile(r"^\s*(?P<status>429|5\d\d)\s*@\s*(?P<nth>[1-9]\d*)\s*$")


@dataclass(frozen=True)
class Fault:
    """Answer the ``nth`` API call (1-based) with ``status``."""

    status: int
    nth: int


def parse_faults(specs: str | list[str] | tuple[str, ...]) -> list[Fault]:
    """``"429@2"``, ``"429@2,503@3"`` or a list of them.

    Raises:
        UsageError: a spec that is not ``STATUS@N`` with a 429 or 5xx status.
    """
    items = [specs] if isinstance(specs, str) else list(specs)
    faults: list[Fault] = []
    for item in items:
        for part in item.split(","):
            match = _SPEC.match(part)
            if match is None:
                raise UsageError(
                    f"cannot read fault {part.strip()!r}: use STATUS@N with a 429 or 5xx "
                    "status and the call's number, e.g. 429@2 (the 2nd API call gets a 429)"
                )
            faults.append(Fault(int(match["status"]), int(match["nth"])))
    return faults


class _InjectedServerError(HubSpotError):
    """A 5xx the test asked for (HubSpot's envelope, category ``INTERNAL_ERROR``)."""

    category = "INTERNAL_ERROR"

    status = 500


class FaultPlan:
    """Which API calls the portal answers with an injected error; empty by default."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: dict[int, int] = {}
        self._seen = 0

    @property
    def active(self) -> bool:
        return bool(self._faults)

    def set(self, faults: list[Fault]) -> None:
        """Replace the plan; calls are counted from now."""
        with self._lock:
            self._faults = {f.nth: f.status for f in faults}
            self._seen = 0

    def clear(self) -> None:
        self.set([])

    def next_call(self) -> HubSpotError | None:
        """Count one API call; the error to answer it with, if the plan names it."""
        with self._lock:
            self._seen += 1
            status = self._faults.pop(self._seen, None)
        if status is None:
            return None
        if status == 429:
            # HubSpot's 10-second burst answer (contract §2.4).
            return RateLimited(
                "You have reached your secondly limit.",
                "SECONDLY",
                {"Retry-After": "1", "X-HubSpot-Request-Id": str(uuid.uuid4())},
            )
        kind: type[HubSpotError] = type(
            f"Injected{status}", (_InjectedServerError,), {"status": status}
        )
        return kind(f"injected {status} (hsrun fault injection)")
