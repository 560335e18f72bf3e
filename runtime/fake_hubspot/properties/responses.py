"""Properties v3: parse requests and serialise HubSpot's answers (contract §4.8).

``GET`` list → 200 ``{"results": [...]}`` (no paging); ``GET`` one → 200; ``POST`` → **201**;
``PATCH`` → 200; ``DELETE`` → 204; batch read → 200 (207); groups list/create.
"""

from __future__ import annotations

from typing import Any

from runtime.fake_hubspot.core.clock import iso_ms
from runtime.fake_hubspot.core.errors import HubSpotError
from runtime.fake_hubspot.core.http import (
    Response,
    field_list,
    json_response,
    no_content,
    object_items,
)
from runtime.fake_hubspot.core.object_types import ObjectType, resolve_object_type
from runtime.fake_hubspot.core.routing import Context


def _type(ctx: Context) -> ObjectType:
    return resolve_object_type(ctx.params["objectType"])


def list_properties(ctx: Context) -> Response:
    """``GET /crm/v3/properties/{objectType}`` (``properties=`` narrows the list)."""
    kind = _type(ctx)
    wanted = ctx.request.query_list("properties")
    found = ctx.portal.properties.definitions(kind, archived=ctx.request.query_bool("archived"))
    if wanted:
        found = [p for p in found if p.name in wanted]
    return json_response(200, {"results": [p.to_api() for p in found]})


def get_property(ctx: Context) -> Response:
    """``GET /crm/v3/properties/{objectType}/{propertyName}``."""
    prop = ctx.portal.properties.get(
        _type(ctx), ctx.params["propertyName"], archived=ctx.request.query_bool("archived")
    )
    return json_response(200, prop.to_api())


def create_property(ctx: Context) -> Response:
    """``POST /crm/v3/properties/{objectType}`` → 201."""
    prop = ctx.portal.properties.create(_type(ctx), ctx.request.json_object())
    return json_response(201, prop.to_api())


def update_property(ctx: Context) -> Response:
    """``PATCH /crm/v3/properties/{objectType}/{propertyName}`` → 200."""
    prop = ctx.portal.properties.update(
        _type(ctx), ctx.params["propertyName"], ctx.request.json_object()
    )
    return json_response(200, prop.to_api())


def archive_property(ctx: Context) -> Response:
    """``DELETE /crm/v3/properties/{objectType}/{propertyName}`` → 204."""
    ctx.portal.properties.archive(_type(ctx), ctx.params["propertyName"])
    return no_content()


def batch_read(ctx: Context) -> Response:
    """``POST /crm/v3/properties/{objectType}/batch/read`` ``{inputs: [{name}]}``."""
    kind = _type(ctx)
    started = ctx.portal.now_ms()
    body = ctx.request.json_object()
    results: list[dict[str, Any]] = []
    missing: list[str] = []
    for item in object_items(field_list(body, "inputs", required=True), "inputs"):
        name = str(item.get("name", ""))
        try:
            results.append(
                ctx.portal.properties.get(kind, name, archived=bool(body.get("archived"))).to_api()
            )
        except HubSpotError:
            missing.append(name)
    data: dict[str, Any] = {"status": "COMPLETE", "results": results}
    if missing:
        data["numErrors"] = 1
        data["errors"] = [
            {
                "status": "error",
                "category": "OBJECT_NOT_FOUND",
                "message": f"Could not find properties: {', '.join(missing)}",
                "context": {"names": missing},
            }
        ]
    data["startedAt"] = iso_ms(started)
    data["completedAt"] = iso_ms(ctx.portal.now_ms())
    return json_response(207 if missing else 200, data)


def list_groups(ctx: Context) -> Response:
    """``GET /crm/v3/properties/{objectType}/groups``."""
    groups = ctx.portal.properties.groups_of(_type(ctx))
    return json_response(200, {"results": [dict(g) for g in groups.values()]})


def create_group(ctx: Context) -> Response:
    """``POST /crm/v3/properties/{objectType}/groups`` → 201."""
    group = ctx.portal.properties.create_group(_type(ctx), ctx.request.json_object())
    return json_response(201, dict(group))


def get_group(ctx: Context) -> Response:
    """``GET /crm/v3/properties/{objectType}/groups/{groupName}``."""
    return json_response(
        200, dict(ctx.portal.properties.get_group(_type(ctx), ctx.params["groupName"]))
    )


def update_group(ctx: Context) -> Response:
    """``PATCH …/groups/{groupName}`` → 200."""
    group = ctx.portal.properties.update_group(
        _type(ctx), ctx.params["groupName"], ctx.request.json_object()
    )
    return json_response(200, dict(group))


def delete_group(ctx: Context) -> Response:
    """``DELETE …/groups/{groupName}`` → 204."""
    ctx.portal.properties.delete_group(_type(ctx), ctx.params["groupName"])
    return no_content()
