"""Routes of the legacy engagements v1 API (create, read, list, update, delete)."""

from __future__ import annotations

from runtime.fake_hubspot.core.routing import Route
from runtime.fake_hubspot.core.scopes import fixed
from runtime.fake_hubspot.engagements import responses as r

BASE = "/engagements/v1/engagements"


def routes() -> list[Route]:
    """Engagements are contact-scoped activities: the contacts scopes let them through."""
    read = fixed("crm.objects.contacts.read", "crm.objects.contacts.write")
    write = fixed("crm.objects.contacts.write")
    return [
        Route("POST", BASE, r.create_engagement, write),
        Route("GET", f"{BASE}/paged", r.list_engagements, read),
        Route("GET", f"{BASE}/{{engagementId}}", r.get_engagement, read),
        Route("PATCH", f"{BASE}/{{engagementId}}", r.patch_engagement, write),
        Route("PUT", f"{BASE}/{{engagementId}}", r.put_engagement, write),
        Route("DELETE", f"{BASE}/{{engagementId}}", r.delete_engagement, write),
    ]
