"""Routes of the CRM v3 objects API (contract §4.1).

One family of templates serves ``contacts``, ``companies``, ``deals``, ``tickets`` and the
generic ``{objectType}`` path (names, singulars and ``0-1``/``0-2``/``0-3``/``0-5`` ids).
"""

from __future__ import annotations

from runtime.fake_hubspot.core.routing import SEARCH, Route
from runtime.fake_hubspot.core.scopes import READ, WRITE, objects_rule
from runtime.fake_hubspot.crm_objects import responses as r

BASE = "/crm/v3/objects/{objectType}"


def routes() -> list[Route]:
    """Every CRM objects route with its scope rule (contract §1.5)."""
    read, write = objects_rule(READ), objects_rule(WRITE)
    return [
        Route("GET", BASE, r.list_objects, read),
        Route("POST", BASE, r.create_object, write),
        Route("GET", f"{BASE}/{{objectId}}", r.get_object, read),
        Route("PATCH", f"{BASE}/{{objectId}}", r.update_object, write),
        Route("DELETE", f"{BASE}/{{objectId}}", r.archive_object, write),
        Route("POST", f"{BASE}/batch/read", r.batch_read, read),
        Route("POST", f"{BASE}/batch/create", r.batch_create, write),
        Route("POST", f"{BASE}/batch/update", r.batch_update, write),
        Route("POST", f"{BASE}/batch/upsert", r.batch_upsert, write),
        Route("POST", f"{BASE}/batch/archive", r.batch_archive, write),
        Route("POST", f"{BASE}/search", r.search, read, bucket=SEARCH),
        Route("POST", f"{BASE}/merge", r.merge, write),
        Route("POST", f"{BASE}/gdpr-delete", r.gdpr_delete, write),
    ]
