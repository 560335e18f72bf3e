"""Routes of the marketing emails v3 API (read; scopes ``content`` or ``marketing-email``)."""

from __future__ import annotations

from runtime.fake_hubspot.core.routing import Route
from runtime.fake_hubspot.core.scopes import fixed
from runtime.fake_hubspot.marketing import responses as r


def routes() -> list[Route]:
    """Marketing email reads."""
    read = fixed("content", "marketing-email")
    return [
        Route("GET", "/marketing/v3/emails", r.list_emails, read),
        Route("GET", "/marketing/v3/emails/{emailId}", r.get_email, read),
    ]
