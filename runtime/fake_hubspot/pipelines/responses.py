"""Pipelines v3: parse requests, serialise answers (the rules are in :mod:`.models`).

Shapes: the reference's ``Pipeline`` (``id``, ``label``, ``displayOrder``, ``stages``,
``createdAt``, ``updatedAt``, ``archived``, ``archivedAt`` once archived) and
``PipelineStage`` (``id``, ``label``, ``displayOrder``, ``metadata``, ``createdAt``,
``updatedAt``, ``archived``, ``writePermissions``). Codes as the reference gives them: create
201, reads, updates and replaces 200, archives 204. Types without pipelines list none.
"""

from __future__ import annotations

from runtime.fake_hubspot.core.http import Response, json_response, no_content
from runtime.fake_hubspot.core.object_types import ObjectType, resolve_object_type
from runtime.fake_hubspot.core.routing import Context
from runtime.fake_hubspot.pipelines.models import PipelinesBackend


def _backend(ctx: Context) -> tuple[PipelinesBackend, ObjectType]:
    backend = ctx.portal.backend(PipelinesBackend)
    return backend, resolve_object_type(ctx.params["objectType"])


def _check_refs(ctx: Context) -> bool:
    return ctx.request.query_bool("validateReferencesBeforeDelete") or ctx.request.query_bool(
        "validateDealStageUsagesBeforeDelete"
    )


def list_pipelines(ctx: Context) -> Response:
    """``GET /crm/v3/pipelines/{objectType}`` → ``{"results": [...]}``."""
    backend, kind = _backend(ctx)
    return json_response(200, {"results": backend.live(kind)})


def get_pipeline(ctx: Context) -> Response:
    """``GET /crm/v3/pipelines/{objectType}/{pipelineId}``."""
    backend, kind = _backend(ctx)
    return json_response(200, backend.get(kind, ctx.params["pipelineId"]))


def create_pipeline(ctx: Context) -> Response:
    """``POST /crm/v3/pipelines/{objectType}`` → 201."""
    backend, kind = _backend(ctx)
    return json_response(201, backend.create(kind, ctx.request.json_object()))


def update_pipeline(ctx: Context) -> Response:
    """``PATCH /crm/v3/pipelines/{objectType}/{pipelineId}`` → 200."""
    backend, kind = _backend(ctx)
    pipeline_id = ctx.params["pipelineId"]
    body = ctx.request.json_object()
    backend.update(kind, pipeline_id, body)
    if body.get("archived") is True:
        stored = next(p for p in backend.pipelines[kind.name] if p["id"] == pipeline_id)
        return json_response(200, stored)
    return json_response(200, backend.get(kind, pipeline_id))


def replace_pipeline(ctx: Context) -> Response:
    """``PUT /crm/v3/pipelines/{objectType}/{pipelineId}`` → 200."""
    backend, kind = _backend(ctx)
    pipeline_id = ctx.params["pipelineId"]
    backend.replace(kind, pipeline_id, ctx.request.json_object())
    return json_response(200, backend.get(kind, pipeline_id))


def archive_pipeline(ctx: Context) -> Response:
    """``DELETE /crm/v3/pipelines/{objectType}/{pipelineId}`` → 204."""
    backend, kind = _backend(ctx)
    backend.archive(kind, ctx.params["pipelineId"], check_references=_check_refs(ctx))
    return no_content()


def list_stages(ctx: Context) -> Response:
    """``GET /crm/v3/pipelines/{objectType}/{pipelineId}/stages``."""
    backend, kind = _backend(ctx)
    return json_response(200, {"results": backend.get(kind, ctx.params["pipelineId"])["stages"]})


def get_stage(ctx: Context) -> Response:
    """``GET /crm/v3/pipelines/{objectType}/{pipelineId}/stages/{stageId}``."""
    backend, kind = _backend(ctx)
    return json_response(200, backend.stage(kind, ctx.params["pipelineId"], ctx.params["stageId"]))


def create_stage(ctx: Context) -> Response:
    """``POST /crm/v3/pipelines/{objectType}/{pipelineId}/stages`` → 201."""
    backend, kind = _backend(ctx)
    stage = backend.create_stage(kind, ctx.params["pipelineId"], ctx.request.json_object())
    return json_response(201, stage)


def _update_stage(ctx: Context, *, replace: bool) -> Response:
    backend, kind = _backend(ctx)
    stage = backend.update_stage(
        kind,
        ctx.params["pipelineId"],
        ctx.params["stageId"],
        ctx.request.json_object(),
        replace=replace,
    )
    return json_response(200, stage)


def update_stage(ctx: Context) -> Response:
    """``PATCH …/stages/{stageId}`` → 200 (the fields given)."""
    return _update_stage(ctx, replace=False)


def replace_stage(ctx: Context) -> Response:
    """``PUT …/stages/{stageId}`` → 200 (label, order and metadata replaced)."""
    return _update_stage(ctx, replace=True)


def archive_stage(ctx: Context) -> Response:
    """``DELETE …/stages/{stageId}`` → 204."""
    backend, kind = _backend(ctx)
    backend.archive_stage(
        kind,
        ctx.params["pipelineId"],
        ctx.params["stageId"],
        check_references=_check_refs(ctx),
    )
    return no_content()
