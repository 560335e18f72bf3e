"""OAuth endpoints that matter for private apps (contract §1.1).

- ``POST /oauth/v2/private-apps/get/access-token-info`` ``{"tokenKey": "<token>"}`` →
  ``{userId, hubId, appId, scopes}`` (third-party quote of the private-apps doc). An unknown,
  revoked or expired token gets the 401 body of §1.3 (UNCONFIRMED).
- ``GET /oauth/v1/access-tokens/{token}`` rejects ``pat-`` tokens with "The access token must
  have the correct format" and no category ([ISSUE nodejs#530]; status 400 UNCONFIRMED).
"""

from __future__ import annotations

from runtime.fake_hubspot.core.errors import (
    InvalidAuthentication,
    ResourceNotFound,
    ValidationError,
)
from runtime.fake_hubspot.core.http import Response, field_str, json_response
from runtime.fake_hubspot.core.routing import Context


class _TokenFormat(ValidationError):
    category = None


def token_info(ctx: Context) -> Response:
    """Introspect a private-app token."""
    token = field_str(ctx.request.json_object(), "tokenKey", required=True) or ""
    app = ctx.portal.apps.find_by_token(token)
    if app is None:
        raise InvalidAuthentication()
    return json_response(
        200,
        {
            "userId": app.user_id,
            "hubId": ctx.portal.portal_id,
            "appId": app.app_id,
            "scopes": list(app.scopes),
        },
    )


def access_token(ctx: Context) -> Response:
    """The OAuth access-token lookup, which does not know private-app tokens."""
    if ctx.params["token"].startswith("pat-"):
        raise _TokenFormat("The access token must have the correct format")
    raise ResourceNotFound()
