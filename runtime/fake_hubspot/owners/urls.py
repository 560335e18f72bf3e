"""Routes of the owners v3 API (the Python client calls ``/crm/v3/owners/`` with a slash) and
the legacy v2 one."""

from __future__ import annotations

from runtime.fake_hubspot.core.routing import Route
from runtime.fake_hubspot.core.scopes import fixed
from runtime.fake_hubspot.owners import responses as r


def routes() -> list[Route]:
    """Owner routes; scope ``crm.objects.owners.read``."""
    read = fixed("crm.objects.owners.read")
    return [
        Route("GET", "/crm/v3/owners", r.list_owners, read),
        Route("GET", "/crm/v3/owners/{ownerId}", r.get_owner, read),
        Route("GET", "/owners/v2/owners", r.list_owners_v2, read),
        Route("GET", "/owners/v2/owners/{ownerId}", r.get_owner_v2, read),
    ]
