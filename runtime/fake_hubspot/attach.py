"""The persistent portal served for one ``hsrun`` command (``hsrun invoke`` uses it).

    with attach(get_settings()) as portal:
        result = runner.run(action, portal=portal)   # portal.url, record_properties, calls_between

On entry a server listens on ``127.0.0.1:0`` in a background thread; the portal is loaded from
``.hsrun/portal.db`` only when first needed (the action's first HubSpot call, or the enrolled
record's properties), so a run that never touches HubSpot costs the same whatever the portal's
size. Once loaded, every request that changes it is written to the database before it is
answered (:mod:`.store`), and other hsrun processes' changes are taken in as they happen.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from typing import Any

from runtime.config import Settings
from runtime.errors import PortalError
from runtime.fake_hubspot.portal import FakePortal
from runtime.fake_hubspot.server import PortalServer
from runtime.fake_hubspot.store import PortalFile


class AttachedPortal:
    """A served portal: what ``runtime.invoke.PortalLink`` needs, plus the portal itself."""

    def __init__(self, server: PortalServer) -> None:
        self.server = server

    @property
    def portal(self) -> FakePortal:
        """The portal (loaded now if it was not yet).

        Raises:
            PortalError: the state file is unreadable.
        """
        return self.server.portal

    @property
    def load_error(self) -> PortalError | None:
        """Why the portal could not be loaded when the action called HubSpot, if so."""
        return self.server.load_error

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
        """API calls answered in a run's time window (none if the portal was never loaded)."""
        if not self.server.loaded:
            return []
        return self.portal.calls_between(start, end)

    def scope_hints(self, start: float) -> list[str]:
        """For each private app refused with 403 ``MISSING_SCOPES`` since ``start``: which
        scope it lacks and the command that adds it (the app keeps its other scopes)."""
        if not self.server.loaded:
            return []
        hints: dict[str, str] = {}
        for call in self.portal.calls_between(start, float("inf")):
            app, wanted = call.get("app"), call.get("missingScopes")
            if not app or not wanted or app in hints:
                continue
            try:
                held = self.portal.apps.get(app).scopes
            except PortalError:
                continue  # deleted since
            scopes = ",".join([*held, wanted[-1]])
            hints[app] = (
                f"HubSpot answered 403 MISSING_SCOPES to {call.get('method')} "
                f"{call.get('path')}: the private app {app!r} needs one of "
                f"{', '.join(wanted)}; add one with: hsrun portal apps scopes {app} "
                f"--scopes {scopes}"
            )
        return list(hints.values())

    def __repr__(self) -> str:
        return f"AttachedPortal(url={self.url!r})"


@contextlib.contextmanager
def attach(
    settings: Settings, *, save: bool = True, sock: socket.socket | None = None
) -> Iterator[AttachedPortal]:
    """Serve the project's persistent portal for the duration of the block.

    Args:
        settings: where the portal lives (``settings.portal_path``) and its id.
        save: write changes to the database (``False``: the portal is a throw-away copy,
            e.g. for a dry run).
        sock: a loopback socket already listening, to serve on (default: a new one).

    Raises:
        PortalError: the server cannot start. (An unreadable state file is reported when
            the portal is first needed: ``record_properties`` raises it, and the action's
            HubSpot calls get a 503 naming it; ``load_error`` keeps it.)
    """
    store = PortalFile(settings)

    def load() -> FakePortal:
        portal, _ = store.load()
        if not save:
            store.detach(portal)
        return portal

    server = PortalServer(loader=load, sock=sock).start()
    try:
        yield AttachedPortal(server)
    finally:
        server.stop()
        if save and server.loaded:
            store.close(server.portal)


@contextlib.contextmanager
def attach_memory(portal: FakePortal | None = None) -> Iterator[AttachedPortal]:
    """Serve an in-memory portal the same way (tests, the pytest plugin)."""
    server = PortalServer(portal).start()
    try:
        yield AttachedPortal(server)
    finally:
        server.stop()
