"""Routes of the schemas API: ``/crm-object-schemas/v3/schemas`` and its ``/crm/v3/schemas``
alias (contract §1.5: ``crm.schemas.custom.read`` / ``crm.schemas.custom.write``)."""

from __future__ import annotations

from runtime.fake_hubspot.core.routing import Route
from runtime.fake_hubspot.core.scopes import fixed
from runtime.fake_hubspot.schemas import responses as r


def routes() -> list[Route]:
    """Schema routes under both prefixes."""
    read = fixed("crm.schemas.custom.read", "crm.objects.custom.read")
    write = fixed("crm.schemas.custom.write")
    out: list[Route] = []
    for base in ("/crm-object-schemas/v3/schemas", "/crm/v3/schemas"):
        out += [
            Route("GET", base, r.list_schemas, read),
            Route("POST", base, r.create_schema, write),
            Route("GET", f"{base}/{{objectType}}", r.get_schema, read),
            Route("PATCH", f"{base}/{{objectType}}", r.update_schema, write),
            Route("DELETE", f"{base}/{{objectType}}", r.archive_schema, write),
            Route("POST", f"{base}/{{objectType}}/associations", r.create_association, write),
        ]
    return out
