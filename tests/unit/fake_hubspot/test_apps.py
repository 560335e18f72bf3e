"""Private apps: token format, rotation with grace, deletion, the security log."""

from __future__ import annotations

import re

import pytest

from runtime.errors import PortalError
from runtime.fake_hubspot import FakePortal
from runtime.fake_hubspot.core.errors import InvalidAuthentication

PATTERN = re.compile(r"^pat-(na1|eu1)-[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def test_token_format_and_redacted_repr() -> None:
    portal = FakePortal()
    app = portal.private_app("ci", ["crm.objects.contacts.read"])
    assert PATTERN.match(app.token)
    assert app.token not in repr(app)
    assert PATTERN.match(FakePortal(region="eu1").private_app("x").token)


def test_rotation_grace_period_expires() -> None:
    clock = Clock()
    portal = FakePortal(clock=clock)
    app = portal.private_app("ci")
    old = app.token
    portal.apps.rotate("ci", expire_old="7d")
    assert portal.apps.authenticate(f"Bearer {old}") is app
    clock.now += 7 * 24 * 3600
    with pytest.raises(InvalidAuthentication):
        portal.apps.authenticate(f"Bearer {old}")
    assert portal.apps.authenticate(f"Bearer {app.token}") is app


def test_delete_revokes_and_names_are_unique() -> None:
    portal = FakePortal()
    app = portal.private_app("ci", ["tickets"])
    assert portal.private_app("ci", ["tickets"]) is app
    with pytest.raises(PortalError, match="already exists"):
        portal.private_app("ci", ["crm.objects.contacts.read"])
    portal.apps.delete("ci")
    with pytest.raises(InvalidAuthentication):
        portal.apps.authenticate(f"Bearer {app.token}")
    with pytest.raises(PortalError, match="no private app named 'ci'"):
        portal.apps.rotate("ci")


def test_security_log_records_every_token_event_without_tokens() -> None:
    portal = FakePortal()
    app = portal.private_app("ci")
    portal.apps.show_token("ci")
    portal.apps.rotate("ci")
    portal.apps.set_scopes("ci", ["tickets"])
    portal.apps.delete("ci")
    events = portal.security_log.query(app="ci")
    assert [e["event"] for e in events] == [
        "created",
        "shown",
        "rotated",
        "scopes_changed",
        "deleted",
    ]
    assert all(e["user"] for e in events)
    assert all(app.tokens[0].value not in str(e) for e in events)
    with pytest.raises(PortalError):
        portal.apps.rotate("ci", expire_old="tomorrow")
