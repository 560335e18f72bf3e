"""Batch read, create, update, upsert and archive (contract §4.3). No HTTP here.

- at most 100 inputs per request (the over-limit wording is UNCONFIRMED);
- unknown ids in read/update are a 207 with one ``OBJECT_NOT_FOUND`` entry listing them:
  "Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are
  valid.";
- batch create is all-or-nothing (the first bad input is the answer: 400 or 409) unless every
  input carries an ``objectWriteTraceId``, in which case good inputs are created and failures
  are listed with ``context.objectWriteTraceId`` (207);
- upsert needs a unique ``idProperty`` and reports ``new`` per result;
- archive ignores unknown ids (204).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from runtime.fake_hubspot.associations.models import InlineLink
from runtime.fake_hubspot.core.errors import HubSpotError, ValidationError
from runtime.fake_hubspot.core.http import field_object, field_str, object_items
from runtime.fake_hubspot.core.object_types import ObjectType
from runtime.fake_hubspot.crm_objects.models import ObjectsBackend
from runtime.fake_hubspot.crm_objects.record import Record

MAX_BATCH_INPUTS = 100


@dataclass
class BatchResult:
    """What a batch produced: records, per-input errors, and upsert ``new`` flags."""

    started_at: int
    results: list[Record] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    new: list[bool] = field(default_factory=list)


def check_inputs(inputs: list[Any]) -> list[dict[str, Any]]:
    """Every input an object, and no more than 100 of them.

    Raises:
        ValidationError: too many inputs or a non-object input.
    """
    if len(inputs) > MAX_BATCH_INPUTS:
        raise ValidationError(f"Too many inputs: {len(inputs)} > {MAX_BATCH_INPUTS}")
    return object_items(inputs, "inputs")


def _ids(items: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    for item in items:
        value = field_str(item, "id", required=True)
        assert value is not None
        out.append(value)
    duplicates = sorted({i for i in out if out.count(i) > 1})
    if duplicates:
        raise ValidationError(
            f"Duplicate IDs found in batch input: [{', '.join(duplicates)}]. IDs must be unique"
        )
    return out


def _not_found(object_type: ObjectType, ids: list[str]) -> dict[str, Any]:
    return {
        "status": "error",
        "category": "OBJECT_NOT_FOUND",
        "message": (
            f"Could not get some {object_type.label} objects, they may be deleted or not exist. "
            "Check that ids are valid."
        ),
        "context": {"ids": ids},
    }


def batch_read(
    backend: ObjectsBackend,
    object_type: ObjectType,
    inputs: list[Any],
    *,
    id_property: str | None,
    archived: bool,
) -> BatchResult:
    """Read records; unknown ids become one ``OBJECT_NOT_FOUND`` error (207)."""
    result = BatchResult(backend.portal.now_ms())
    items = check_inputs(inputs)
    missing: list[str] = []
    for raw_id in _ids(items):
        record = backend.find(
            object_type, raw_id, id_property=id_property, archived=archived, follow_merges=False
        )
        if record is None:
            missing.append(raw_id)
        else:
            result.results.append(record)
    if missing:
        result.errors.append(_not_found(object_type, missing))
    return result


def batch_create(
    backend: ObjectsBackend, object_type: ObjectType, inputs: list[Any]
) -> BatchResult:
    """Create records: all-or-nothing unless every input has an ``objectWriteTraceId``.

    Raises:
        HubSpotError: the first bad input, when the batch is all-or-nothing.
    """
    result = BatchResult(backend.portal.now_ms())
    items = check_inputs(inputs)
    traced = bool(items) and all(item.get("objectWriteTraceId") for item in items)
    prepared: list[tuple[dict[str, str | None], list[InlineLink]]] = []
    seen: dict[str, dict[str, str]] = {}
    for item in items:
        try:
            raw = field_object(item, "properties", required=True)
            values = backend.normalise(object_type, raw)
            backend.check_required(object_type, values)
            backend.check_unique(object_type, values, None)
            _check_batch_duplicates(backend, object_type, values, seen)
            links = backend.portal.associations.parse_inline(object_type, item.get("associations"))
        except HubSpotError as exc:
            if not traced:
                raise
            entry = exc.standard_error()
            entry["context"] = {
                **entry["context"],
                "objectWriteTraceId": [str(item["objectWriteTraceId"])],
            }
            result.errors.append(entry)
            continue
        prepared.append((values, links))
    for values, links in prepared:
        record = backend.insert(object_type, values)
        backend.portal.associations.create_inline(object_type, record.id, links)
        result.results.append(record)
    return result


def _check_batch_duplicates(
    backend: ObjectsBackend,
    object_type: ObjectType,
    values: dict[str, str | None],
    seen: dict[str, dict[str, str]],
) -> None:
    for name in backend.unique_names(object_type):
        value = values.get(name)
        if not value:
            continue
        bucket = seen.setdefault(name, {})
        if value.lower() in bucket:
            # UNCONFIRMED wording: HubSpot reports duplicates inside one batch as a 400.
            raise ValidationError(
                f"Duplicate values found in batch input for unique property '{name}': [{value}]"
            )
        bucket[value.lower()] = value


def batch_update(
    backend: ObjectsBackend, object_type: ObjectType, inputs: list[Any]
) -> BatchResult:
    """Update records by id (or per-input ``idProperty``); merged-away ids are not followed.

    Raises:
        HubSpotError: invalid properties or a unique conflict (the whole batch fails).
    """
    result = BatchResult(backend.portal.now_ms())
    items = check_inputs(inputs)
    ids = _ids(items)
    missing: list[str] = []
    planned: list[tuple[Record, dict[str, str | None]]] = []
    for item, raw_id in zip(items, ids, strict=True):
        raw = field_object(item, "properties", required=True)
        id_property = field_str(item, "idProperty")
        record = backend.find(object_type, raw_id, id_property=id_property, follow_merges=False)
        values = backend.normalise(object_type, raw)
        if record is None:
            missing.append(raw_id)
            continue
        backend.check_unique(object_type, values, record.id)
        planned.append((record, values))
    for record, values in planned:
        backend.update(record, values)
        result.results.append(record)
    if missing:
        result.errors.append(_not_found(object_type, missing))
    return result


def batch_upsert(
    backend: ObjectsBackend, object_type: ObjectType, inputs: list[Any]
) -> BatchResult:
    """Create or update by a unique ``idProperty``; each result says whether it is new.

    Raises:
        HubSpotError: a missing/non-unique ``idProperty`` or a bad value (all-or-nothing, as
            HubSpot does for contacts upserted by email).
    """
    result = BatchResult(backend.portal.now_ms())
    items = check_inputs(inputs)
    plan: list[tuple[Record | None, dict[str, str | None]]] = []
    seen: dict[str, dict[str, str]] = {}
    for item in items:
        raw_id = field_str(item, "id", required=True)
        id_property = field_str(item, "idProperty", required=True)
        assert raw_id is not None and id_property is not None
        backend.check_id_property(object_type, id_property)
        raw = dict(field_object(item, "properties", required=True))
        if id_property != "hs_object_id":
            raw.setdefault(id_property, raw_id)
        values = backend.normalise(object_type, raw)
        record = backend.find(object_type, raw_id, id_property=id_property)
        if record is None and id_property == "hs_object_id":
            backend.resolve(object_type, raw_id)
        backend.check_unique(object_type, values, record.id if record else None)
        if record is None:
            backend.check_required(object_type, values)
            _check_batch_duplicates(backend, object_type, values, seen)
        plan.append((record, values))
    for record, values in plan:
        if record is None:
            result.results.append(backend.insert(object_type, values))
            result.new.append(True)
        else:
            result.results.append(backend.update(record, values))
            result.new.append(False)
    return result


def batch_archive(backend: ObjectsBackend, object_type: ObjectType, inputs: list[Any]) -> None:
    """Archive records; unknown ids are ignored (HubSpot still answers 204)."""
    for raw_id in _ids(check_inputs(inputs)):
        record = backend.find(object_type, raw_id, follow_merges=False)
        if record is not None:
            backend.archive(record)
