"""The ``event`` a custom code action receives, and a builder for it.

Shape from HubSpot's guide (``docs/hubspot-custom-code-contract.md`` §2)::

    {"origin": {"portalId": 12345678, "actionDefinitionId": 2},
     "object": {"objectType": "CONTACT", "objectId": 4},
     "inputFields": {"email": "jane@example.com"},
     "callbackId": "ap-12345678-987654321-1-0"}

Input values are strings, as CRM property values are.
"""

from __future__ import annotations

import copy
import json
import math
import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from runtime.contract.limits import MAX_INPUTS
from runtime.contract.object_types import ENROLLABLE_LABELS
from runtime.errors import EventError

#: Labels of the object types a workflow can enroll (``event.object.objectType``).
OBJECT_TYPES = ENROLLABLE_LABELS

# The three classes below check the well-formed shapes HubSpot sends themselves; anything
# else (a wrong type, a missing key, a value pydantic would coerce, a value that is not plain
# JSON) is decided by the pydantic models in ``_schema.py``, so errors, coercions and the
# payload are pydantic's as they always were, without importing pydantic for a plain event.


class _Open:
    """A record of ``_FIELDS`` that keeps extra keys as they are (pydantic's
    ``extra="allow"``), compared and shown as a pydantic model is."""

    _FIELDS: tuple[str, ...] = ()

    def __init__(self, **data: Any) -> None:
        made = self._plain(data)
        if made is None:
            made = self._from_model(self._reference(data))  # raises pydantic's error
        self.__dict__.update(made.__dict__)

    @classmethod
    def model_validate(cls, data: Any) -> Any:
        """``data`` validated (the pydantic model's spelling); raises its ``ValidationError``."""
        made = cls._plain(data) if type(data) is dict else None
        return made if made is not None else cls._from_model(cls._reference(data))

    @classmethod
    def _plain(cls, data: Mapping[str, Any]) -> Any:
        raise NotImplementedError

    @classmethod
    def _reference(cls, data: Any) -> Any:
        raise NotImplementedError

    @classmethod
    def _from_model(cls, model: Any) -> Any:
        made = cls.__new__(cls)
        for name in cls._FIELDS:
            value = getattr(model, name)
            if name in _NESTED:  # the pydantic model's nested model
                value = _NESTED[name]._from_model(value)
            made.__dict__[name] = value
        made.__dict__["_extra"] = dict(model.model_extra or {})
        return made

    @classmethod
    def _made(cls, values: dict[str, Any], extra: dict[str, Any]) -> Any:
        made = cls.__new__(cls)
        made.__dict__.update(values)
        made.__dict__["_extra"] = extra
        return made

    def __getattr__(self, name: str) -> Any:
        extra = self.__dict__.get("_extra") or {}
        if name in extra:
            return extra[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _data(self) -> dict[str, Any]:
        """Fields then extra keys, nested records as dicts (pydantic's python-mode dump)."""
        data = {name: getattr(self, name) for name in self._FIELDS}
        data.update(self.__dict__.get("_extra") or {})
        return {k: v._data() if isinstance(v, _Open) else v for k, v in data.items()}

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._data() == other._data()

    __hash__ = None  # type: ignore[assignment]  # mutable, as the pydantic model

    def __repr__(self) -> str:
        items = [(n, getattr(self, n)) for n in self._FIELDS]
        items += list((self.__dict__.get("_extra") or {}).items())
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in items)})"

    def model_copy(self, *, deep: bool = False) -> Any:
        """A copy (``deep``: of every nested value too), as the pydantic model's."""
        return copy.deepcopy(self) if deep else copy.copy(self)


def _extra(data: Mapping[str, Any], fields: tuple[str, ...]) -> dict[str, Any] | None:
    """The keys of ``data`` beyond ``fields`` (None when one is not a string)."""
    extra = {k: v for k, v in data.items() if k not in fields}
    return extra if all(type(k) is str for k in extra) else None


class _Flat(_Open):
    """A record of scalar fields, each of one type; a field with a default may be left out
    (HubSpot's defaults, as the pydantic model's), one without it may not."""

    #: Each field, its type and its default (None: required).
    _TYPES: tuple[tuple[str, type, Any], ...] = ()

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        cls._FIELDS = tuple(name for name, _kind, _default in cls._TYPES)

    @classmethod
    def _plain(cls, data: Mapping[str, Any]) -> Any:
        values = {}
        for name, kind, default in cls._TYPES:
            value = data.get(name, default)
            if type(value) is not kind:
                return None
            values[name] = value
        extra = _extra(data, cls._FIELDS)
        return None if extra is None else cls._made(values, extra)

    @classmethod
    def _reference(cls, data: Any) -> Any:
        from runtime.contract import _schema

        return getattr(_schema, cls.__name__).model_validate(data)


class Origin(_Flat):
    _TYPES = (("portalId", int, None), ("actionDefinitionId", int, 1))
    portalId: int
    actionDefinitionId: int


class EnrolledObject(_Flat):
    _TYPES = (("objectType", str, "CONTACT"), ("objectId", int, None))
    objectType: str
    objectId: int


class Event(_Open):
    """The payload passed to ``main(event)``; extra keys are kept as they are."""

    _FIELDS = ("origin", "object", "inputFields", "callbackId")
    origin: Origin
    object: EnrolledObject
    inputFields: dict[str, Any]
    callbackId: str

    @classmethod
    def _plain(cls, data: Mapping[str, Any]) -> Event | None:
        origin, obj = (
            _nested(Origin, data.get("origin")),
            _nested(EnrolledObject, data.get("object")),
        )
        fields, callback = data.get("inputFields", {}), data.get("callbackId")
        extra = _extra(data, cls._FIELDS)
        if (
            origin is None
            or obj is None
            or type(callback) is not str
            or type(fields) is not dict
            or not all(type(k) is str for k in fields)
            or extra is None
        ):
            return None
        values = {
            "origin": origin,
            "object": obj,
            "inputFields": dict(fields),
            "callbackId": callback,
        }
        made: Event = cls._made(values, extra)
        return made

    @classmethod
    def _reference(cls, data: Any) -> Any:
        from runtime.contract import _schema

        if isinstance(data, Mapping):
            data = {k: v._data() if isinstance(v, _Open) else v for k, v in data.items()}
        return _schema.Event.model_validate(data)

    def to_payload(self) -> dict[str, Any]:
        """The JSON-ready dict the action sees (pydantic's JSON-mode dump of the event)."""
        data = self._data()
        payload = _json_copy(data)
        if payload is _NOT_PLAIN or not self._declared_types_hold():
            from runtime.contract import _schema

            dumped: dict[str, Any] = _schema.Event.model_validate(data).model_dump(mode="json")
            return dumped
        assert isinstance(payload, dict)
        return payload

    def _declared_types_hold(self) -> bool:
        # Fields are assignable (the runner sets inputFields and object.objectId on a copy).
        return (
            type(self.origin) is Origin
            and type(self.object) is EnrolledObject
            and type(self.origin.portalId) is int
            and type(self.origin.actionDefinitionId) is int
            and type(self.object.objectType) is str
            and type(self.object.objectId) is int
            and type(self.inputFields) is dict
            and type(self.callbackId) is str
        )


_NESTED: dict[str, type[_Open]] = {"origin": Origin, "object": EnrolledObject}


def _nested(kind: type[_Open], value: Any) -> Any:
    if type(value) is kind:
        return value
    return kind._plain(value) if type(value) is dict else None


_NOT_PLAIN = object()


def _json_copy(value: Any) -> Any:
    """A fresh copy of a plain JSON value (str keys, finite floats), or ``_NOT_PLAIN``."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is float:
        return value if math.isfinite(value) else _NOT_PLAIN
    if kind is list:
        items = [_json_copy(item) for item in value]
        return _NOT_PLAIN if any(item is _NOT_PLAIN for item in items) else items
    if kind is dict:
        if not all(type(k) is str for k in value):
            return _NOT_PLAIN
        copied = {k: _json_copy(v) for k, v in value.items()}
        return _NOT_PLAIN if any(v is _NOT_PLAIN for v in copied.values()) else copied
    return _NOT_PLAIN


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
    event = Event._plain(data) if type(data) is dict else None
    if event is None:
        event = _validated(data, source)
    if len(event.inputFields) > MAX_INPUTS:
        raise EventError(
            f"{source}: {len(event.inputFields)} input fields; HubSpot allows at most {MAX_INPUTS}"
        )
    return event


def _validated(data: dict[str, Any], source: str) -> Event:
    """``data`` validated by the pydantic model, whose errors name each bad field."""
    from pydantic import ValidationError

    try:
        event: Event = Event.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise EventError(f"{source}: invalid event: {problems}") from exc
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
