"""Routes of the Workflows v4 flows API (contract §8.1); scope ``automation`` (§1.5)."""

from __future__ import annotations

from runtime.fake_hubspot.automation import responses as r
from runtime.fake_hubspot.core.routing import Route
from runtime.fake_hubspot.core.scopes import fixed

BASE = r.BASE


def routes() -> list[Route]:
    """Flow routes: list, create, get, update, delete, batch read."""
    scope = fixed("automation")
    return [
        Route("GET", BASE, r.list_flows, scope),
        Route("POST", BASE, r.create_flow, scope),
        Route("POST", f"{BASE}/batch/read", r.batch_read, scope),
        Route("GET", f"{BASE}/{{flowId}}", r.get_flow, scope),
        Route("PUT", f"{BASE}/{{flowId}}", r.update_flow, scope),
        Route("DELETE", f"{BASE}/{{flowId}}", r.delete_flow, scope),
    ]
