"""Associations v4: parse requests and serialise HubSpot's answers (contract §4.7).

Note the codes: the labelled ``PUT`` answers **201**, the default ``PUT`` **200** (the Node
client throws on the other one); batch create 201 (207), batch default 200, batch read 200
(207), deletes and batch archives 204.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from runtime.fake_hubspot.associations.models import AssociationType, Spec
from runtime.fake_hubspot.core.clock import iso_ms
from runtime.fake_hubspot.core.errors import HubSpotError, ValidationError
from runtime.fake_hubspot.core.http import (
    Response,
    field_list,
    field_str,
    json_response,
    no_content,
    object_items,
)
from runtime.fake_hubspot.core.object_types import ObjectType, resolve_object_type
from runtime.fake_hubspot.core.routing import Context
from runtime.fake_hubspot.crm_objects.batch import check_inputs

MAX_PAGE = 500  # contract §4.7: default and maximum page size


def _id(value: str, what: str) -> int:
    if not value.isdigit() or len(value) > 19:
        raise ValidationError(f"Invalid {what}: '{value}' is not a numeric id")
    return int(value)


def _pair(
    ctx: Context, a: str = "fromObjectType", b: str = "toObjectType"
) -> tuple[ObjectType, ObjectType]:
    return resolve_object_type(ctx.params[a]), resolve_object_type(ctx.params[b])


def _labels_json(
    a: ObjectType, a_id: int, b: ObjectType, b_id: int, labels: list[str]
) -> dict[str, Any]:
    return {
        "fromObjectTypeId": a.type_id,
        "fromObjectId": a_id,
        "toObjectTypeId": b.type_id,
        "toObjectId": b_id,
        "labels": labels,
    }


def _types_json(kinds: list[AssociationType]) -> list[dict[str, Any]]:
    return [k.to_api() for k in kinds]


def _batch(
    ctx: Context, started: int, results: list[dict[str, Any]], errors: list[dict[str, Any]]
) -> dict[str, Any]:
    data: dict[str, Any] = {"status": "COMPLETE", "results": results}
    if errors:
        data["numErrors"] = len(errors)
        data["errors"] = errors
    data["startedAt"] = iso_ms(started)
    data["completedAt"] = iso_ms(ctx.portal.now_ms())
    return data


def _each_input(
    ctx: Context, ok: int, answer: Callable[[dict[str, Any]], dict[str, Any]]
) -> Response:
    """A batch's answer: each input's result from ``answer``, or the HubSpot error it raised
    as that input's error entry (207 when there is one, else ``ok``)."""
    started = ctx.portal.now_ms()
    inputs = check_inputs(field_list(ctx.request.json_object(), "inputs", required=True))
    results: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for item in inputs:
        try:
            results.append(answer(item))
        except HubSpotError as exc:
            errors.append(exc.standard_error())
    return json_response(207 if errors else ok, _batch(ctx, started, results, errors))


def _spec_json(spec: Spec) -> dict[str, Any]:
    return {"associationCategory": spec[0], "associationTypeId": spec[1]}


# -- one pair ---------------------------------------------------------------------------


def create_labelled(ctx: Context) -> Response:
    """``PUT /crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}/{toObjectId}``."""
    a, b = _pair(ctx, "objectType", "toObjectType")
    a_id = _id(ctx.params["objectId"], "objectId")
    b_id = _id(ctx.params["toObjectId"], "toObjectId")
    raw = ctx.request.json()
    if not isinstance(raw, list):
        raise ValidationError("Invalid input JSON: expected an array of association specs")
    backend = ctx.portal.associations
    specs = backend.parse_specs(a, b, raw)
    labels = backend.add(a, a_id, b, b_id, specs)
    return json_response(201, _labels_json(a, a_id, b, b_id, labels))


def create_default(ctx: Context) -> Response:
    """``PUT /crm/v4/objects/{from}/{fromId}/associations/default/{to}/{toId}`` → 200."""
    a, b = _pair(ctx)
    a_id = _id(ctx.params["fromObjectId"], "fromObjectId")
    b_id = _id(ctx.params["toObjectId"], "toObjectId")
    started = ctx.portal.now_ms()
    spec = ctx.portal.associations.add_default(a, a_id, b, b_id)
    result = {
        "from": {"id": str(a_id)},
        "to": {"id": str(b_id)},
        "associationSpec": _spec_json(spec),
    }
    return json_response(200, _batch(ctx, started, [result], []))


def list_associations(ctx: Context) -> Response:
    """``GET /crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}``."""
    a, b = _pair(ctx, "objectType", "toObjectType")
    a_id = _id(ctx.params["objectId"], "objectId")
    after_text = ctx.request.query_str("after") or "0"
    if not after_text.isdigit():
        raise ValidationError(f"Invalid 'after' value: {after_text}")
    limit = ctx.request.query_int("limit", MAX_PAGE, maximum=MAX_PAGE)
    rows, next_after = ctx.portal.associations.page(a, a_id, b, after=int(after_text), limit=limit)
    data: dict[str, Any] = {
        "results": [
            {"toObjectId": to_id, "associationTypes": _types_json(kinds)} for to_id, kinds in rows
        ]
    }
    if next_after is not None:
        link = (
            f"{ctx.request.base_url()}/crm/v4/objects/{ctx.raw_params['objectType']}/{a_id}"
            f"/associations/{ctx.raw_params['toObjectType']}?after={next_after}&limit={limit}"
        )
        data["paging"] = {"next": {"after": str(next_after), "link": link}}
    return json_response(200, data)


def delete_pair(ctx: Context) -> Response:
    """``DELETE …/associations/{toObjectType}/{toObjectId}`` → 204 (every type between them)."""
    a, b = _pair(ctx, "objectType", "toObjectType")
    a_id = _id(ctx.params["objectId"], "objectId")
    b_id = _id(ctx.params["toObjectId"], "toObjectId")
    ctx.portal.associations.remove(a, a_id, b, b_id)
    return no_content()


# -- batch ------------------------------------------------------------------------------


def _from_to(item: dict[str, Any]) -> tuple[int, int]:
    source, target = item.get("from"), item.get("to")
    if not isinstance(source, dict) or not isinstance(target, dict):
        raise ValidationError(
            "Invalid input JSON: each input needs 'from': {'id'} and 'to': {'id'}"
        )
    return _id(str(source.get("id", "")), "from.id"), _id(str(target.get("id", "")), "to.id")


def batch_create(ctx: Context) -> Response:
    """``POST /crm/v4/associations/{from}/{to}/batch/create`` → 201 (207 with errors)."""
    a, b = _pair(ctx)
    started = ctx.portal.now_ms()
    inputs = check_inputs(field_list(ctx.request.json_object(), "inputs", required=True))
    backend = ctx.portal.associations
    results: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for item in inputs:
        a_id, b_id = _from_to(item)
        try:
            specs = backend.parse_specs(a, b, field_list(item, "types", required=True))
            labels = backend.add(a, a_id, b, b_id, specs)
        except HubSpotError as exc:
            errors.append(exc.standard_error())
            continue
        results.append(_labels_json(a, a_id, b, b_id, labels))
    return json_response(207 if errors else 201, _batch(ctx, started, results, errors))


def batch_default(ctx: Context) -> Response:
    """``POST …/batch/associate/default`` → 200 (207 with errors)."""
    a, b = _pair(ctx)
    started = ctx.portal.now_ms()
    inputs = check_inputs(field_list(ctx.request.json_object(), "inputs", required=True))
    results: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for item in inputs:
        a_id, b_id = _from_to(item)
        try:
            spec = ctx.portal.associations.add_default(a, a_id, b, b_id)
        except HubSpotError as exc:
            errors.append(exc.standard_error())
            continue
        results.append(
            {
                "from": {"id": str(a_id)},
                "to": {"id": str(b_id)},
                "associationSpec": _spec_json(spec),
            }
        )
    return json_response(207 if errors else 200, _batch(ctx, started, results, errors))


def batch_read(ctx: Context) -> Response:
    """``POST …/batch/read`` → 200, or 207 for records with nothing associated."""
    a, b = _pair(ctx)
    started = ctx.portal.now_ms()
    inputs = check_inputs(field_list(ctx.request.json_object(), "inputs", required=True))
    backend = ctx.portal.associations
    results: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for item in inputs:
        raw_id = field_str(item, "id", required=True) or ""
        a_id = _id(raw_id, "id")
        rows, _ = backend.page(a, a_id, b, after=0, limit=MAX_PAGE)
        if not rows:
            # UNCONFIRMED wording of HubSpot's "nothing associated" batch error.
            errors.append(
                {
                    "status": "error",
                    "category": "OBJECT_NOT_FOUND",
                    "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
                    "message": f"No {b.singular} is associated with {a.singular} {a_id}.",
                    "context": {"fromObjectId": [raw_id]},
                }
            )
            continue
        results.append(
            {
                "from": {"id": raw_id},
                "to": [
                    {"toObjectId": to_id, "associationTypes": _types_json(kinds)}
                    for to_id, kinds in rows
                ],
            }
        )
    return json_response(207 if errors else 200, _batch(ctx, started, results, errors))


def batch_archive(ctx: Context) -> Response:
    """``POST …/batch/archive`` ``{inputs: [{from: {id}, to: [{id}]}]}`` → 204."""
    a, b = _pair(ctx)
    inputs = check_inputs(field_list(ctx.request.json_object(), "inputs", required=True))
    for item in inputs:
        source = item.get("from")
        if not isinstance(source, dict):
            raise ValidationError("Invalid input JSON: each input needs 'from': {'id'}")
        a_id = _id(str(source.get("id", "")), "from.id")
        for target in object_items(field_list(item, "to", required=True), "to"):
            ctx.portal.associations.remove(a, a_id, b, _id(str(target.get("id", "")), "to.id"))
    return no_content()


def batch_archive_labels(ctx: Context) -> Response:
    """``POST …/batch/labels/archive`` ``{inputs: [{from, to, types}]}`` → 204."""
    a, b = _pair(ctx)
    inputs = check_inputs(field_list(ctx.request.json_object(), "inputs", required=True))
    backend = ctx.portal.associations
    for item in inputs:
        a_id, b_id = _from_to(item)
        specs = backend.parse_specs(a, b, field_list(item, "types", required=True))
        backend.remove(a, a_id, b, b_id, specs)
    return no_content()


# -- labels -------------------------------------------------------------------------------


def list_labels(ctx: Context) -> Response:
    """``GET /crm/v4/associations/{from}/{to}/labels``."""
    a, b = _pair(ctx)
    return json_response(200, {"results": _types_json(ctx.portal.associations.types_between(a, b))})


def create_label(ctx: Context) -> Response:
    """``POST /crm/v4/associations/{from}/{to}/labels`` → 200 with the new types."""
    a, b = _pair(ctx)
    body = ctx.request.json_object()
    label = field_str(body, "label", required=True) or ""
    created = ctx.portal.associations.create_label(a, b, label, field_str(body, "inverseLabel"))
    return json_response(200, {"results": _types_json(created)})


def update_label(ctx: Context) -> Response:
    """``PUT /crm/v4/associations/{from}/{to}/labels`` → 204."""
    a, b = _pair(ctx)
    body = ctx.request.json_object()
    type_id = field_str(body, "associationTypeId", required=True) or ""
    label = field_str(body, "label", required=True) or ""
    ctx.portal.associations.update_label(a, b, _id(type_id, "associationTypeId"), label)
    return no_content()


def delete_label(ctx: Context) -> Response:
    """``DELETE /crm/v4/associations/{from}/{to}/labels/{associationTypeId}`` → 204."""
    a, b = _pair(ctx)
    ctx.portal.associations.delete_label(
        a, b, _id(ctx.params["associationTypeId"], "associationTypeId")
    )
    return no_content()
