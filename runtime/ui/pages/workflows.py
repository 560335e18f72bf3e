"""Workflows: the local portal's flows (Automation v4) drawn as their action graph."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from runtime.errors import HsrunError
from runtime.ui._web import dashboard, render
from runtime.ui.flow_graph import steps_of

if TYPE_CHECKING:
    from runtime.config import Settings


def routes() -> list[Route]:
    return [Route("/workflows", workflows_page), Route("/workflows/{flow_id}", workflow_page)]


def _flows(settings: Settings) -> list[dict[str, Any]]:
    from runtime.fake_hubspot import PortalFile
    from runtime.fake_hubspot.automation.models import flows_of

    portal, _ = PortalFile(settings).load()
    flows = sorted(flows_of(portal).flows.values(), key=lambda f: f.id)
    return [
        {
            "id": flow.id,
            "name": flow.name or "(no name)",
            "type": flow.type,
            "revision": flow.revision,
            "enabled": bool(flow.body.get("isEnabled")),
            "actions": len(flow.actions),
            "object_type": flow.body.get("objectTypeId", ""),
        }
        for flow in flows
    ]


async def workflows_page(request: Request) -> Response:
    try:
        flows = await run_in_threadpool(_flows, dashboard(request).settings)
    except HsrunError as exc:
        return render(request, "error.html", status_code=500, message=str(exc), title="Workflows")
    return render(request, "workflows.html", flows=flows, title="Workflows")


def _flow(settings: Settings, flow_id: str) -> dict[str, Any]:
    from runtime.fake_hubspot import PortalFile
    from runtime.fake_hubspot.automation.models import flows_of
    from runtime.fake_hubspot.portal import as_portal_error

    portal, _ = PortalFile(settings).load()
    with as_portal_error():
        flow = flows_of(portal).get(flow_id)
    api = flow.to_api()
    return {
        "id": flow.id,
        "name": flow.name or "(no name)",
        "type": flow.type,
        "revision": flow.revision,
        "enabled": bool(flow.body.get("isEnabled")),
        "enrollment": (flow.body.get("enrollmentCriteria") or {}).get("type", "-"),
        "steps": steps_of(flow.body),
        "json": json.dumps(api, indent=2, ensure_ascii=False),
    }


async def workflow_page(request: Request) -> Response:
    flow_id = request.path_params["flow_id"]
    try:
        flow = await run_in_threadpool(_flow, dashboard(request).settings, flow_id)
    except HsrunError as exc:
        return render(request, "error.html", status_code=404, message=str(exc), title="Workflow")
    return render(request, "workflow.html", flow=flow, title=flow["name"], section="workflows")
