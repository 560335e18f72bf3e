"""HubSpot's API hosts: the one list every part of hsrun routes to the fake portal.

Standard library only, and no imports of ours: the child bootstrap cannot import ``runtime``,
so the runner sends it this list with every job (``job["network"]["hubspot_hosts"]``).

Sources: every generated configuration of ``hubspot-api-client`` defaults to
``https://api.hubapi.com`` (``docs/hubspot-api-contract.md`` §4); ``api.hubspot.com`` is the
older alias HubSpot still answers on; accounts hosted in HubSpot's EU data centre use
``api-eu1.hubapi.com`` (their tokens read ``pat-eu1-…``, contract §1); ``api.hubapi.eu`` is
kept for clients configured with the EU domain.
"""

from __future__ import annotations

#: The host every official client calls by default (HubSpot's North American data centre).
DEFAULT_HOST = "api.hubapi.com"
#: Its base URL, what ``--live`` deploys and runs talk to.
DEFAULT_BASE_URL = f"https://{DEFAULT_HOST}"

#: Hosts of HubSpot's public API, lower case, without a trailing dot.
HUBSPOT_HOSTS: frozenset[str] = frozenset(
    {DEFAULT_HOST, "api.hubspot.com", "api-eu1.hubapi.com", "api.hubapi.eu"}
)


def is_hubspot_host(host: str | None) -> bool:
    """Whether ``host`` (any case, a trailing dot allowed) is one of :data:`HUBSPOT_HOSTS`."""
    return (host or "").lower().rstrip(".") in HUBSPOT_HOSTS
