"""Rate limits per private app and per account, by subscription tier (contract §3).

Three buckets, all deterministic (an injectable monotonic clock):

- **ten-secondly**: a rolling 10 s window per app; 100 (Free/Starter) or 190 (Professional,
  Enterprise) requests, 250 with the API limit increase pack (§3.1). 429 ``TEN_SECONDLY_ROLLING``.
- **daily**: per account, shared by every app, reset at midnight in the portal's time zone
  (§3.1). 429 ``DAILY``.
- **search**: 5 requests per second per account, exempt from the ten-secondly bucket (§3.2).
  429 ``SECONDLY`` with the exact message the Node client keys its retry on (§2.4).

Non-search answers carry the ``X-HubSpot-RateLimit-*`` headers (§3.3); search answers carry
none. Limits are on by default; ``RateLimitSettings(enabled=False)`` keeps counting (the
headers stay truthful) but never answers 429.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from runtime.errors import PortalError, PortalValueError
from runtime.fake_hubspot.core.errors import RateLimited

WINDOW_SECONDS = 10.0
SEARCH_WINDOW_SECONDS = 1.0

#: Tier → (requests per 10 s per app, requests per day per account), contract §3.1. The
#: Professional daily figure is the docs table's 625,000 (the changelog says 650,000:
#: UNCONFIRMED which is live).
TIERS: dict[str, tuple[int, int]] = {
    "free": (100, 250_000),
    "starter": (100, 250_000),
    "professional": (190, 625_000),
    "enterprise": (190, 1_000_000),
}
#: API limit increase pack: burst 250 (not stacking), +1,000,000 a day per pack, max 2 packs.
PACK_BURST = 250
PACK_DAILY = 1_000_000
MAX_PACKS = 2

#: Contract §2.4: the secondly message is exact; the ten-secondly wording is UNCONFIRMED and
#: follows the documented daily/secondly pattern.
MESSAGES = {
    "DAILY": "You have reached your daily limit.",
    "SECONDLY": "You have reached your secondly limit.",
    "TEN_SECONDLY_ROLLING": "You have reached your ten_secondly_rolling limit.",
}


@dataclass
class RateLimitSettings:
    """How strict the portal is.

    Attributes:
        enabled: answer 429 when a bucket is empty (counting and headers happen regardless).
        search_per_second: the search bucket size (contract §3.2: 5 per account).
        retry_after: add ``Retry-After`` to 429s. UNCONFIRMED whether HubSpot sends it; off by
            default because urllib3's ``Retry`` would sleep on it.
    """

    enabled: bool = True
    search_per_second: int = 5
    retry_after: bool = False


def tier_limits(tier: str, packs: int = 0) -> tuple[int, int]:
    """(burst per 10 s, daily) for a tier and a number of API limit increase packs.

    Raises:
        PortalError: unknown tier or pack count.
    """
    if tier not in TIERS:
        raise PortalValueError(f"unknown tier {tier!r} (one of {', '.join(TIERS)})")
    if not 0 <= packs <= MAX_PACKS:
        raise PortalValueError(f"API limit increase packs must be 0..{MAX_PACKS}, got {packs}")
    burst, daily = TIERS[tier]
    if packs:
        burst, daily = PACK_BURST, daily + PACK_DAILY * packs
    return burst, daily


class RateLimiter:
    """Counts requests and decides 429s. Call :meth:`admit` once per authenticated request."""

    def __init__(
        self,
        *,
        tier: str = "starter",
        packs: int = 0,
        timezone: str = "UTC",
        settings: RateLimitSettings | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings or RateLimitSettings()
        self._monotonic = monotonic
        self._wall = wall
        self.configure(tier=tier, packs=packs, timezone=timezone)
        self._windows: dict[int, deque[float]] = {}
        self._seconds: dict[int, deque[float]] = {}  # the last second of each app's window
        self._search: deque[float] = deque()
        self._day = ""
        self._day_ends = 0.0
        self.daily_used = 0

    def configure(self, *, tier: str, packs: int = 0, timezone: str = "UTC") -> None:
        """Change the tier (limits follow at once)."""
        self.burst, self.daily = tier_limits(tier, packs)
        try:
            self._zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise PortalError(f"unknown time zone {timezone!r}") from None
        self.tier, self.packs, self.timezone = tier, packs, timezone
        self._day_ends = 0.0  # recompute the next midnight in the (new) zone

    def reset(self) -> None:
        """Forget every count (a new day, an empty window)."""
        self._windows.clear()
        self._seconds.clear()
        self._search.clear()
        self.daily_used = 0

    def _roll_day(self) -> None:
        now = self._wall()
        if now < self._day_ends:
            return
        local = datetime.fromtimestamp(now, self._zone)
        day = local.date().isoformat()
        midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        self._day_ends = midnight.timestamp()
        if day != self._day:
            self._day, self.daily_used = day, 0

    def admit(self, app_id: int, *, search: bool = False) -> dict[str, str]:
        """Count one request; the headers to send, or :class:`RateLimited`.

        Raises:
            RateLimited: a bucket is empty and limits are enabled.
        """
        now = self._monotonic()
        self._roll_day()
        enforce = self.settings.enabled
        if enforce and self.daily_used >= self.daily:
            raise self._limited("DAILY", {} if search else self._headers(app_id, now))
        if search:
            while self._search and self._search[0] <= now - SEARCH_WINDOW_SECONDS:
                self._search.popleft()
            if enforce and len(self._search) >= self.settings.search_per_second:
                raise self._limited("SECONDLY", {})
            self._search.append(now)
            self.daily_used += 1
            return {}  # contract §3.3: search answers carry no rate-limit headers
        window = self._window(app_id, now)
        if enforce and len(window) >= self.burst:
            raise self._limited("TEN_SECONDLY_ROLLING", self._headers(app_id, now))
        window.append(now)
        self._seconds.setdefault(app_id, deque()).append(now)
        self.daily_used += 1
        return self._headers(app_id, now)

    def _window(self, app_id: int, now: float) -> deque[float]:
        window = self._windows.setdefault(app_id, deque())
        while window and window[0] <= now - WINDOW_SECONDS:
            window.popleft()
        return window

    def _headers(self, app_id: int, now: float) -> dict[str, str]:
        used = len(self._window(app_id, now))
        secondly = max(self.burst // 10, 1)
        last_second = self._seconds.get(app_id, deque())
        while last_second and last_second[0] <= now - 1.0:
            last_second.popleft()
        recent = len(last_second)
        return {
            "X-HubSpot-RateLimit-Daily": str(self.daily),
            "X-HubSpot-RateLimit-Daily-Remaining": str(max(self.daily - self.daily_used, 0)),
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(int(WINDOW_SECONDS * 1000)),
            "X-HubSpot-RateLimit-Max": str(self.burst),
            "X-HubSpot-RateLimit-Remaining": str(max(self.burst - used, 0)),
            "X-HubSpot-RateLimit-Secondly": str(secondly),
            "X-HubSpot-RateLimit-Secondly-Remaining": str(max(secondly - recent, 0)),
        }

    def _limited(self, policy: str, headers: dict[str, str]) -> RateLimited:
        headers = dict(headers)
        if self.settings.retry_after:
            headers["Retry-After"] = "1" if policy == "SECONDLY" else "10"
        return RateLimited(MESSAGES[policy], policy, headers)

    def usage(self) -> dict[str, int | str]:
        """Today's usage for the account (``/account-info/v3/api-usage/daily/private-apps``)."""
        self._roll_day()
        return {"day": self._day, "used": self.daily_used, "limit": self.daily}
