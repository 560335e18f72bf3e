"""What ``--since`` means, for the run history and the portal's logs alike.

Standard library only. A value is either a period back from now (``90s``, ``15m``, ``1h``,
``2d``, ``1w``; the unit in either case) or an ISO 8601 date or time (``2026-11-29``,
``2026-11-29T10:00Z``, ``2026-11-29T10:00+01:00``). An ISO time without an offset is UTC,
as HubSpot's own timestamps are (``2026-11-29T10:00`` means the same on every machine,
whatever ``TZ`` says).
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

_PERIOD = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}

#: What a reader of an error is told a value may look like.
SINCE_FORMS = "a period (90s, 15m, 1h, 2d, 1w) or an ISO time (2026-11-29T10:00Z)"


def parse_since(text: str, *, now: float | None = None) -> float:
    """The epoch time ``text`` designates (see the module docstring for the forms).

    Args:
        text: the ``--since`` value.
        now: the epoch time a period counts back from (default: the current time).

    Raises:
        ValueError: ``text`` is neither a period nor an ISO date or time; the message says
            what is accepted.
    """
    match = _PERIOD.match(text)
    if match:
        seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()]
        return (time.time() if now is None else now) - seconds
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(f"cannot read {text!r}: use {SINCE_FORMS}") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()
