"""The persistent portal served for one ``hsrun`` command (``hsrun invoke`` uses it).

    with attach(get_settings()) as portal:
        result = runner.run(action, portal=portal)   # portal.url, record_properties, calls_between

On entry the portal is loaded from ``.hsrun/portal.db`` and served on ``127.0.0.1:0`` in a
background thread; every request that changes it is written to the database before it is
answered (:mod:`.store`), and other hsrun processes' changes are taken in as they happen.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from runtime.config import Settings
from runtime.fake_hubspot.portal import FakePortal
from runtime.fake_hubspot.server import PortalServer
from runtime.fake_hubspot.store import PortalFile


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
        save: write changes to the database (``False``: the portal is a throw-away copy,
            e.g. for a dry run).

    Raises:
        PortalError: the state file is unreadable or the server cannot start.
    """
    store = PortalFile(settings)
    portal, _ = store.load()
    if not save:
        store.detach(portal)
    server = PortalServer(portal).start()
    try:
        yield AttachedPortal(portal, server)
    finally:
        server.stop()
        if save:
            store.close(portal)


@contextlib.contextmanager
def attach_memory(portal: FakePortal | None = None) -> Iterator[AttachedPortal]:
    """Serve an in-memory portal the same way (tests, the pytest plugin)."""
    server = PortalServer(portal).start()
    try:
        yield AttachedPortal(server.portal, server)
    finally:
        server.stop()
