"""Lists v3: create, read, delete, search, memberships add / remove / add-and-remove / read.

Answers as the ``hubspot.crm.lists`` client maps them: create and get ``{"list": {...}}`` (200),
search ``{"lists", "total", "offset", "hasMore"}``, membership changes
``{"recordsIdsAdded", "recordIdsRemoved", "recordIdsMissing"}`` (HubSpot's spelling of the
first), memberships ``{"results": [{"recordId", "membershipTimestamp"}], "total"}``.
"""

from __future__ import annotations

from typing import Any

from runtime.fake_hubspot.core.clock import iso_ms
from runtime.fake_hubspot.core.errors import ValidationError
from runtime.fake_hubspot.core.http import Response, json_response, no_content
from runtime.fake_hubspot.core.routing import Context
from runtime.fake_hubspot.lists.models import ListsBackend


def _lists(ctx: Context) -> ListsBackend:
    return ctx.portal.backend(ListsBackend)


def _ids(data: Any, what: str) -> list[str]:
    if not isinstance(data, list) or not all(isinstance(v, str | int) for v in data):
        raise ValidationError(f"Invalid input JSON: {what} must be an array of record ids")
    return [str(v) for v in data]


def create_list(ctx: Context) -> Response:
    created = _lists(ctx).create(ctx.request.json_object())
    return json_response(200, {"list": created.to_api()})


def get_list(ctx: Context) -> Response:
    return json_response(200, {"list": _lists(ctx).get(ctx.params["listId"]).to_api()})


def delete_list(ctx: Context) -> Response:
    _lists(ctx).delete(ctx.params["listId"])
    return no_content()


def search_lists(ctx: Context) -> Response:
    body = ctx.request.json_object()
    query = str(body.get("query") or "").lower()
    types = body.get("processingTypes") or []
    wanted_ids = {str(i) for i in body.get("listIds") or []}
    offset = int(body.get("offset") or 0)
    count = min(int(body.get("count") or 20), 500)
    found = [
        _search_result(x.to_api())
        for x in sorted(_lists(ctx).lists.values(), key=lambda x: x.list_id)
        if query in x.name.lower()
        and (not types or x.processing_type in types)
        and (not wanted_ids or str(x.list_id) in wanted_ids)
    ]
    page = found[offset : offset + count]
    return json_response(
        200,
        {
            "lists": page,
            "total": len(found),
            "offset": offset + len(page),
            "hasMore": offset + len(page) < len(found),
        },
    )


def _search_result(data: dict[str, Any]) -> dict[str, Any]:
    # ``PublicObjectListSearchResult``: the size travels as ``additionalProperties.hs_list_size``.
    size = data.pop("size")
    data.pop("filterBranch", None)
    data["additionalProperties"] = {"hs_list_size": str(size)}
    return data


def _change_answer(added: list[str], removed: list[str], missing: list[str]) -> dict[str, Any]:
    return {"recordsIdsAdded": added, "recordIdsRemoved": removed, "recordIdsMissing": missing}


def add_members(ctx: Context) -> Response:
    ids = _ids(ctx.request.json(), "the body")
    return json_response(200, _change_answer(*_lists(ctx).change(ctx.params["listId"], ids, [])))


def remove_members(ctx: Context) -> Response:
    ids = _ids(ctx.request.json(), "the body")
    return json_response(200, _change_answer(*_lists(ctx).change(ctx.params["listId"], [], ids)))


def add_and_remove(ctx: Context) -> Response:
    body = ctx.request.json_object()
    add = _ids(body.get("recordIdsToAdd", []), "recordIdsToAdd")
    remove = _ids(body.get("recordIdsToRemove", []), "recordIdsToRemove")
    return json_response(
        200, _change_answer(*_lists(ctx).change(ctx.params["listId"], add, remove))
    )


def memberships(ctx: Context) -> Response:
    target = _lists(ctx).get(ctx.params["listId"])
    results = [
        {"recordId": str(record_id), "membershipTimestamp": iso_ms(added)}
        for record_id, added in sorted(target.members.items())
    ]
    return json_response(200, {"results": results, "total": len(results)})
