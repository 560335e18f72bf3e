"""Routes of the pipelines v3 API (read-only)."""

from __future__ import annotations

from runtime.fake_hubspot.core.routing import Route
from runtime.fake_hubspot.core.scopes import READ, objects_rule
from runtime.fake_hubspot.pipelines import responses as r

BASE = "/crm/v3/pipelines/{objectType}"


def routes() -> list[Route]:
    """Pipeline reads; scopes: the object type's read scopes."""
    read = objects_rule(READ)
    return [
        Route("GET", BASE, r.list_pipelines, read),
        Route("GET", f"{BASE}/{{pipelineId}}", r.get_pipeline, read),
        Route("GET", f"{BASE}/{{pipelineId}}/stages", r.list_stages, read),
        Route("GET", f"{BASE}/{{pipelineId}}/stages/{{stageId}}", r.get_stage, read),
    ]
