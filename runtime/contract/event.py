"""The ``event`` a custom code action receives, and a builder for it.

Shape from HubSpot's guide (``docs/hubspot-custom-code-contract.md`` §2)::

    {"origin": {"portalId": 12345678, "actionDefinitionId": 2},
     "object": {"objectType": "CONTACT", "objectId": 4},
     "inputFields": {"email": "jane@example.com"},
     "callbackId": "ap-12345678-987654321-1-0"}

Input values are strings, as CRM property values are.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from runtime.contract.limits import MAX_INPUTS
from runtime.contract.object_types import ENROLLABLE_LABELS
from runtime.errors import EventError

#: Labels of the object types a workflow can enroll (``event.object.objectType``).
OBJECT_TYPES = ENROLLABLE_LABELS


class Origin(BaseModel):
    model_config = ConfigDict(extra="allow")

    portalId: int
    actionDefinitionId: int = 1


class EnrolledObject(BaseModel):
    model_config = ConfigDict(extra="allow")

    objectType: str = "CONTACT"
    objectId: int


class Event(BaseModel):
    """The payload passed to ``main(event)``; extra keys are kept as they are."""

    model_config = ConfigDict(extra="allow")

    origin: Origin
    object: EnrolledObject
    inputFields: dict[str, Any] = Field(default_factory=dict)
    callbackId: str

    def to_payload(self) -> dict[str, Any]:
        """The JSON-ready dict the action sees."""
        return self.model_dump(mode="json")


def make_callback_id(portal_id: int, action_id: int = 1, index: int = 0) -> str:
    """``ap-{portalId}-{enrollmentId}-{actionId}-{actionExecutionIndex}`` (inferred format)."""
    enrollment = random.randint(10**8, 10**10)
    return f"ap-{portal_id}-{enrollment}-{action_id}-{index}"


def build_event(
    *,
    portal_id: int,
    object_type: str = "CONTACT",
    object_id: int | None = None,
    inputs: Mapping[str, Any] | None = None,
    action_definition_id: int = 1,
    callback_id: str | None = None,
) -> Event:
    """Build an event as HubSpot would for one enrollment."""
    fields = input_fields(inputs or {})
    oid = object_id if object_id is not None else random.randint(1, 10**6)
    return Event(
        origin=Origin(portalId=portal_id, actionDefinitionId=action_definition_id),
        object=EnrolledObject(objectType=object_type.upper(), objectId=oid),
        inputFields=fields,
        callbackId=callback_id or make_callback_id(portal_id, action_definition_id),
    )


def input_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """Input values as HubSpot hands them over (strings, or None when unset), at most 50."""
    fields = {k: _as_input_value(v) for k, v in values.items()}
    if len(fields) > MAX_INPUTS:
        raise EventError(f"{len(fields)} input fields; HubSpot allows at most {MAX_INPUTS}")
    return fields


def _as_input_value(value: Any) -> Any:
    # HubSpot hands CRM property values to the action as strings; None stays None (unset).
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_event(data: Any, *, source: str = "event") -> Event:
    """Validate a decoded event; the error names ``source`` and each bad field."""
    if not isinstance(data, dict):
        raise EventError(f"{source}: an event must be a JSON object, got {type(data).__name__}")
    try:
        event = Event.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise EventError(f"{source}: invalid event: {problems}") from exc
    if len(event.inputFields) > MAX_INPUTS:
        raise EventError(
            f"{source}: {len(event.inputFields)} input fields; HubSpot allows at most {MAX_INPUTS}"
        )
    return event


def load_event(path: Path) -> Event:
    """Read and validate an event JSON file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise EventError(f"event file not found: {path}") from exc
    except OSError as exc:
        raise EventError(f"cannot read event file {path}: {exc.strerror}") from exc
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise EventError(f"{path}: the file is UTF-16; save it as UTF-8 (HubSpot's events are)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EventError(f"{path}: not UTF-8 (byte {exc.start}); save it as UTF-8") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EventError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from exc
    except RecursionError:
        raise EventError(f"{path}: JSON nested too deeply to be an event") from None
    except ValueError as exc:  # an integer of thousands of digits
        raise EventError(f"{path}: not a usable event: {exc}") from None
    return parse_event(data, source=str(path))
