"""Association definition configurations (v4): parse requests, serialise answers.

Shapes from HubSpot's Associations v4 schema spec (``PublicAssociationDefinitionUserConfiguration``
``{category, typeId, label, userEnforcedMaxToObjectIds}``; create inputs ``{category, typeId,
maxToObjectIds}``; update results ``{category, typeId, userEnforcedMaxToObjectIds}``): reads
answer 200 ``{"results": [...]}``, batch create 201 (207 with errors), batch update 200 (207),
batch purge 204. The rules are in :mod:`.limits`.
"""

from __future__ import annotations

from typing import Any

from runtime.fake_hubspot.associations import limits
from runtime.fake_hubspot.associations.responses import _each_input, _pair
from runtime.fake_hubspot.associations.types import Spec
from runtime.fake_hubspot.core.errors import ValidationError
from runtime.fake_hubspot.core.http import Response, field_list, json_response, no_content
from runtime.fake_hubspot.core.routing import Context
from runtime.fake_hubspot.crm_objects.batch import check_inputs


def _spec(item: dict[str, Any]) -> Spec:
    category = item.get("category")
    type_id = item.get("typeId")
    if not isinstance(category, str) or not category:
        raise ValidationError(
            "Invalid input JSON: some of required attributes are not set [category]"
        )
    if isinstance(type_id, bool) or not isinstance(type_id, int):
        raise ValidationError("Invalid input JSON: typeId must be an integer")
    return (category, type_id)


def _limit(item: dict[str, Any]) -> int:
    value = item.get("maxToObjectIds")
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(
            "Invalid input JSON: some of required attributes are not set [maxToObjectIds]"
        )
    return value


def list_all(ctx: Context) -> Response:
    """``GET /crm/v4/associations/definitions/configurations/all``."""
    return json_response(200, {"results": limits.all_configurations(ctx.portal.associations)})


def list_pair(ctx: Context) -> Response:
    """``GET /crm/v4/associations/definitions/configurations/{from}/{to}``."""
    a, b = _pair(ctx)
    return json_response(200, {"results": limits.configurations(ctx.portal.associations, a, b)})


def _configure(ctx: Context, *, create: bool) -> Response:
    a, b = _pair(ctx)
    backend = ctx.portal.associations

    def configure(item: dict[str, Any]) -> dict[str, Any]:
        kind = limits.configure(backend, a, b, _spec(item), _limit(item))
        answer = limits.configuration_json(backend, kind)
        if not create:
            answer.pop("label")
        return answer

    return _each_input(ctx, 201 if create else 200, configure)


def batch_create(ctx: Context) -> Response:
    """``POST /crm/v4/associations/definitions/configurations/{from}/{to}/batch/create``."""
    return _configure(ctx, create=True)


def batch_update(ctx: Context) -> Response:
    """``POST /crm/v4/associations/definitions/configurations/{from}/{to}/batch/update``."""
    return _configure(ctx, create=False)


def batch_purge(ctx: Context) -> Response:
    """``POST /crm/v4/associations/definitions/configurations/{from}/{to}/batch/purge`` → 204."""
    a, b = _pair(ctx)
    inputs = check_inputs(field_list(ctx.request.json_object(), "inputs", required=True))
    backend = ctx.portal.associations
    specs = [_spec(item) for item in inputs]
    for spec in specs:
        limits.purge(backend, a, b, spec)
    return no_content()
