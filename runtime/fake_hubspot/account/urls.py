"""Routes of the account-info API."""

from __future__ import annotations

from runtime.fake_hubspot.account import responses as r
from runtime.fake_hubspot.core.routing import Route


def routes() -> list[Route]:
    """Account routes (any valid token)."""
    return [
        Route("GET", "/account-info/v3/api-usage/daily/private-apps", r.daily_usage),
        Route("GET", "/account-info/v3/details", r.details),
    ]
