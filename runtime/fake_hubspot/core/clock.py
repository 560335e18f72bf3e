"""Time as HubSpot writes it: epoch milliseconds inside, ISO-8601 with milliseconds outside.

Contract §4.2: ``createdAt``/``updatedAt``/``archivedAt`` and datetime property values are
``YYYY-MM-DDTHH:MM:SS.mmmZ``; both SDKs parse them, so they must always be valid.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from datetime import UTC, datetime

#: A wall clock in epoch seconds (``time.time``), injectable for tests.
WallClock = Callable[[], float]


def now_ms(clock: WallClock = time.time) -> int:
    """The clock's current time in epoch milliseconds."""
    return int(clock() * 1000)


@functools.lru_cache(maxsize=8192)
def iso_ms(ms: int) -> str:
    """``1572406217883`` → ``"2019-10-30T03:30:17.883Z"``."""
    seconds, millis = divmod(ms, 1000)
    stamp = time.gmtime(seconds)
    return (
        f"{stamp.tm_year:04d}-{stamp.tm_mon:02d}-{stamp.tm_mday:02d}T"
        f"{stamp.tm_hour:02d}:{stamp.tm_min:02d}:{stamp.tm_sec:02d}.{millis:03d}Z"
    )


def parse_instant(value: str) -> int | None:
    """Epoch ms from an epoch-ms string or an ISO-8601 date/datetime; ``None`` if neither.

    Contract §4.4: filters and datetime properties take either form.
    """
    text = value.strip()
    if not text:
        return None
    if text.lstrip("-").isdigit():
        return int(text)
    candidate = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp() * 1000)


def iso_date(ms: int) -> str:
    """Epoch ms → ``YYYY-MM-DD`` (date properties)."""
    return time.strftime("%Y-%m-%d", time.gmtime(ms // 1000))
