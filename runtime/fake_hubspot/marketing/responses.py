"""Marketing emails v3 answers: list (``{"total", "results"}``) and one email."""

from __future__ import annotations

from runtime.fake_hubspot.core.http import Response, json_response
from runtime.fake_hubspot.core.routing import Context
from runtime.fake_hubspot.marketing.models import MarketingEmailsBackend


def list_emails(ctx: Context) -> Response:
    backend = ctx.portal.backend(MarketingEmailsBackend)
    limit = ctx.request.query_int("limit", 10, maximum=300)
    emails = [backend.emails[k] for k in sorted(backend.emails)][:limit]
    return json_response(200, {"total": len(backend.emails), "results": emails})


def get_email(ctx: Context) -> Response:
    backend = ctx.portal.backend(MarketingEmailsBackend)
    return json_response(200, backend.get(ctx.params["emailId"]))
