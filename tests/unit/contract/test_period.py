"""``--since``: one meaning for the run history and the portal's logs."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from runtime.contract.period import parse_since
from runtime.errors import PortalValueError, UsageError
from runtime.fake_hubspot.core import logs
from runtime.journal import parse_period

NOW = 1_790_000_000.0


@pytest.fixture
def new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # A machine whose local time is not UTC: an ISO time without an offset must not move.
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("15m", 900), ("1h", 3600), ("1H", 3600), ("2d", 172800), ("1w", 604800)],
)
def test_periods_count_back_from_now(text: str, seconds: float) -> None:
    assert parse_since(text, now=NOW) == NOW - seconds
    assert logs.parse_since(text, now=NOW) == NOW - seconds


@pytest.mark.usefixtures("new_york")
def test_an_iso_time_without_offset_is_utc_for_history_and_portal_logs() -> None:
    expected = 1_767_261_600.0  # 2026-01-01T10:00:00Z
    assert parse_since("2026-01-01T10:00") == expected
    assert parse_since("2026-01-01T10:00Z") == expected
    assert parse_since("2026-01-01T05:00-05:00") == expected
    assert logs.parse_since("2026-01-01T10:00") == expected
    assert abs((time.time() - parse_period("2026-01-01T10:00")) - expected) < 5


def test_history_and_portal_logs_refuse_the_same_text_with_their_own_error() -> None:
    with pytest.raises(ValueError, match=r"a period \(90s"):
        parse_since("yesterday")
    with pytest.raises(UsageError, match="yesterday"):
        parse_period("yesterday")
    with pytest.raises(PortalValueError, match="yesterday"):
        logs.parse_since("yesterday")


def test_history_counts_a_period_in_seconds_and_never_negative() -> None:
    assert parse_period("1H") == 3600
    assert parse_period("2999-01-01") == 0
