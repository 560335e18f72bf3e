"""Rate limits with a fake clock: ten-secondly, daily, search, tiers (contract §3)."""

from __future__ import annotations

import pytest

from runtime.errors import PortalError
from runtime.fake_hubspot import FakePortal
from runtime.fake_hubspot.core.errors import RateLimited
from runtime.fake_hubspot.core.ratelimit import RateLimiter, RateLimitSettings, tier_limits


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_ten_secondly_window_rolls() -> None:
    clock = Clock()
    limiter = RateLimiter(tier="starter", monotonic=clock)
    for _ in range(100):
        limiter.admit(1)
    with pytest.raises(RateLimited) as info:
        limiter.admit(1)
    assert info.value.policy_name == "TEN_SECONDLY_ROLLING"
    assert info.value.headers["X-HubSpot-RateLimit-Remaining"] == "0"
    limiter.admit(2)  # the burst limit is per app
    clock.now += 10.0
    assert limiter.admit(1)["X-HubSpot-RateLimit-Remaining"] == "99"


def test_search_bucket_is_separate_and_secondly() -> None:
    clock = Clock()
    limiter = RateLimiter(monotonic=clock)
    for _ in range(5):
        assert limiter.admit(1, search=True) == {}
    with pytest.raises(RateLimited) as info:
        limiter.admit(1, search=True)
    assert info.value.message == "You have reached your secondly limit."
    assert limiter.admit(1)["X-HubSpot-RateLimit-Remaining"] == "99"  # not in the 10 s bucket
    clock.now += 1.0
    limiter.admit(1, search=True)


def test_daily_limit_is_per_account_and_resets_at_midnight() -> None:
    wall = Clock()
    wall.now = 1_700_000_000.0
    limiter = RateLimiter(monotonic=Clock(), wall=wall)
    limiter.daily = 3
    limiter.admit(1)
    limiter.admit(2)
    limiter.admit(3, search=True)
    with pytest.raises(RateLimited) as info:
        limiter.admit(4)
    assert (
        info.value.policy_name == "DAILY"
        and info.value.message == "You have reached your daily limit."
    )
    wall.now += 86400
    limiter.admit(1)


def test_disabled_limits_count_but_never_refuse() -> None:
    limiter = RateLimiter(settings=RateLimitSettings(enabled=False), monotonic=Clock())
    for _ in range(150):
        headers = limiter.admit(1)
    assert headers["X-HubSpot-RateLimit-Remaining"] == "0"


def test_tiers_and_packs() -> None:
    assert tier_limits("free") == (100, 250_000)
    assert tier_limits("professional") == (190, 625_000)
    assert tier_limits("enterprise", packs=2) == (250, 3_000_000)
    with pytest.raises(PortalError):
        tier_limits("gold")


def test_retry_after_is_optional() -> None:
    portal = FakePortal(rate_limits=RateLimitSettings(retry_after=True, search_per_second=1))
    app = portal.private_app("ci", ["crm.objects.contacts.read"])
    portal.request("POST", "/crm/v3/objects/contacts/search", token=app.token, json={})
    limited = portal.request("POST", "/crm/v3/objects/contacts/search", token=app.token, json={})
    assert limited.status == 429 and limited.headers["Retry-After"] == "1"
