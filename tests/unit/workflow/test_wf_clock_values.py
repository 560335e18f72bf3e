"""The virtual clock, HubSpot's calendar rules and value objects (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from runtime.errors import UsageError
from runtime.fake_hubspot.core.faults import parse_faults
from runtime.workflow.clock import Calendar, VirtualClock, parse_duration
from runtime.workflow.values import ValueContext, as_text, relative_ms, resolve


def _at(*parts: int) -> float:
    return datetime(*parts, tzinfo=UTC).timestamp()  # type: ignore[misc]


def test_durations() -> None:
    assert parse_duration("3d") == 3 * 86400
    assert parse_duration("1d12h") == 36 * 3600
    assert parse_duration("90s") == 90
    for bad in ("", "3x", "d3", "3 days"):
        with pytest.raises(UsageError):
            parse_duration(bad)


def test_the_clock_only_moves_forward_when_told() -> None:
    clock = VirtualClock(1000.0)
    clock.advance_to(5000.0)
    clock.advance_to(10.0)
    assert clock.now() == 5000.0 and clock.now_ms() == 5_000_000


WEEKDAYS_9_TO_5 = {
    "timeWindows": [
        {"day": d, "startTime": {"hour": 9, "minute": 0}, "endTime": {"hour": 17, "minute": 0}}
        for d in ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY")
    ],
    "blockedDates": [{"dayOfMonth": 25, "month": "DECEMBER"}],
}


def test_time_windows_move_actions_to_the_next_window() -> None:
    cal = Calendar(WEEKDAYS_9_TO_5)
    # 2026-12-04 is a Friday.
    assert cal.next_allowed(_at(2026, 12, 4, 10, 30)) == _at(2026, 12, 4, 10, 30)
    assert cal.next_allowed(_at(2026, 12, 4, 7, 0)) == _at(2026, 12, 4, 9, 0)
    assert cal.next_allowed(_at(2026, 12, 4, 17, 30)) == _at(2026, 12, 7, 9, 0)  # Monday
    assert cal.next_allowed(_at(2026, 12, 5, 12, 0)) == _at(2026, 12, 7, 9, 0)  # Saturday


def test_pause_dates_recur_and_keep_the_time_within_hours() -> None:
    cal = Calendar(WEEKDAYS_9_TO_5)
    # Friday 2026-12-25 is paused: within the hours, the same time on the next run day.
    assert cal.next_allowed(_at(2026, 12, 25, 11, 15)) == _at(2026, 12, 28, 11, 15)
    assert cal.next_allowed(_at(2026, 12, 25, 20, 0)) == _at(2026, 12, 28, 9, 0)
    assert Calendar({}).next_allowed(123.0) == 123.0


def test_a_time_zone_shifts_the_window() -> None:
    cal = Calendar(WEEKDAYS_9_TO_5, timezone="America/New_York")
    # 13:00 UTC on a Friday is 08:00 in New York: the window opens at 14:00 UTC.
    assert cal.next_allowed(_at(2026, 12, 4, 13, 0)) == _at(2026, 12, 4, 14, 0)


def _ctx(**props: str) -> ValueContext:
    return ValueContext(
        object_id=12,
        prop=props.get,
        outputs={"1": {"tier": "hot", "score": 82, "big": True}},
        now_ms=1_700_000_000_000,
    )


def test_value_objects() -> None:
    ctx = _ctx(firstname="Ada")
    assert resolve({"type": "OBJECT_PROPERTY", "propertyName": "firstname"}, ctx) == "Ada"
    assert resolve({"type": "OBJECT_PROPERTY", "propertyName": "nope"}, ctx) is None
    tokens = "Hi {{enrolled_object.firstname}} #{{ enrolled_object }}{{ enrolled_object.x }}"
    text = {"type": "STATIC_VALUE", "staticValue": tokens}
    assert resolve(text, ctx) == "Hi Ada #12"
    assert resolve({"type": "FIELD_DATA", "actionId": "1", "dataKey": "score"}, ctx) == 82
    assert resolve({"type": "FIELD_DATA", "actionId": "7", "dataKey": "x"}, ctx) is None
    assert "has not run on this path" in ctx.notes[-1]
    assert resolve({"type": "TIMESTAMP", "timestampType": "EXECUTION_TIME"}, ctx) == ctx.now_ms
    assert resolve({"type": "FETCHED_OBJECT_PROPERTY", "propertyToken": "x"}, ctx) is None
    assert "not emulated" in ctx.notes[-1]


def test_relative_datetime_with_weekday_and_time_of_day() -> None:
    friday_noon = int(_at(2026, 12, 4, 12, 0) * 1000)
    delay: dict[str, Any] = {"delta": 1, "timeUnit": "DAYS", "daysOfWeek": ["MONDAY"],
                             "timeOfDay": {"hour": 8, "minute": 30}}  # fmt: skip
    assert relative_ms(delay, friday_noon, "UTC") == int(_at(2026, 12, 7, 8, 30) * 1000)
    assert (
        relative_ms({"delta": 2, "timeUnit": "HOURS"}, friday_noon, "UTC")
        == friday_noon + 7_200_000
    )


def test_values_pass_on_as_hubspot_strings() -> None:
    assert [as_text(v) for v in (True, False, 42.0, 4.5, 7, None)] == [
        "true", "false", "42", "4.5", "7", None,
    ]  # fmt: skip


def test_fault_specs() -> None:
    assert [(f.status, f.nth) for f in parse_faults("429@2,503@5")] == [(429, 2), (503, 5)]
    for bad in ("429", "404@1", "429@0", "x@y"):
        with pytest.raises(UsageError):
            parse_faults(bad)
