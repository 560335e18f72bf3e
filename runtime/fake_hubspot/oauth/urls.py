"""Routes of the OAuth endpoints (no bearer token: the token is the argument)."""

from __future__ import annotations

from runtime.fake_hubspot.core.routing import Route
from runtime.fake_hubspot.oauth import responses as r


def routes() -> list[Route]:
    """Token introspection routes."""
    return [
        Route("POST", "/oauth/v2/private-apps/get/access-token-info", r.token_info, auth=False),
        Route("GET", "/oauth/v1/access-tokens/{token}", r.access_token, auth=False),
    ]
