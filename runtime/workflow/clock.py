"""The virtual clock and HubSpot's calendar rules for when an action may run.

Delays, time windows, pause dates and the three-day retry schedule all advance a simulated
clock, so a workflow that takes days in HubSpot runs in milliseconds. ``real_time=True``
waits for real instead.

Time windows and pause dates (workflows contract §4.3, [KB-SETTINGS]): they reschedule an
*action* reached outside them, never a delay or a branch. The action moves to the window's
start on the next allowed day, in the account's time zone. HubSpot spreads those starts over
15 minutes (9:00-9:15); hsrun uses the window's start exactly, so runs are repeatable. A pause
date without a ``year`` recurs every year (UNCONFIRMED). An action reached within the hours
on a paused day moves to the same time on the next run day.
"""

from __future__ import annotations

import re
import time
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from runtime.errors import UsageError

_WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
_MONTHS = (
    "JANUARY",
    "FEBRUARY",
    "MARCH",
    "APRIL",
    "MAY",
    "JUNE",
    "JULY",
    "AUGUST",
    "SEPTEMBER",
    "OCTOBER",
    "NOVEMBER",
    "DECEMBER",
)
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(w|d|h|m|s)", re.IGNORECASE)
_UNITS = {"w": 604800.0, "d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}


def parse_duration(text: str) -> float:
    """``"3d"``, ``"90m"``, ``"1d12h"`` in seconds.

    Raises:
        UsageError: anything else.
    """
    compact = text.replace(" ", "")
    parts = _DURATION.findall(compact)
    if not parts or "".join(a + u for a, u in parts).lower() != compact.lower():
        raise UsageError(f"cannot read duration {text!r}: use e.g. 90s, 15m, 8h, 3d, 1w, 1d12h")
    return sum(float(amount) * _UNITS[unit.lower()] for amount, unit in parts)


class VirtualClock:
    """Simulated time in epoch seconds; moves only when told to (or for real)."""

    def __init__(self, start: float | None = None, *, real_time: bool = False) -> None:
        self.real_time = real_time
        # Whole milliseconds: HubSpot's timestamps are epoch ms, and delays add up exactly.
        self._now = round(time.time() if start is None else float(start), 3)
        self.started = self._now

    def __call__(self) -> float:
        return self.now()

    def now(self) -> float:
        return time.time() if self.real_time else self._now

    def now_ms(self) -> int:
        return int(self.now() * 1000)

    def advance_to(self, when: float) -> None:
        """Move to ``when`` (never backwards); real time sleeps until then."""
        if self.real_time:
            delay = when - time.time()
            if delay > 0:
                time.sleep(delay)
            return
        self._now = max(self._now, when)


class Calendar:
    """A flow's time windows and pause dates in the account's time zone."""

    def __init__(self, flow: dict[str, Any], *, timezone: str = "UTC") -> None:
        self.zone = ZoneInfo(timezone)
        self.windows: dict[int, tuple[int, int]] = {}
        for window in flow.get("timeWindows") or []:
            day = str(window.get("day", "")).upper()
            if day not in _WEEKDAYS:
                continue
            start = _minutes(window.get("startTime"), 0)
            end = _minutes(window.get("endTime"), 24 * 60)
            self.windows[_WEEKDAYS.index(day)] = (start, end)
        self.blocked: list[tuple[int, int, int | None]] = []
        for entry in flow.get("blockedDates") or []:
            month = str(entry.get("month", "")).upper()
            if month in _MONTHS and entry.get("dayOfMonth"):
                year = entry.get("year")
                self.blocked.append(
                    (
                        _MONTHS.index(month) + 1,
                        int(entry["dayOfMonth"]),
                        int(year) if year else None,
                    )
                )

    @property
    def unrestricted(self) -> bool:
        return not self.windows and not self.blocked

    def _paused(self, day: date) -> bool:
        return any(
            m == day.month and d == day.day and (y is None or y == day.year)
            for m, d, y in self.blocked
        )

    def _runs_on(self, day: date) -> bool:
        return not self._paused(day) and (not self.windows or day.weekday() in self.windows)

    def next_allowed(self, when: float) -> float:
        """The earliest time at or after ``when`` that an action may run."""
        if self.unrestricted:
            return when
        local = datetime.fromtimestamp(when, self.zone)
        minute = local.hour * 60 + local.minute
        day = local.date()
        if self._runs_on(day):
            start, end = self.windows.get(day.weekday(), (0, 24 * 60))
            if start <= minute < end:
                return when
            if minute < start:
                return self._at(day, start)
        within_hours = day.weekday() in self.windows and (
            self.windows[day.weekday()][0] <= minute < self.windows[day.weekday()][1]
        )
        keep = self._paused(day) and within_hours
        for offset in range(1, 800):
            candidate = day + timedelta(days=offset)
            if not self._runs_on(candidate):
                continue
            start, end = self.windows.get(candidate.weekday(), (0, 24 * 60))
            if keep and start <= minute < end:
                return self._at(candidate, minute, second=local.second)
            return self._at(candidate, start)
        return when  # every day paused: HubSpot would never run it; do not hang

    def _at(self, day: date, minute: int, *, second: int = 0) -> float:
        local = datetime(
            day.year, day.month, day.day, minute // 60, minute % 60, second, tzinfo=self.zone
        )
        return local.timestamp()


def _minutes(value: Any, default: int) -> int:
    if not isinstance(value, dict):
        return default
    return int(value.get("hour", 0)) * 60 + int(value.get("minute", 0))
