"""CRM v3 objects: parse requests, call the backend, serialise HubSpot's answers (contract §4).

Success codes are exact (contract fact 1): create 201, batch create 201 (207 with errors),
archive / batch archive / gdpr-delete 204, everything else 200 (batch read/update/upsert 207
with errors). The Python client returns ``None`` and the Node client throws on any other code.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from runtime.fake_hubspot.core.clock import iso_ms
from runtime.fake_hubspot.core.errors import ResourceNotFound
from runtime.fake_hubspot.core.http import (
    Response,
    field_list,
    field_object,
    field_str,
    json_response,
    no_content,
)
from runtime.fake_hubspot.core.object_types import ObjectType, find_object_type, resolve_object_type
from runtime.fake_hubspot.core.routing import Context
from runtime.fake_hubspot.crm_objects import batch as batch_ops
from runtime.fake_hubspot.crm_objects.record import Record
from runtime.fake_hubspot.crm_objects.search import search as run_search

MAX_PAGE = 100  # contract §4.2: up to 100 records per page


def _type(ctx: Context) -> ObjectType:
    return resolve_object_type(ctx.params["objectType"])


# -- serialisation ------------------------------------------------------------------------


def project(
    ctx: Context, record: Record, requested: list[str] | None, defaults: tuple[str, ...]
) -> dict[str, str | None]:
    """The ``properties`` of a GET/search answer (contract §4.6).

    Requested but undefined properties are left out; defined but unset ones are ``null``;
    ``createdate``, the last-modified property and ``hs_object_id`` always come back.
    """
    kind = record.object_type
    names = list(requested) if requested is not None else list(defaults)
    names.extend(kind.modified_and_created())
    props = ctx.portal.properties
    out: dict[str, str | None] = {}
    for name in names:
        if name in out:
            continue
        if props.find(kind, name) is None:
            continue
        out[name] = record.value(name)
    return dict(sorted(out.items()))


def object_json(
    ctx: Context,
    record: Record,
    properties: dict[str, str | None] | dict[str, str],
    *,
    history: list[str] | None = None,
    associations: list[str] | None = None,
) -> dict[str, Any]:
    """A ``SimplePublicObject`` (``…WithAssociations`` when asked), keys in HubSpot's order."""
    data: dict[str, Any] = {
        "id": str(record.id),
        "properties": properties,
        "createdAt": iso_ms(record.created_at),
        "updatedAt": iso_ms(record.updated_at),
        "archived": record.archived,
    }
    if record.archived_at is not None:
        data["archivedAt"] = iso_ms(record.archived_at)
    if history:
        defined = [h for h in history if ctx.portal.properties.find(record.object_type, h)]
        data["propertiesWithHistory"] = {h: record.history_of(h) for h in defined}
    if associations:
        linked: dict[str, Any] = {}
        for name in associations:
            target = find_object_type(name)
            if target is None:
                continue
            results = ctx.portal.associations.v3(record.object_type, record.id, target)
            if results:
                linked[target.name] = {"results": results}
        if linked:
            data["associations"] = linked
    return data


def full_json(ctx: Context, record: Record) -> dict[str, Any]:
    """A create/update answer: every property the record has (contract §4.6)."""
    return object_json(ctx, record, record.all_values())


def _batch_json(
    ctx: Context, result: batch_ops.BatchResult, items: list[dict[str, Any]]
) -> dict[str, Any]:
    data: dict[str, Any] = {"status": "COMPLETE", "results": items}
    if result.errors:
        data["numErrors"] = len(result.errors)
        data["errors"] = result.errors
    data["startedAt"] = iso_ms(result.started_at)
    data["completedAt"] = iso_ms(ctx.portal.now_ms())
    return data


# -- single records ---------------------------------------------------------------------


def list_objects(ctx: Context) -> Response:
    """``GET /crm/v3/objects/{objectType}``."""
    kind = _type(ctx)
    req = ctx.request
    limit = req.query_int("limit", 10, maximum=MAX_PAGE)
    after = req.query_str("after")
    page, next_after = ctx.portal.objects.list_page(
        kind, limit=limit, after=after, archived=req.query_bool("archived")
    )
    requested = req.query_list("properties")
    history = req.query_list("propertiesWithHistory")
    assoc = req.query_list("associations")
    results = [
        object_json(
            ctx,
            r,
            project(ctx, r, requested, kind.default_properties),
            history=history,
            associations=assoc,
        )
        for r in page
    ]
    data: dict[str, Any] = {"results": results}
    if next_after is not None:
        query = urlencode({"limit": limit, "after": next_after})
        link = f"{req.base_url()}/crm/v3/objects/{ctx.raw_params['objectType']}?{query}"
        data["paging"] = {"next": {"after": next_after, "link": link}}
    return json_response(200, data)


def get_object(ctx: Context) -> Response:
    """``GET /crm/v3/objects/{objectType}/{objectId}``."""
    kind = _type(ctx)
    req = ctx.request
    record = ctx.portal.objects.resolve(
        kind,
        ctx.params["objectId"],
        id_property=req.query_str("idProperty"),
        archived=req.query_bool("archived"),
        raw_segment=ctx.raw_params["objectId"],
    )
    props = project(ctx, record, req.query_list("properties"), kind.default_properties)
    return json_response(
        200,
        object_json(
            ctx,
            record,
            props,
            history=req.query_list("propertiesWithHistory"),
            associations=req.query_list("associations"),
        ),
    )


def create_object(ctx: Context) -> Response:
    """``POST /crm/v3/objects/{objectType}`` → 201 with every property."""
    kind = _type(ctx)
    body = ctx.request.json_object()
    raw = field_object(body, "properties", required=True)
    objects = ctx.portal.objects
    values = objects.normalise(kind, raw)
    objects.check_unique(kind, values, None)
    links = ctx.portal.associations.parse_inline(kind, body.get("associations"))
    record = objects.create(kind, raw, values=values)
    ctx.portal.associations.create_inline(kind, record.id, links)
    return json_response(201, full_json(ctx, record))


def update_object(ctx: Context) -> Response:
    """``PATCH /crm/v3/objects/{objectType}/{objectId}`` (merged-away ids are followed)."""
    kind = _type(ctx)
    body = ctx.request.json_object()
    raw = field_object(body, "properties", required=True)
    objects = ctx.portal.objects
    record = objects.resolve(
        kind,
        ctx.params["objectId"],
        id_property=ctx.request.query_str("idProperty"),
        raw_segment=ctx.raw_params["objectId"],
    )
    objects.update(record, objects.normalise(kind, raw))
    return json_response(200, full_json(ctx, record))


def archive_object(ctx: Context) -> Response:
    """``DELETE /crm/v3/objects/{objectType}/{objectId}`` → 204 (unknown ids too)."""
    kind = _type(ctx)
    record = ctx.portal.objects.find(kind, ctx.params["objectId"])
    if record is not None:
        ctx.portal.objects.archive(record)
    return no_content()


# -- batch ------------------------------------------------------------------------------


def batch_read(ctx: Context) -> Response:
    """``POST …/batch/read`` → 200, or 207 listing unknown ids."""
    kind = _type(ctx)
    body = ctx.request.json_object()
    result = batch_ops.batch_read(
        ctx.portal.objects,
        kind,
        field_list(body, "inputs", required=True),
        id_property=field_str(body, "idProperty"),
        archived=ctx.request.query_bool("archived"),
    )
    requested = [str(p) for p in field_list(body, "properties")] or None
    history = [str(p) for p in field_list(body, "propertiesWithHistory")] or None
    items = [
        object_json(ctx, r, project(ctx, r, requested, kind.default_properties), history=history)
        for r in result.results
    ]
    return json_response(207 if result.errors else 200, _batch_json(ctx, result, items))


def batch_create(ctx: Context) -> Response:
    """``POST …/batch/create`` → 201, or 207 when traced inputs failed."""
    kind = _type(ctx)
    body = ctx.request.json_object()
    result = batch_ops.batch_create(
        ctx.portal.objects, kind, field_list(body, "inputs", required=True)
    )
    items = [full_json(ctx, r) for r in result.results]
    return json_response(207 if result.errors else 201, _batch_json(ctx, result, items))


def batch_update(ctx: Context) -> Response:
    """``POST …/batch/update`` → 200, or 207 listing unknown ids."""
    kind = _type(ctx)
    body = ctx.request.json_object()
    result = batch_ops.batch_update(
        ctx.portal.objects, kind, field_list(body, "inputs", required=True)
    )
    items = [full_json(ctx, r) for r in result.results]
    return json_response(207 if result.errors else 200, _batch_json(ctx, result, items))


def batch_upsert(ctx: Context) -> Response:
    """``POST …/batch/upsert`` → 200; each result carries ``new``."""
    kind = _type(ctx)
    body = ctx.request.json_object()
    result = batch_ops.batch_upsert(
        ctx.portal.objects, kind, field_list(body, "inputs", required=True)
    )
    items = [
        full_json(ctx, r) | {"new": new} for r, new in zip(result.results, result.new, strict=True)
    ]
    return json_response(200, _batch_json(ctx, result, items))


def batch_archive(ctx: Context) -> Response:
    """``POST …/batch/archive`` → 204."""
    kind = _type(ctx)
    body = ctx.request.json_object()
    batch_ops.batch_archive(ctx.portal.objects, kind, field_list(body, "inputs", required=True))
    return no_content()


# -- search, merge, GDPR ------------------------------------------------------------------


def search(ctx: Context) -> Response:
    """``POST …/search`` (no rate-limit headers on the answer, contract §3.3)."""
    kind = _type(ctx)
    body = ctx.request.json_object() if ctx.request.body.strip() else {}
    page = run_search(ctx.portal.objects, kind, body)
    results = [
        object_json(ctx, r, project(ctx, r, page.properties, kind.search_properties))
        for r in page.results
    ]
    data: dict[str, Any] = {"total": page.total, "results": results}
    if page.next_after is not None:
        data["paging"] = {"next": {"after": page.next_after, "link": f"?after={page.next_after}"}}
    return json_response(200, data)


def merge(ctx: Context) -> Response:
    """``POST …/merge`` → 200 with the surviving record."""
    kind = _type(ctx)
    body = ctx.request.json_object()
    primary = field_str(body, "primaryObjectId", required=True)
    other = field_str(body, "objectIdToMerge", required=True)
    assert primary is not None and other is not None
    record = ctx.portal.objects.merge(kind, primary, other)
    return json_response(200, full_json(ctx, record))


def gdpr_delete(ctx: Context) -> Response:
    """``POST /crm/v3/objects/contacts/gdpr-delete`` → 204 (contacts only)."""
    kind = _type(ctx)
    if kind.name != "contacts":
        raise ResourceNotFound()
    body = ctx.request.json_object()
    object_id = field_str(body, "objectId", required=True)
    assert object_id is not None
    ctx.portal.objects.gdpr_delete(kind, object_id, field_str(body, "idProperty"))
    return no_content()
