"""Legacy engagements v1, mapped onto the same activity records as the v3 object APIs.

``POST /engagements/v1/engagements`` with ``{"engagement": {"type": "NOTE", "timestamp",
"ownerId", "active"}, "associations": {"contactIds", "companyIds", "dealIds", "ticketIds"},
"metadata": {...}}`` answers 200 with the engagement (``engagement.id``, ``portalId``,
``createdAt``, ``lastUpdated``, ...), its associations and metadata, as the legacy reference
shows; ``GET /engagements/v1/engagements/{id}`` reads one back. The record is a note, task,
call, email or meeting of the v3 APIs (``metadata`` fields become their ``hs_…`` properties;
associations use HubSpot's engagement association types), so either API sees it.

``GET /engagements/v1/engagements/paged?limit=&offset=`` lists them oldest first
(``{"results", "hasMore", "offset"}``, ``limit`` up to 250 as the legacy reference caps it;
``offset`` is the last id returned, UNCONFIRMED: HubSpot calls it opaque).
``PATCH /engagements/v1/engagements/{id}`` changes only the ``engagement`` and ``metadata``
fields it names; ``PUT`` replaces them (a metadata field left out is cleared). Both answer 200
with the engagement; associations are kept (the legacy API changes them with its associate
endpoint, not emulated). ``DELETE`` answers 204 and archives the record, as a v3 DELETE does.
"""

from __future__ import annotations

from typing import Any

from runtime.fake_hubspot.core.errors import ValidationError
from runtime.fake_hubspot.core.http import Response, field_object, json_response, no_content
from runtime.fake_hubspot.core.object_types import ObjectType, resolve_object_type
from runtime.fake_hubspot.core.routing import Context
from runtime.fake_hubspot.crm_objects.record import Record

#: v1 type → (v3 type, metadata field → property).
MAPPING: dict[str, tuple[str, dict[str, str]]] = {
    "NOTE": ("notes", {"body": "hs_note_body"}),
    "TASK": (
        "tasks",
        {
            "subject": "hs_task_subject",
            "body": "hs_task_body",
            "status": "hs_task_status",
            "taskType": "hs_task_type",
        },
    ),
    "CALL": (
        "calls",
        {
            "title": "hs_call_title",
            "body": "hs_call_body",
            "durationMilliseconds": "hs_call_duration",
            "status": "hs_call_status",
            "toNumber": "hs_call_to_number",
            "fromNumber": "hs_call_from_number",
            "recordingUrl": "hs_call_recording_url",
            "disposition": "hs_call_disposition",
        },
    ),
    "EMAIL": (
        "emails",
        {"subject": "hs_email_subject", "text": "hs_email_text", "html": "hs_email_html"},
    ),
    "MEETING": (
        "meetings",
        {
            "title": "hs_meeting_title",
            "body": "hs_meeting_body",
            "startTime": "hs_meeting_start_time",
            "endTime": "hs_meeting_end_time",
            "internalMeetingNotes": "hs_internal_meeting_notes",
        },
    ),
}
#: v1 association keys → v3 record types.
ASSOCIATIONS = {
    "contactIds": "contacts",
    "companyIds": "companies",
    "dealIds": "deals",
    "ticketIds": "tickets",
}


def _ids(value: Any, key: str) -> list[int]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(
        str(v).isdigit() and len(str(v)) <= 19 for v in value
    ):
        raise ValidationError(f"Invalid input JSON: associations.{key} must be an array of ids")
    return [int(v) for v in value]


def create_engagement(ctx: Context) -> Response:
    """``POST /engagements/v1/engagements`` → 200 with the engagement."""
    body = ctx.request.json_object()
    engagement = field_object(body, "engagement", required=True)
    kind_name = str(engagement.get("type") or "").upper()
    if kind_name not in MAPPING:
        raise ValidationError(
            f"Invalid engagement type {kind_name or None!r}: one of {', '.join(MAPPING)}"
        )
    type_name, fields = MAPPING[kind_name]
    kind = resolve_object_type(type_name)
    metadata = field_object(body, "metadata")
    # HubSpot's own wording for a missing metadata object (hubspot-php#362).
    if not metadata and "metadata" not in body:
        raise ValidationError("metadata cannot be null")
    props: dict[str, Any] = {fields[k]: v for k, v in metadata.items() if k in fields}
    timestamp = engagement.get("timestamp") or ctx.portal.now_ms()
    props["hs_timestamp"] = str(timestamp)
    if engagement.get("ownerId") is not None:
        props["hubspot_owner_id"] = str(engagement["ownerId"])
    links = field_object(body, "associations")
    targets = [
        (resolve_object_type(ASSOCIATIONS[key]), _ids(links.get(key), key)) for key in ASSOCIATIONS
    ]
    objects, associations = ctx.portal.objects, ctx.portal.associations
    values = objects.normalise(kind, props)
    for to_type, ids in targets:
        for to_id in ids:
            associations._require(to_type, to_id)
    record = objects.create(kind, props, values=values)
    for to_type, ids in targets:
        for to_id in ids:
            associations.add_default(kind, record.id, to_type, to_id)
    return json_response(200, _answer(ctx, kind_name, kind, record))


def _find(ctx: Context) -> tuple[str, ObjectType, Record]:
    raw = ctx.params["engagementId"]
    for kind_name, (type_name, _) in MAPPING.items():
        kind = resolve_object_type(type_name)
        record = ctx.portal.objects.find(kind, raw)
        if record is not None:
            return kind_name, kind, record
    ctx.portal.objects.resolve(resolve_object_type("notes"), raw)  # HubSpot's 404
    raise AssertionError("resolve raises for an unknown id")  # pragma: no cover


def get_engagement(ctx: Context) -> Response:
    """``GET /engagements/v1/engagements/{engagementId}``."""
    kind_name, kind, record = _find(ctx)
    return json_response(200, _answer(ctx, kind_name, kind, record))


#: The legacy reference's page cap for ``/paged``.
MAX_PAGE = 250


def list_engagements(ctx: Context) -> Response:
    """``GET /engagements/v1/engagements/paged`` → ``{"results", "hasMore", "offset"}``."""
    limit = ctx.request.query_int("limit", 100, maximum=MAX_PAGE)
    offset_text = ctx.request.query_str("offset") or "0"
    if not offset_text.isdigit() or len(offset_text) > 19:
        raise ValidationError(f"Unable to parse the value of 'offset' as an integer: {offset_text}")
    offset = int(offset_text)
    found: list[tuple[int, str, ObjectType, Record]] = []
    for kind_name, (type_name, _) in MAPPING.items():
        kind = resolve_object_type(type_name)
        page, _after = ctx.portal.objects.list_page(
            kind, limit=limit + 1, after=str(offset + 1), archived=False
        )
        found.extend((r.id, kind_name, kind, r) for r in page)
    found.sort(key=lambda item: item[0])
    page_items = found[:limit]
    results = [_answer(ctx, name, kind, record) for _, name, kind, record in page_items]
    last = page_items[-1][0] if page_items else offset
    return json_response(200, {"results": results, "hasMore": len(found) > limit, "offset": last})


def _update(ctx: Context, *, replace: bool) -> Response:
    kind_name, kind, record = _find(ctx)
    body = ctx.request.json_object()
    engagement = field_object(body, "engagement")
    given = engagement.get("type")
    if given is not None and str(given).upper() != kind_name:
        # UNCONFIRMED wording: the type of an engagement cannot change.
        raise ValidationError(f"An engagement's type cannot change ({kind_name} to {given})")
    fields = MAPPING[kind_name][1]
    metadata = field_object(body, "metadata")
    props: dict[str, Any] = {fields[k]: v for k, v in metadata.items() if k in fields}
    if replace:
        props = {prop: props.get(prop) for prop in fields.values()} | props
    if "timestamp" in engagement:
        props["hs_timestamp"] = str(engagement["timestamp"] or ctx.portal.now_ms())
    if "ownerId" in engagement or replace:
        owner = engagement.get("ownerId")
        props["hubspot_owner_id"] = None if owner is None else str(owner)
    objects = ctx.portal.objects
    objects.update(record, objects.normalise(kind, props))
    return json_response(200, _answer(ctx, kind_name, kind, record))


def patch_engagement(ctx: Context) -> Response:
    """``PATCH /engagements/v1/engagements/{engagementId}``: the named fields change."""
    return _update(ctx, replace=False)


def put_engagement(ctx: Context) -> Response:
    """``PUT /engagements/v1/engagements/{engagementId}``: the engagement is replaced."""
    return _update(ctx, replace=True)


def delete_engagement(ctx: Context) -> Response:
    """``DELETE /engagements/v1/engagements/{engagementId}`` → 204 (the record archived)."""
    _, _, record = _find(ctx)
    ctx.portal.objects.archive(record)
    return no_content()


def _answer(ctx: Context, kind_name: str, kind: ObjectType, record: Record) -> dict[str, Any]:
    fields = MAPPING[kind_name][1]
    metadata = {
        field: record.properties[prop]
        for field, prop in fields.items()
        if prop in record.properties
    }
    linked = {
        key: [int(i) for i in ctx.portal.associated(kind.name, record.id, type_name)]
        for key, type_name in ASSOCIATIONS.items()
    }
    owner = record.properties.get("hubspot_owner_id")
    engagement: dict[str, Any] = {
        "id": record.id,
        "portalId": ctx.portal.portal_id,
        "active": True,
        "createdAt": record.created_at,
        "lastUpdated": record.updated_at,
        "type": kind_name,
        "timestamp": _epoch_ms(record.value("hs_timestamp")),
    }
    if owner:
        engagement["ownerId"] = int(owner)
    return {
        "engagement": engagement,
        "associations": linked,
        "attachments": [],
        "metadata": metadata,
    }


def _epoch_ms(value: str | None) -> int | None:
    from runtime.fake_hubspot.core.clock import parse_instant

    return None if value is None else parse_instant(value)
