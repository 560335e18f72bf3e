"""Data outputs: HubSpot's typing rules, and the alerts its test panel shows.

From HubSpot's guide (``docs/hubspot-custom-code-contract.md`` §3):

- string values longer than 65,000 characters fail the action with ``OUTPUT_VALUES_TOO_LARGE``;
- a datetime output is a UNIX timestamp in milliseconds; a date output is one at midnight UTC;
- outputs returned but not declared are not an error: the panel shows an alert beside them.

HubSpot does not publish what happens on a type mismatch or a declared output that is not
returned. hsrun reports both as alerts and keeps the status (documented in the README).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from runtime.contract.limits import MAX_STRING_OUTPUT_CHARS
from runtime.contract.manifest import OutputSpec

#: The key of ``main``'s return value that holds the data outputs.
OUTPUT_FIELDS = "outputFields"
DAY_MS = 86_400_000
# Epoch milliseconds below this are almost surely seconds (before 1973-03-03 in ms).
_SECONDS_NOT_MS_BELOW = 100_000_000_000
_PHONE_RE = re.compile(r"^\+?[0-9 ()./\-]{3,}(?:\s*(?:x|ext\.?)\s*\d+)?$", re.IGNORECASE)


@dataclass(frozen=True)
class Alert:
    """A note beside one output, as HubSpot's test panel shows."""

    code: str
    output: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "output": self.output, "message": self.message}


@dataclass(frozen=True)
class OutputValue:
    name: str
    value: Any
    type: str | None  # declared type, None when undeclared

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "type": self.type}


@dataclass
class OutputCheck:
    outputs: list[OutputValue] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    error_code: str | None = None
    error_message: str | None = None


def check_outputs(returned: Mapping[str, Any], declared: Mapping[str, OutputSpec]) -> OutputCheck:
    """Check the returned ``outputFields`` against the declared outputs."""
    check = OutputCheck()
    for name, value in returned.items():
        spec = declared.get(name)
        check.outputs.append(OutputValue(name, value, spec.type if spec else None))
        # "the limit for string output values is 65,000 characters": any string output,
        # declared or not.
        too_large = isinstance(value, str) and len(value) > MAX_STRING_OUTPUT_CHARS
        if too_large:
            check.error_code = "OUTPUT_VALUES_TOO_LARGE"
            check.error_message = (
                f"output '{name}' is {len(value):,} characters; "
                f"string outputs are limited to {MAX_STRING_OUTPUT_CHARS:,}"
            )
        if spec is None:
            check.alerts.append(
                Alert(
                    "UNDECLARED_OUTPUT",
                    name,
                    f"'{name}' is not a declared data output; later actions cannot use it "
                    "until you add it under Data outputs",
                )
            )
            continue
        problem = None if value is None or too_large else _type_problem(value, spec)
        if problem:
            check.alerts.append(Alert("TYPE_MISMATCH", name, f"'{name}' ({spec.type}): {problem}"))
    for name, spec in declared.items():
        if name not in returned:
            check.alerts.append(
                Alert(
                    "MISSING_OUTPUT",
                    name,
                    f"declared output '{name}' ({spec.type}) was not returned; "
                    "later actions will see it empty",
                )
            )
    return check


def _type_problem(value: Any, spec: OutputSpec) -> str | None:
    kind = spec.type
    if kind in ("string", "phone_number"):
        if not isinstance(value, str):
            return f"expected a string, got {_kind(value)} {value!r}"
        if kind == "phone_number" and value and not _PHONE_RE.match(value):
            return f"{value!r} does not look like a phone number"
        return None
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"expected a number, got {_kind(value)} {value!r}"
        if isinstance(value, float) and not math.isfinite(value):
            return f"{value!r} is not a finite number"
        return None
    if kind == "bool":
        return None if isinstance(value, bool) else f"expected true/false, got {_kind(value)}"
    if kind == "enumeration":
        if value not in spec.options:
            return f"{value!r} is not one of the options {list(spec.options)}"
        return None
    return _timestamp_problem(value, date_only=kind == "date")


def _timestamp_problem(value: Any, *, date_only: bool) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"expected epoch milliseconds (a number), got {_kind(value)} {value!r}"
    if value != int(value):
        return f"expected whole epoch milliseconds, got {value!r}"
    if 0 < abs(value) < _SECONDS_NOT_MS_BELOW:
        return f"{value!r} looks like seconds; HubSpot expects milliseconds"
    if date_only and int(value) % DAY_MS:
        return f"{int(value)} is not midnight UTC; date outputs must be set to 00:00:00.000 UTC"
    return None


def _kind(value: Any) -> str:
    return {str: "string", bool: "bool", int: "number", float: "number"}.get(
        type(value), type(value).__name__
    )


def looks_like_output_fields(key: str) -> bool:
    """``outputfields``, ``output_fields``, ``outputField``, ``ouputFields``... but not the
    real key."""
    if key == OUTPUT_FIELDS:
        return False
    squashed = key.lower().replace("_", "").replace("-", "").replace(" ", "")
    if squashed in ("outputfields", "outputfield", "outputsfields", "outputsfield"):
        return True
    return len(squashed) >= 9 and _distance(squashed, "outputfields") <= 2


def _distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]
