"""The persistent portal served for one ``hsrun`` command (``hsrun invoke`` uses it).

    with attach(get_settings()) as portal:
        result = runner.run(action, portal=portal)   # portal.url, record_properties, calls_between

On entry the portal is loaded from ``.hsrun/portal.json`` and served on ``127.0.0.1:0`` in a
background thread; on exit the server stops and the state is saved atomically, merged with
whatever other hsrun processes saved meanwhile (:mod:`.persistence`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from runtime.config import Settings
from runtime.fake_hubspot.persistence import PortalFile
from runtime.fake_hubspot.portal import FakePortal
from runtime.fake_hubspot.server import PortalServer


class AttachedPortal:
    """A served portal: what ``runtime.invoke.PortalLink`` needs, plus the portal itself."""

    def __init__(self, portal: FakePortal, server: PortalServer) -> None:
        self.portal = portal
        self.server = server

    @property
    def url(self) -> str:
        """The loopback URL the action's HubSpot calls are routed to."""
        return self.server.url

    def record_properties(
        self, object_type: str, object_id: int, names: list[str]
    ) -> dict[str, str | None]:
        """Property values of a record (``inputFields`` of the enrolled record)."""
        return self.portal.record_properties(object_type, object_id, names)

    def calls_between(self, start: float, end: float) -> list[dict[str, Any]]:
        """API calls answered in a run's time window."""
        return self.portal.calls_between(start, end)

    def __repr__(self) -> str:
        return f"AttachedPortal(url={self.url!r})"


@contextlib.contextmanager
def attach(settings: Settings, *, save: bool = True) -> Iterator[AttachedPortal]:
    """Serve the project's persistent portal for the duration of the block.

    Args:
        settings: where the portal lives (``settings.portal_path``) and its id.
        save: write the state back on exit (merged with concurrent writers).

    Raises:
        PortalError: the state file is unreadable or the server cannot start.
    """
    store = PortalFile(settings)
    portal, base = store.load()
    server = PortalServer(portal).start()
    try:
        yield AttachedPortal(portal, server)
    finally:
        server.stop()
        if save:
            store.save(portal, base)


@contextlib.contextmanager
def attach_memory(portal: FakePortal | None = None) -> Iterator[AttachedPortal]:
    """Serve an in-memory portal the same way (tests, the pytest plugin)."""
    server = PortalServer(portal).start()
    try:
        yield AttachedPortal(server.portal, server)
    finally:
        server.stop()
