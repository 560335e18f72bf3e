"""Associations v3: the older API real actions still call, over the same associations.

Routes (HubSpot's v3 reference, the ``hubspot.crm.associations`` client):

- ``POST /crm/v3/associations/{from}/{to}/batch/read`` → 200 (207 with errors):
  ``{"status", "results": [{"from": {"id"}, "to": [{"id", "type"}]}], "startedAt", ...}``;
- ``POST …/batch/create`` → 201 (207): ``{"results": [{"from": {"id"}, "to": {"id"},
  "type"}]}`` — ``type`` is the association's name (``contact_to_company``) or its type id;
- ``POST …/batch/archive`` → 204;
- ``GET …/types`` → ``{"results": [{"id": "279", "name": "contact_to_company_unlabeled"}]}``;
- the per-object v3 paths: ``GET /crm/v3/objects/{type}/{id}/associations/{toType}`` →
  ``{"results": [{"id", "type"}]}``; ``PUT …/{toId}/{associationType}`` → 200 with the record
  and its associations; ``DELETE …/{toId}/{associationType}`` → 204.

A v3 link is a v4 association of the named type (and its inverse), so v4 reads see it.
"""

from __future__ import annotations

from typing import Any

from runtime.fake_hubspot.associations.models import AssociationType
from runtime.fake_hubspot.associations.responses import (
    MAX_PAGE,
    _batch,
    _each_input,
    _from_to,
    _id,
    _pair,
)
from runtime.fake_hubspot.core.errors import ValidationError
from runtime.fake_hubspot.core.http import (
    Response,
    field_list,
    field_str,
    json_response,
    no_content,
)
from runtime.fake_hubspot.core.object_types import ObjectType
from runtime.fake_hubspot.core.routing import Context
from runtime.fake_hubspot.crm_objects.batch import check_inputs


def _named_type(ctx: Context, a: ObjectType, b: ObjectType, name: str) -> AssociationType:
    """The pair's type by v3 name (``contact_to_company``) or numeric id.

    Raises:
        ValidationError: no such type between the two (wording UNCONFIRMED).
    """
    for kind in ctx.portal.associations.types_between(a, b):
        if kind.name == name or str(kind.type_id) == name:
            return kind
    raise ValidationError(f"{name} is not a valid association type between {a.name} and {b.name}")


def batch_read(ctx: Context) -> Response:
    """``POST /crm/v3/associations/{from}/{to}/batch/read``."""
    a, b = _pair(ctx)
    started = ctx.portal.now_ms()
    inputs = check_inputs(field_list(ctx.request.json_object(), "inputs", required=True))
    backend = ctx.portal.associations
    results: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for item in inputs:
        raw_id = field_str(item, "id", required=True) or ""
        a_id = _id(raw_id, "id")
        linked = backend.v3(a, a_id, b)[:MAX_PAGE]
        if not linked:
            # UNCONFIRMED wording of HubSpot's "nothing associated" batch error.
            errors.append(
                {
                    "status": "error",
                    "category": "OBJECT_NOT_FOUND",
                    "message": f"No {b.singular} is associated with {a.singular} {a_id}.",
                    "context": {"fromObjectId": [raw_id]},
                }
            )
            continue
        results.append({"from": {"id": raw_id}, "to": linked})
    return json_response(207 if errors else 200, _batch(ctx, started, results, errors))


def batch_create(ctx: Context) -> Response:
    """``POST /crm/v3/associations/{from}/{to}/batch/create`` → 201 (207 with errors)."""
    a, b = _pair(ctx)
    backend = ctx.portal.associations

    def create(item: dict[str, Any]) -> dict[str, Any]:
        a_id, b_id = _from_to(item)
        kind = _named_type(ctx, a, b, str(item.get("type") or ""))
        backend.add(a, a_id, b, b_id, [kind.spec()])
        return {"from": {"id": str(a_id)}, "to": {"id": str(b_id)}, "type": kind.name}

    return _each_input(ctx, 201, create)


def batch_archive(ctx: Context) -> Response:
    """``POST /crm/v3/associations/{from}/{to}/batch/archive`` → 204."""
    a, b = _pair(ctx)
    inputs = check_inputs(field_list(ctx.request.json_object(), "inputs", required=True))
    backend = ctx.portal.associations
    for item in inputs:
        a_id, b_id = _from_to(item)
        kind = _named_type(ctx, a, b, str(item.get("type") or ""))
        backend.remove(a, a_id, b, b_id, [kind.spec()])
    return no_content()


def list_types(ctx: Context) -> Response:
    """``GET /crm/v3/associations/{from}/{to}/types``."""
    a, b = _pair(ctx)
    kinds = ctx.portal.associations.types_between(a, b)
    return json_response(200, {"results": [{"id": str(k.type_id), "name": k.name} for k in kinds]})


def list_for_object(ctx: Context) -> Response:
    """``GET /crm/v3/objects/{objectType}/{objectId}/associations/{toObjectType}``."""
    a, b = _pair(ctx, "objectType", "toObjectType")
    record = ctx.portal.objects.resolve(a, ctx.params["objectId"])
    return json_response(200, {"results": ctx.portal.associations.v3(a, record.id, b)})


def create_for_object(ctx: Context) -> Response:
    """``PUT …/associations/{toObjectType}/{toObjectId}/{associationType}`` → 200 + record."""
    from runtime.fake_hubspot.crm_objects.responses import object_json, project

    a, b = _pair(ctx, "objectType", "toObjectType")
    record = ctx.portal.objects.resolve(a, ctx.params["objectId"])
    b_id = _id(ctx.params["toObjectId"], "toObjectId")
    kind = _named_type(ctx, a, b, ctx.params["associationType"])
    ctx.portal.associations.add(a, record.id, b, b_id, [kind.spec()])
    shown = project(ctx, record, [], a.default_properties)
    body = object_json(ctx, record, shown, associations=[b.name])
    return json_response(200, body)


def delete_for_object(ctx: Context) -> Response:
    """``DELETE …/associations/{toObjectType}/{toObjectId}/{associationType}`` → 204."""
    a, b = _pair(ctx, "objectType", "toObjectType")
    record = ctx.portal.objects.resolve(a, ctx.params["objectId"])
    b_id = _id(ctx.params["toObjectId"], "toObjectId")
    kind = _named_type(ctx, a, b, ctx.params["associationType"])
    ctx.portal.associations.remove(a, record.id, b, b_id, [kind.spec()])
    return no_content()
