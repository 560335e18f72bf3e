"""hsrun's own routes on the fake portal (not HubSpot's): health and reset, as moto has.

They need no token, count against no limit and stay out of the call log.
"""

from __future__ import annotations

from runtime.fake_hubspot.core.http import Response, json_response
from runtime.fake_hubspot.core.routing import Context


def health(ctx: Context) -> Response:
    """``GET /_hsrun/health``: the portal id and tier."""
    return json_response(
        200, {"status": "ok", "portalId": ctx.portal.portal_id, "tier": ctx.portal.tier}
    )


def reset(ctx: Context) -> Response:
    """``POST /_hsrun/reset``: empty the portal (records, apps, logs)."""
    ctx.portal.reset()
    return json_response(200, {"status": "reset"})


def calls(ctx: Context) -> Response:
    """``GET /_hsrun/calls?app=&method=&status=&since=``: the call log, filtered."""
    req = ctx.request
    found = ctx.portal.call_log.query(
        app=req.query_str("app"),
        method=req.query_str("method"),
        status=req.query_str("status"),
        since=req.query_str("since"),
    )
    return json_response(200, {"results": found})
