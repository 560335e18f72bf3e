"""Routes of the properties v3 API (contract §4.8)."""

from __future__ import annotations

from runtime.fake_hubspot.core.routing import Route
from runtime.fake_hubspot.core.scopes import READ, WRITE, properties_rule
from runtime.fake_hubspot.properties import responses as r

BASE = "/crm/v3/properties/{objectType}"


def routes() -> list[Route]:
    """Every properties route with its scope rule (contract §1.5)."""
    read, write = properties_rule(READ), properties_rule(WRITE)
    return [
        Route("GET", BASE, r.list_properties, read),
        Route("POST", BASE, r.create_property, write),
        Route("GET", f"{BASE}/groups", r.list_groups, read),
        Route("POST", f"{BASE}/groups", r.create_group, write),
        Route("GET", f"{BASE}/groups/{{groupName}}", r.get_group, read),
        Route("PATCH", f"{BASE}/groups/{{groupName}}", r.update_group, write),
        Route("DELETE", f"{BASE}/groups/{{groupName}}", r.delete_group, write),
        Route("POST", f"{BASE}/batch/read", r.batch_read, read),
        Route("GET", f"{BASE}/{{propertyName}}", r.get_property, read),
        Route("PATCH", f"{BASE}/{{propertyName}}", r.update_property, write),
        Route("DELETE", f"{BASE}/{{propertyName}}", r.archive_property, write),
    ]
