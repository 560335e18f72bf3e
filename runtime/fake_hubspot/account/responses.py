"""Account information: daily API usage and account details.

``GET /account-info/v3/api-usage/daily/private-apps`` answers the documented shape
(contract §3.1): ``{"results": [{"collectedAt", "currentUsage", "fetchStatus": "SUCCESS",
"name": "private-apps-api-calls-daily", "resetsAt", "usageLimit"}]}``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from runtime.fake_hubspot.core.clock import iso_ms, now_ms
from runtime.fake_hubspot.core.http import Response, json_response
from runtime.fake_hubspot.core.routing import Context


def daily_usage(ctx: Context) -> Response:
    """Today's private-app calls against the account's daily limit."""
    limiter = ctx.portal.limiter
    usage = limiter.usage()
    zone = ZoneInfo(limiter.timezone)
    local = datetime.fromtimestamp(ctx.portal.clock(), zone)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return json_response(
        200,
        {
            "results": [
                {
                    "collectedAt": iso_ms(now_ms(ctx.portal.clock)),
                    "currentUsage": usage["used"],
                    "fetchStatus": "SUCCESS",
                    "name": "private-apps-api-calls-daily",
                    "resetsAt": iso_ms(int(midnight.timestamp() * 1000)),
                    "usageLimit": usage["limit"],
                }
            ]
        },
    )


def details(ctx: Context) -> Response:
    """``GET /account-info/v3/details``."""
    zone = ZoneInfo(ctx.portal.limiter.timezone)
    offset = datetime.fromtimestamp(ctx.portal.clock(), zone).utcoffset() or timedelta(0)
    millis = int(offset.total_seconds() * 1000)
    sign = "+" if millis >= 0 else "-"
    hours, minutes = divmod(abs(millis) // 60000, 60)
    return json_response(
        200,
        {
            "portalId": ctx.portal.portal_id,
            "accountType": "STANDARD",
            "timeZone": ctx.portal.limiter.timezone,
            "companyCurrency": "USD",
            "additionalCurrencies": [],
            "utcOffset": f"{sign}{hours:02d}:{minutes:02d}",
            "utcOffsetMilliseconds": millis,
            "uiDomain": "app.hubspot.com",
            "dataHostingLocation": "na1" if ctx.portal.apps.region == "na1" else "eu1",
        },
    )
