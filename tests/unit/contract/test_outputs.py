from __future__ import annotations

from typing import Any

import pytest

from runtime.contract import OutputSpec, check_outputs
from runtime.contract.retry import is_retryable_status, retry_schedule


def spec(kind: str, *options: str) -> OutputSpec:
    return OutputSpec(type=kind, options=options)  # type: ignore[arg-type]


def codes(returned: dict[str, Any], declared: dict[str, OutputSpec]) -> list[str]:
    return [a.code for a in check_outputs(returned, declared).alerts]


def test_undeclared_output_is_an_alert_not_an_error() -> None:
    check = check_outputs({"extra": 1}, {})
    assert [a.code for a in check.alerts] == ["UNDECLARED_OUTPUT"]
    assert check.error_code is None
    assert check.outputs[0].type is None


def test_declared_but_missing_output_is_an_alert() -> None:
    assert codes({}, {"score": spec("number")}) == ["MISSING_OUTPUT"]


def test_string_over_65000_characters_fails() -> None:
    check = check_outputs({"s": "x" * 65_001}, {"s": spec("string")})
    assert check.error_code == "OUTPUT_VALUES_TOO_LARGE"
    assert "65,001" in (check.error_message or "")
    assert check_outputs({"s": "x" * 65_000}, {"s": spec("string")}).error_code is None


@pytest.mark.parametrize(
    ("kind", "value", "ok"),
    [
        ("number", 3, True),
        ("number", 2.5, True),
        ("number", "3", False),
        ("number", True, False),
        ("bool", False, True),
        ("bool", "true", False),
        ("string", "x", True),
        ("string", 5, False),
        ("datetime", 1_700_000_000_000, True),
        ("datetime", 1_700_000_000, False),  # seconds, not milliseconds
        ("datetime", "2024-01-01", False),
        ("date", 1_700_006_400_000 - 1_700_006_400_000 % 86_400_000, True),
        ("date", 1_700_000_000_123, False),  # not midnight UTC
        ("phone_number", "+1 555 010 2233", True),
        ("phone_number", "call me", False),
    ],
)
def test_types(kind: str, value: Any, ok: bool) -> None:
    assert (codes({"o": value}, {"o": spec(kind)}) == []) is ok


def test_enumeration_must_be_an_option() -> None:
    declared = {"tier": spec("enumeration", "gold", "silver")}
    assert codes({"tier": "gold"}, declared) == []
    check = check_outputs({"tier": "bronze"}, declared)
    assert check.alerts[0].code == "TYPE_MISMATCH"
    assert "'bronze' is not one of the options" in check.alerts[0].message


def test_none_is_an_unset_value_not_a_mismatch() -> None:
    assert codes({"score": None}, {"score": spec("number")}) == []


def test_retry_rule() -> None:
    assert is_retryable_status(429)
    assert is_retryable_status(503)
    assert not is_retryable_status(404)
    assert not is_retryable_status(None)


def test_retry_schedule_first_minute_then_growing_capped_at_8h_for_3_days() -> None:
    schedule = retry_schedule()
    assert schedule[0] == 60
    gaps = [b - a for a, b in zip([0, *schedule], schedule, strict=False)]
    assert gaps == sorted(gaps)
    assert max(gaps) == 8 * 3600
    assert schedule[-1] <= 3 * 24 * 3600


def test_the_string_limit_applies_to_undeclared_outputs_too() -> None:
    check = check_outputs({"extra": "x" * 65_001}, {})
    assert check.error_code == "OUTPUT_VALUES_TOO_LARGE"
    assert [a.code for a in check.alerts] == ["UNDECLARED_OUTPUT"]
