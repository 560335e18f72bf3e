"""Pipelines v3, read-only: ``GET /crm/v3/pipelines/{objectType}`` and below.

Every portal has HubSpot's default pipelines (the same values the ``pipeline`` /
``dealstage`` and ``hs_pipeline`` / ``hs_pipeline_stage`` properties accept): deals' "Sales
Pipeline" (id ``default``; stages ``appointmentscheduled`` 20 % … ``closedwon`` 100 %,
``closedlost`` 0 %, the closed ones with ``isClosed``) and tickets' "Support Pipeline" (id
``0``; stages ``1`` New, ``2`` Waiting on contact, ``3`` Waiting on us, ``4`` Closed with
``ticketState`` ``OPEN``/``CLOSED``). Shapes: the reference's ``Pipeline`` (``id``, ``label``,
``displayOrder``, ``stages``, ``createdAt``, ``updatedAt``, ``archived``) and
``PipelineStage`` (``id``, ``label``, ``displayOrder``, ``metadata``, ``createdAt``,
``updatedAt``, ``archived``, ``writePermissions``). Other types have no pipeline here (an
empty list). Creating and editing pipelines is not emulated.
"""

from __future__ import annotations

from typing import Any

from runtime.fake_hubspot.core.errors import ObjectNotFound
from runtime.fake_hubspot.core.http import Response, json_response
from runtime.fake_hubspot.core.object_types import resolve_object_type
from runtime.fake_hubspot.core.routing import Context

#: A fixed creation time: the default pipelines exist before any record.
_CREATED = "2020-01-01T00:00:00.000Z"

_DEAL_STAGES = (
    ("appointmentscheduled", "Appointment Scheduled", "0.2", False),
    ("qualifiedtobuy", "Qualified To Buy", "0.4", False),
    ("presentationscheduled", "Presentation Scheduled", "0.6", False),
    ("decisionmakerboughtin", "Decision Maker Bought-In", "0.8", False),
    ("contractsent", "Contract Sent", "0.9", False),
    ("closedwon", "Closed Won", "1.0", True),
    ("closedlost", "Closed Lost", "0.0", True),
)
_TICKET_STAGES = (
    ("1", "New", "OPEN"),
    ("2", "Waiting on contact", "OPEN"),
    ("3", "Waiting on us", "OPEN"),
    ("4", "Closed", "CLOSED"),
)


def _stage(stage_id: str, label: str, order: int, metadata: dict[str, str]) -> dict[str, Any]:
    return {
        "id": stage_id,
        "label": label,
        "displayOrder": order,
        "metadata": metadata,
        "createdAt": _CREATED,
        "updatedAt": _CREATED,
        "archived": False,
        "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
    }


def _pipeline(pipeline_id: str, label: str, stages: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": pipeline_id,
        "label": label,
        "displayOrder": 0,
        "stages": stages,
        "createdAt": _CREATED,
        "updatedAt": _CREATED,
        "archived": False,
    }


def pipelines_of(type_name: str) -> list[dict[str, Any]]:
    """The pipelines of an object type (plural name)."""
    if type_name == "deals":
        stages = [
            _stage(i, label, n, {"probability": p, "isClosed": str(closed).lower()})
            for n, (i, label, p, closed) in enumerate(_DEAL_STAGES)
        ]
        return [_pipeline("default", "Sales Pipeline", stages)]
    if type_name == "tickets":
        stages = [
            _stage(i, label, n, {"ticketState": state})
            for n, (i, label, state) in enumerate(_TICKET_STAGES)
        ]
        return [_pipeline("0", "Support Pipeline", stages)]
    return []


def _pipeline_of(ctx: Context) -> dict[str, Any]:
    kind = resolve_object_type(ctx.params["objectType"])
    wanted = ctx.params["pipelineId"]
    for pipeline in pipelines_of(kind.name):
        if pipeline["id"] == wanted:
            return pipeline
    # UNCONFIRMED wording of the pipelines 404.
    raise ObjectNotFound(f"Unable to find pipeline {wanted} for object type {kind.type_id}")


def list_pipelines(ctx: Context) -> Response:
    """``GET /crm/v3/pipelines/{objectType}`` → ``{"results": [...]}``."""
    kind = resolve_object_type(ctx.params["objectType"])
    return json_response(200, {"results": pipelines_of(kind.name)})


def get_pipeline(ctx: Context) -> Response:
    """``GET /crm/v3/pipelines/{objectType}/{pipelineId}``."""
    return json_response(200, _pipeline_of(ctx))


def list_stages(ctx: Context) -> Response:
    """``GET /crm/v3/pipelines/{objectType}/{pipelineId}/stages``."""
    return json_response(200, {"results": _pipeline_of(ctx)["stages"]})


def get_stage(ctx: Context) -> Response:
    """``GET /crm/v3/pipelines/{objectType}/{pipelineId}/stages/{stageId}``."""
    for stage in _pipeline_of(ctx)["stages"]:
        if stage["id"] == ctx.params["stageId"]:
            return json_response(200, stage)
    raise ObjectNotFound(f"Unable to find stage {ctx.params['stageId']}")
