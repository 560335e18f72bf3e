"""A seed document with a misspelt key is refused, not silently ignored."""

from __future__ import annotations

import pytest

from runtime.errors import PortalError
from runtime.fake_hubspot import FakePortal, seed_portal


def test_unknown_seed_keys_are_named() -> None:
    with pytest.raises(PortalError, match=r"unknown key\(s\) owner, record; the keys are apps"):
        seed_portal(FakePortal(), {"record": {}, "owner": []})
