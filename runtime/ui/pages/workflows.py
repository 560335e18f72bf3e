"""Workflows: the local portal's flows (Automation v4) drawn as their action graph, and each
enrollment's timeline in HubSpot's action-log columns (Object, Action, Event, Time) with the
path it took highlighted. Enrollments are read through :mod:`runtime.journal.enrollments`."""

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


#: Enrollments a page lists (newest first).
ENROLLMENTS_SHOWN = 50


def routes() -> list[Route]:
    return [
        Route("/workflows", workflows_page),
        Route("/workflows/enrollments/{enrollment_id}", enrollment_page),
        Route("/workflows/{flow_id}", workflow_page),
    ]


def _enrollments(settings: Settings, flow: str | None) -> list[dict[str, Any]]:
    from runtime.journal import Journal
    from runtime.journal.enrollments import list_enrollments

    with Journal(settings.journal_path) as journal:
        found = list_enrollments(journal, flow=flow, limit=ENROLLMENTS_SHOWN)
    return [
        {
            "id": e.id,
            "flow": e.flow,
            "flow_name": e.flow_name,
            "object": f"{e.object_type_id}/{e.object_id}",
            "status": e.status,
            "path": " > ".join(e.path) or "-",
            "enrolled_at": e.enrolled_at,
            "alerts": len(e.alerts),
        }
        for e in found
    ]


def _label(action: dict[str, Any]) -> str:
    """An action as HubSpot's action log names it (``5. Set property (lifecyclestage)``)."""
    from runtime.workflow.render import action_label

    return action_label(action, str(action.get("actionId"))).partition(". ")[2]


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
    settings = dashboard(request).settings
    try:
        flows = await run_in_threadpool(_flows, settings)
        enrollments = await run_in_threadpool(_enrollments, settings, None)
    except HsrunError as exc:
        return render(request, "error.html", status_code=500, message=str(exc), title="Workflows")
    return render(
        request, "workflows.html", flows=flows, enrollments=enrollments, title="Workflows"
    )


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
        "steps": steps_of(flow.body, label=_label),
        "json": json.dumps(api, indent=2, ensure_ascii=False),
        "enrollments": _enrollments(settings, str(flow.id)),
    }


async def workflow_page(request: Request) -> Response:
    flow_id = request.path_params["flow_id"]
    try:
        flow = await run_in_threadpool(_flow, dashboard(request).settings, flow_id)
    except HsrunError as exc:
        return render(request, "error.html", status_code=404, message=str(exc), title="Workflow")
    return render(
        request, "workflow.html", flow=flow, path=[], title=flow["name"], section="workflows"
    )


def _flow_body(settings: Settings, key: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The enrolled flow's document and its actions by id: a portal flow id, or a flow file."""
    from runtime.fake_hubspot import PortalFile
    from runtime.workflow import open_flow

    portal = PortalFile(settings).load()[0] if key.isdigit() else None
    try:
        flow = open_flow(key, portal=portal)
    except HsrunError:
        return None  # the file moved or the flow was deleted: the timeline still shows
    return flow.data, flow.actions


def _enrollment(settings: Settings, enrollment_id: str) -> dict[str, Any]:
    from runtime.journal import Journal
    from runtime.journal.enrollments import get_enrollment
    from runtime.workflow.render import action_label

    with Journal(settings.journal_path) as journal:
        enrollment = get_enrollment(journal, enrollment_id)
    found = _flow_body(settings, enrollment.flow)
    body, actions = found if found is not None else ({}, {})
    obj = f"{enrollment.object_type_id}/{enrollment.object_id}"
    rows = [
        {
            "object": obj,
            "action": action_label(actions.get(step.action_id or ""), step.action_id),
            "action_id": step.action_id,
            "event": step.event,
            "message": step.message,
            "at": step.at,
            "resume_at": step.details.get("resumeAt"),
            "run_id": step.details.get("runId"),
            "notes": [str(n) for n in [*(step.details.get("checks") or []),
                                       *(step.details.get("notes") or [])]],
        }
        for step in enrollment.steps
    ]  # fmt: skip
    return {
        "enrollment": enrollment,
        "rows": rows,
        "steps": steps_of(body, label=_label),
        "outputs": json.dumps(enrollment.outputs, indent=2, ensure_ascii=False),
    }


async def enrollment_page(request: Request) -> Response:
    enrollment_id = request.path_params["enrollment_id"]
    try:
        view = await run_in_threadpool(_enrollment, dashboard(request).settings, enrollment_id)
    except HsrunError as exc:
        return render(request, "error.html", status_code=404, message=str(exc), title="Enrollment")
    return render(
        request,
        "enrollment.html",
        path=view["enrollment"].path,
        title=f"Enrollment {view['enrollment'].id}",
        section="workflows",
        **view,
    )
