"""Value objects (workflows contract §3.1) resolved for one enrollment. Pure.

``OBJECT_PROPERTY`` reads the enrolled record, ``STATIC_VALUE`` is a literal whose
``{{ enrolled_object.x }}`` tokens are filled in (§3.3), ``FIELD_DATA`` is an earlier action's
output, ``TIMESTAMP`` is the (virtual) execution time and ``RELATIVE_DATETIME`` an offset from
it. The set-property-only kinds (``INCREMENT``, ``APPEND_OBJECT_PROPERTY``,
``STATIC_APPEND_VALUE``) are applied by :mod:`.builtins`, which knows the target property.
Kinds HubSpot computes from data hsrun does not have (``FETCHED_OBJECT_PROPERTY``,
``ENROLLMENT_EVENT_PROPERTY``...) resolve to no value, with a note.

A value that is absent is ``None``: HubSpot's behaviour for an output of an action not on the
path taken is UNCONFIRMED (§3.2); the emulator's choice is "no value".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

#: ``{{ enrolled_object.firstname }}`` and ``{{ enrolled_object }}`` (§3.3).
_TOKEN = re.compile(r"\{\{\s*enrolled_object(?:\.(?P<prop>[A-Za-z0-9_]+))?\s*\}\}")
#: ``ApiTimeDelay.timeUnit`` (Java ChronoUnit names, §4.3) and the delay actions' units.
UNIT_SECONDS = {
    "SECONDS": 1,
    "MINUTES": 60,
    "HOURS": 3600,
    "HALF_DAYS": 43200,
    "DAYS": 86400,
    "WEEKS": 604800,
}
_WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
SET_ONLY_KINDS = ("INCREMENT", "APPEND_OBJECT_PROPERTY", "STATIC_APPEND_VALUE")


@dataclass
class ValueContext:
    """What a value object can read for one enrollment at one moment.

    Attributes:
        object_id: the enrolled record.
        prop: reads one property of the enrolled record (dates as epoch ms).
        outputs: earlier actions' outputs, ``{actionId: {dataKey: value}}``.
        now_ms: the virtual clock, epoch ms.
        timezone: the account's time zone (time of day in ``RELATIVE_DATETIME``).
        notes: what could not be resolved, for the step's record.
    """

    object_id: int
    prop: Callable[[str], str | None]
    outputs: dict[str, dict[str, Any]]
    now_ms: int
    timezone: str = "UTC"
    notes: list[str] = field(default_factory=list)


def resolve(value: Any, ctx: ValueContext) -> Any:
    """The value an action receives for ``value`` (``None``: no value)."""
    if not isinstance(value, dict):
        return value
    kind = value.get("type")
    if kind == "OBJECT_PROPERTY":
        return ctx.prop(str(value.get("propertyName") or ""))
    if kind == "STATIC_VALUE":
        return fill_tokens(str(value.get("staticValue") or ""), ctx)
    if kind == "FIELD_DATA":
        produced = ctx.outputs.get(str(value.get("actionId")))
        if produced is None:
            ctx.notes.append(
                f"action {value.get('actionId')} has not run on this path: "
                f"{value.get('dataKey')} has no value"
            )
            return None
        return produced.get(str(value.get("dataKey") or ""))
    if kind == "TIMESTAMP":
        return ctx.now_ms
    if kind == "RELATIVE_DATETIME":
        return relative_ms(value.get("timeDelay") or {}, ctx.now_ms, ctx.timezone)
    ctx.notes.append(f"value type {kind} is not emulated: no value")
    return None


def fill_tokens(text: str, ctx: ValueContext) -> str:
    """``{{ enrolled_object.x }}`` → the record's ``x`` (empty when unset);
    ``{{ enrolled_object }}`` → the record's id."""

    def one(match: re.Match[str]) -> str:
        name = match.group("prop")
        if name is None:
            return str(ctx.object_id)
        return ctx.prop(name) or ""

    return _TOKEN.sub(one, text)


def as_text(value: Any) -> str | None:
    """A value as HubSpot passes it on (§3.4): numbers without a needless ``.0``, booleans
    ``"true"``/``"false"``, ``None`` stays ``None``."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def relative_ms(delay: dict[str, Any], now_ms: int, timezone: str) -> int:
    """``now + delta`` in ``timeUnit``, then the next allowed weekday and the time of day."""
    unit = UNIT_SECONDS.get(str(delay.get("timeUnit") or "DAYS").upper(), 86400)
    seconds = float(delay.get("delta") or 0) * unit
    zone = ZoneInfo(timezone)
    when = datetime.fromtimestamp(now_ms / 1000 + seconds, zone)
    time_of_day = delay.get("timeOfDay")
    if isinstance(time_of_day, dict):
        when = when.replace(
            hour=int(time_of_day.get("hour", 0)),
            minute=int(time_of_day.get("minute", 0)),
            second=0,
            microsecond=0,
        )
    days = [d for d in delay.get("daysOfWeek") or [] if d in _WEEKDAYS]
    if days:
        for _ in range(7):
            if _WEEKDAYS[when.weekday()] in days:
                break
            when += timedelta(days=1)
    return int(when.timestamp() * 1000)
