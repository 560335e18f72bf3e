"""Routes of the lists v3 API (scopes ``crm.lists.read`` / ``crm.lists.write``)."""

from __future__ import annotations

from runtime.fake_hubspot.core.routing import Route
from runtime.fake_hubspot.core.scopes import fixed
from runtime.fake_hubspot.lists import responses as r

BASE = "/crm/v3/lists"


def routes() -> list[Route]:
    """List routes."""
    read = fixed("crm.lists.read", "crm.lists.write")
    write = fixed("crm.lists.write")
    member = f"{BASE}/{{listId}}/memberships"
    return [
        Route("POST", BASE, r.create_list, write),
        Route("POST", f"{BASE}/search", r.search_lists, read),
        Route("GET", f"{BASE}/{{listId}}", r.get_list, read),
        Route("DELETE", f"{BASE}/{{listId}}", r.delete_list, write),
        Route("GET", member, r.memberships, read),
        Route("PUT", f"{member}/add", r.add_members, write),
        Route("PUT", f"{member}/remove", r.remove_members, write),
        Route("PUT", f"{member}/add-and-remove", r.add_and_remove, write),
    ]
