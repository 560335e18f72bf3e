"""Routes of the pipelines v3 API."""

from __future__ import annotations

from runtime.fake_hubspot.core.routing import Route
from runtime.fake_hubspot.core.scopes import READ, WRITE, objects_rule
from runtime.fake_hubspot.pipelines import responses as r

BASE = "/crm/v3/pipelines/{objectType}"
ONE = f"{BASE}/{{pipelineId}}"
STAGE = f"{ONE}/stages/{{stageId}}"


def routes() -> list[Route]:
    """Pipelines and stages; scopes: the object type's read or write scopes."""
    read = objects_rule(READ)
    write = objects_rule(WRITE)
    return [
        Route("GET", BASE, r.list_pipelines, read),
        Route("POST", BASE, r.create_pipeline, write),
        Route("GET", ONE, r.get_pipeline, read),
        Route("PATCH", ONE, r.update_pipeline, write),
        Route("PUT", ONE, r.replace_pipeline, write),
        Route("DELETE", ONE, r.archive_pipeline, write),
        Route("GET", f"{ONE}/stages", r.list_stages, read),
        Route("POST", f"{ONE}/stages", r.create_stage, write),
        Route("GET", STAGE, r.get_stage, read),
        Route("PATCH", STAGE, r.update_stage, write),
        Route("PUT", STAGE, r.replace_stage, write),
        Route("DELETE", STAGE, r.archive_stage, write),
    ]
