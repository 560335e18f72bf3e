"""Property values in, property values out: HubSpot's typing and validation rules.

Contract §4.2: every stored value is a string (numbers ``"100"``, booleans ``"true"``,
datetimes ISO with milliseconds). Contract §2.1: bad values are one 400 listing every bad
property, with codes ``PROPERTY_DOESNT_EXIST``, ``INVALID_OPTION``, ``INVALID_EMAIL``,
``READ_ONLY_VALUE``, ``INVALID_LONG`` (the last three UNCONFIRMED, from third-party test
material). ``INVALID_DOUBLE`` and ``INVALID_DATE`` follow the same pattern (UNCONFIRMED).
Contract §4.6: ``""`` (and ``null``) clears a property. Since April 2025, leading or trailing
whitespace on non-string values is rejected (§2.1).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from runtime.fake_hubspot.core.clock import iso_date, iso_ms, parse_instant
from runtime.fake_hubspot.core.errors import PropertyValidationError, ValidationError
from runtime.fake_hubspot.core.http import json_type
from runtime.fake_hubspot.core.object_types import ObjectType
from runtime.fake_hubspot.properties.models import PropertyDefinition

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
#: Properties whose values are e-mail addresses.
EMAIL_PROPERTIES = frozenset({"email"})

Problem = tuple[str, str, str]  # (property, code, message)
Lookup = Callable[[str], PropertyDefinition | None]


def number_text(value: int | float) -> str:
    """A JSON number as HubSpot stores it (``100``, ``99.5``; never ``100.0``)."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("not finite")
        if value.is_integer():
            return str(int(value))
        return repr(value)
    return str(value)


def raw_text(value: Any) -> str:
    """Any scalar JSON value as text (booleans as ``true``/``false``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return number_text(value)
    return str(value)


def normalise_properties(
    object_type: ObjectType,
    raw: dict[str, Any],
    lookup: Lookup,
    *,
    portal_id: int,
    owner_exists: Callable[[str], bool],
    options: Callable[[str], tuple[str, ...] | None] | None = None,
) -> dict[str, str | None]:
    """Validate and normalise a ``properties`` object; ``None`` means "clear".

    ``options`` gives the values a property accepts now where they are not the definition's
    own (a pipeline or stage property: the portal's live pipelines and stages).

    Raises:
        ValidationError: a value is an array or object (a JSON shape error).
        PropertyValidationError: one or more properties do not exist or have bad values.
    """
    out: dict[str, str | None] = {}
    problems: list[Problem] = []
    for name, value in raw.items():
        if isinstance(value, list | dict):
            raise ValidationError(
                f"Invalid input JSON: Cannot deserialize value of type `java.lang.String` from "
                f"{json_type(value).title()} value (property '{name}')"
            )
        prop = lookup(name)
        if prop is None:
            message = f'Property "{name}" does not exist'
            problems.append((name, "PROPERTY_DOESNT_EXIST", message))
            continue
        if prop.read_only_value:
            message = f'"{name}" is a calculated property; its value cannot be set.'
            problems.append((name, "READ_ONLY_VALUE", message))
            continue
        if value is None or value == "":
            out[name] = None
            continue
        result = _convert(prop, value, owner_exists, None if options is None else options(name))
        if isinstance(result, tuple):
            problems.append((name, *result))
        else:
            out[name] = result
    if problems:
        raise PropertyValidationError(problems, portal_id)
    return out


def _convert(
    prop: PropertyDefinition,
    value: Any,
    owner_exists: Callable[[str], bool],
    allowed: tuple[str, ...] | None = None,
) -> str | tuple[str, str]:
    """The stored text, or ``(code, message)``."""
    text = raw_text(value)
    kind = prop.type
    if kind in ("string", "phone_number"):
        if prop.name in EMAIL_PROPERTIES and not _EMAIL.match(text):
            return "INVALID_EMAIL", f"Email address {text} is invalid"
        return text
    if text != text.strip():
        return _invalid_for(kind, text)
    if kind == "number":
        if isinstance(value, bool):
            return _invalid_for(kind, text)
        try:
            number = float(text)
        except ValueError:
            return _invalid_for(kind, text)
        if not math.isfinite(number):
            return _invalid_for(kind, text)
        return text
    if kind == "bool":
        lowered = text.lower()
        if lowered in ("true", "false"):
            return lowered
        return "INVALID_OPTION", f"{text} was not one of the allowed options: [true, false]"
    if kind == "enumeration":
        return _enumeration(prop, text, owner_exists, allowed)
    if kind == "datetime":
        instant = parse_instant(text)
        return _invalid_for(kind, text) if instant is None else iso_ms(instant)
    if kind == "date":
        instant = parse_instant(text)
        if instant is None:
            return _invalid_for(kind, text)
        if instant % 86_400_000:
            clock = iso_ms(instant)[11:23]
            # UNCONFIRMED wording of HubSpot's "not midnight" date error.
            return "INVALID_DATE", f"{text} is at {clock} UTC, not midnight!"
        return iso_date(instant)
    return text


def _enumeration(
    prop: PropertyDefinition,
    text: str,
    owner_exists: Callable[[str], bool],
    options: tuple[str, ...] | None = None,
) -> str | tuple[str, str]:
    if prop.name == "hubspot_owner_id":
        # The owner property's options are the portal's owners.
        if owner_exists(text):
            return text
        return "INVALID_OPTION", f"{text} was not one of the allowed options: [owner ids]"
    allowed = prop.option_values if options is None else options
    # Checkbox enumerations hold several values separated by ";".
    values = text.split(";") if prop.field_type == "checkbox" else [text]
    for item in values:
        if item not in allowed:
            listed = ", ".join(allowed)
            return "INVALID_OPTION", f"{item} was not one of the allowed options: [{listed}]"
    return text


def _invalid_for(kind: str, text: str) -> tuple[str, str]:
    if kind in ("datetime", "date"):
        return "INVALID_LONG", f"{text} was not a valid long."
    if kind == "number":
        return "INVALID_DOUBLE", f"{text} was not a valid number."
    return "INVALID_OPTION", f"{text} was not one of the allowed options: [true, false]"


def sort_key(kind: str, value: str | None) -> tuple[int, Any]:
    """A sort key by property type; unset values sort last ascending (UNCONFIRMED)."""
    if value is None or value == "":
        return (1, 0)
    if kind == "number":
        try:
            return (0, float(value))
        except ValueError:
            return (0, math.inf)
    if kind in ("datetime", "date"):
        return (0, parse_instant(value) or 0)
    return (0, value.lower())
