"""Routes of hsrun's control API (``/_hsrun/...``)."""

from __future__ import annotations

from runtime.fake_hubspot.control import responses as r
from runtime.fake_hubspot.core.routing import UNLIMITED, Route

PREFIX = "/_hsrun"


def routes() -> list[Route]:
    """Health, reset and the call log; no token, no limits, not logged."""
    return [
        Route("GET", f"{PREFIX}/health", r.health, auth=False, bucket=UNLIMITED, log=False),
        Route("POST", f"{PREFIX}/reset", r.reset, auth=False, bucket=UNLIMITED, log=False),
        Route("GET", f"{PREFIX}/calls", r.calls, auth=False, bucket=UNLIMITED, log=False),
    ]
