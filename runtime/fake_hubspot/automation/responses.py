"""Workflows v4: parse requests, call the backend, serialise HubSpot's answers (contract §8.1).

- list ``GET /automation/v4/flows?after=&limit=``: ``{results: [ApiFlowListing], paging?}``
  (``CollectionResponseApiFlowListingForwardPaging``); ``limit`` defaults to 100 and is capped
  there (the cap is UNCONFIRMED); ``after`` is the last id of the previous page;
- create ``POST`` → **201** ``ApiFlow``; get ``GET /{flowId}``; update ``PUT /{flowId}`` → 200;
  delete ``DELETE /{flowId}`` → **204**;
- batch read ``POST /batch/read`` with ``{inputs: [{type: "FLOW_ID", flowId}]}`` →
  ``{status: "COMPLETE", results, startedAt, completedAt}`` ([SDK-TS] ``BatchReadResponse``);
  unknown ids make it a 207 with ``numErrors`` and one ``OBJECT_NOT_FOUND`` entry, as the CRM
  batch reads do (contract §4.3; UNCONFIRMED for flows).
"""

from __future__ import annotations

from typing import Any

from runtime.fake_hubspot.automation.models import AutomationBackend
from runtime.fake_hubspot.core.clock import iso_ms
from runtime.fake_hubspot.core.errors import ValidationError
from runtime.fake_hubspot.core.http import (
    Response,
    field_list,
    field_str,
    json_response,
    no_content,
    object_items,
)
from runtime.fake_hubspot.core.routing import Context

MAX_PAGE = 100
MAX_BATCH_INPUTS = 100
BASE = "/automation/v4/flows"


def _backend(ctx: Context) -> AutomationBackend:
    return ctx.portal.backend(AutomationBackend)


def list_flows(ctx: Context) -> Response:
    """``GET /automation/v4/flows``."""
    req = ctx.request
    after_text = req.query_str("after") or "0"
    if not after_text.isdigit():
        raise ValidationError(f"Invalid 'after' value: {after_text}")
    limit = req.query_int("limit", MAX_PAGE, maximum=MAX_PAGE)
    page, next_after = _backend(ctx).page(after=int(after_text), limit=limit)
    data: dict[str, Any] = {"results": [f.listing() for f in page]}
    if next_after is not None:
        link = f"{req.base_url()}{BASE}?after={next_after}&limit={limit}"
        data["paging"] = {"next": {"after": str(next_after), "link": link}}
    return json_response(200, data)


def create_flow(ctx: Context) -> Response:
    """``POST /automation/v4/flows`` → 201."""
    flow = _backend(ctx).create(ctx.request.json_object())
    return json_response(201, flow.to_api())


def get_flow(ctx: Context) -> Response:
    """``GET /automation/v4/flows/{flowId}``."""
    return json_response(200, _backend(ctx).get(ctx.params["flowId"]).to_api())


def update_flow(ctx: Context) -> Response:
    """``PUT /automation/v4/flows/{flowId}`` (``revisionId`` required)."""
    flow = _backend(ctx).update(ctx.params["flowId"], ctx.request.json_object())
    return json_response(200, flow.to_api())


def delete_flow(ctx: Context) -> Response:
    """``DELETE /automation/v4/flows/{flowId}`` → 204."""
    _backend(ctx).delete(ctx.params["flowId"])
    return no_content()


def batch_read(ctx: Context) -> Response:
    """``POST /automation/v4/flows/batch/read``."""
    started = ctx.portal.now_ms()
    inputs = field_list(ctx.request.json_object(), "inputs", required=True)
    if len(inputs) > MAX_BATCH_INPUTS:
        raise ValidationError(f"Too many inputs: {len(inputs)} > {MAX_BATCH_INPUTS}")
    backend = _backend(ctx)
    results: list[dict[str, Any]] = []
    missing: list[str] = []
    for item in object_items(inputs, "inputs"):
        kind = field_str(item, "type", required=True)
        if kind != "FLOW_ID":
            raise ValidationError(f"Invalid input type {kind!r}: expected FLOW_ID")
        flow_id = field_str(item, "flowId", required=True)
        assert flow_id is not None
        flow = backend.find(flow_id)
        if flow is None:
            if flow_id not in missing:
                missing.append(flow_id)
        elif all(r["id"] != str(flow.id) for r in results):
            results.append(flow.to_api())
    data: dict[str, Any] = {"status": "COMPLETE", "results": results}
    status = 200
    if missing:
        status = 207
        data["numErrors"] = 1
        data["errors"] = [
            {
                "status": "error",
                "category": "OBJECT_NOT_FOUND",
                "message": "Could not find some flows; they may be deleted or not exist.",
                "context": {"flowIds": missing},
            }
        ]
    data["startedAt"] = iso_ms(started)
    data["completedAt"] = iso_ms(ctx.portal.now_ms())
    return json_response(status, data)
