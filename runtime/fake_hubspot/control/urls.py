"""Routes of hsrun's control API (``/_hsrun/...``)."""

from __future__ import annotations

from runtime.fake_hubspot.control import responses as r
from runtime.fake_hubspot.core.routing import UNLIMITED, Route

PREFIX = "/_hsrun"


def routes() -> list[Route]:
    """Health, reset and the call log; no token, no limits, not logged.

    Reset and the call log need the portal's control key (``X-Hsrun-Control``): an action's
    ``requests.post("https://api.hubapi.com/_hsrun/reset")`` reaches this server too, and
    must not wipe the portal. Health tells nothing but the portal id and tier.
    """
    return [
        Route("GET", f"{PREFIX}/health", r.health, auth=False, bucket=UNLIMITED, log=False),
        Route(
            "POST",
            f"{PREFIX}/reset",
            r.reset,
            auth=False,
            bucket=UNLIMITED,
            log=False,
            control=True,
        ),
        Route(
            "GET", f"{PREFIX}/calls", r.calls, auth=False, bucket=UNLIMITED, log=False, control=True
        ),
    ]
