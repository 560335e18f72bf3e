"""Routes of the HubDB v3 API (scope ``hubdb``)."""

from __future__ import annotations

from runtime.fake_hubspot.core.routing import Route
from runtime.fake_hubspot.core.scopes import fixed
from runtime.fake_hubspot.hubdb import responses as r

BASE = "/cms/v3/hubdb/tables"
TABLE = f"{BASE}/{{tableIdOrName}}"


def routes() -> list[Route]:
    """HubDB routes."""
    scope = fixed("hubdb")
    return [
        Route("GET", BASE, r.list_tables, scope),
        Route("POST", BASE, r.create_table, scope),
        Route("GET", TABLE, r.get_table, scope),
        Route("GET", f"{TABLE}/draft", r.get_draft_table, scope),
        Route("POST", f"{TABLE}/draft/publish", r.publish, scope),
        Route("GET", f"{TABLE}/rows", r.list_rows, scope),
        Route("POST", f"{TABLE}/rows", r.create_row, scope),
        Route("GET", f"{TABLE}/rows/draft", r.list_draft_rows, scope),
        Route("GET", f"{TABLE}/rows/{{rowId}}", r.get_row, scope),
        Route("PATCH", f"{TABLE}/rows/{{rowId}}/draft", r.update_draft_row, scope),
    ]
