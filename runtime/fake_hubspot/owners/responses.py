"""Owners v3: ``GET /crm/v3/owners`` and ``GET /crm/v3/owners/{ownerId}``.

List: ``email``, ``after``, ``limit`` (default 100, max 500), ``archived`` → ``{results,
paging?}``. One: ``idProperty`` = ``id`` (default) or ``userId``; unknown → 404.
"""

from __future__ import annotations

from typing import Any

from runtime.fake_hubspot.core.errors import ObjectNotFound, ValidationError
from runtime.fake_hubspot.core.http import Response, json_response
from runtime.fake_hubspot.core.routing import Context


def list_owners(ctx: Context) -> Response:
    """``GET /crm/v3/owners/``."""
    req = ctx.request
    after_text = req.query_str("after") or "0"
    if not after_text.isdigit():
        raise ValidationError(f"Invalid 'after' value: {after_text}")
    limit = req.query_int("limit", 100, maximum=500)
    page, next_after = ctx.portal.owners.page(
        email=req.query_str("email"),
        after=int(after_text),
        limit=limit,
        archived=req.query_bool("archived"),
    )
    data: dict[str, Any] = {"results": [o.to_api() for o in page]}
    if next_after is not None:
        link = f"{req.base_url()}/crm/v3/owners/?after={next_after}&limit={limit}"
        data["paging"] = {"next": {"after": str(next_after), "link": link}}
    return json_response(200, data)


def get_owner(ctx: Context) -> Response:
    """``GET /crm/v3/owners/{ownerId}``."""
    id_property = ctx.request.query_str("idProperty") or "id"
    if id_property not in ("id", "userId"):
        raise ValidationError(f"idProperty must be 'id' or 'userId', got '{id_property}'")
    owner = ctx.portal.owners.find(
        ctx.params["ownerId"], id_property=id_property, archived=ctx.request.query_bool("archived")
    )
    if owner is None:
        # UNCONFIRMED wording of the owners 404.
        raise ObjectNotFound(f"Owner {ctx.params['ownerId']} not found")
    return json_response(200, owner.to_api())


# -- legacy owners v2 ----------------------------------------------------------------------
# ``GET /owners/v2/owners[?email=]`` answered a bare JSON array of owners, ``GET
# /owners/v2/owners/{ownerId}`` one owner, with epoch-millisecond times and integer ids (the
# legacy owners API reference). HubSpot has retired it in favour of v3; older custom code
# still calls it, so the fake answers it from the same owners.


def _v2(owner: Any, portal_id: int) -> dict[str, Any]:
    return {
        "portalId": portal_id,
        "ownerId": int(owner.id),
        "type": "PERSON",
        "firstName": owner.first_name,
        "lastName": owner.last_name,
        "email": owner.email,
        "createdAt": owner.created_at,
        "updatedAt": owner.updated_at,
        "remoteList": [],
        "hasContactsAccess": True,
        "activeUserId": owner.user_id,
        "userIdIncludingInactive": owner.user_id,
        "isActive": not owner.archived,
    }


def list_owners_v2(ctx: Context) -> Response:
    """``GET /owners/v2/owners`` → a JSON array."""
    email = (ctx.request.query_str("email") or "").lower()
    found = [
        _v2(o, ctx.portal.portal_id)
        for o in ctx.portal.owners.owners.values()
        if not o.archived and (not email or o.email.lower() == email)
    ]
    return json_response(200, sorted(found, key=lambda o: o["ownerId"]))


def get_owner_v2(ctx: Context) -> Response:
    """``GET /owners/v2/owners/{ownerId}``."""
    owner = ctx.portal.owners.find(ctx.params["ownerId"], id_property="id", archived=False)
    if owner is None:
        raise ObjectNotFound(f"Owner {ctx.params['ownerId']} not found")
    return json_response(200, _v2(owner, ctx.portal.portal_id))
