"""The registry of API areas: which routes and which backend each area brings.

The fake is laid out like moto's services. One subpackage per HubSpot API area::

    runtime/fake_hubspot/<area>/
        models.py      state and HubSpot's rules; never sees HTTP
        responses.py   parses requests, calls the backend, serialises HubSpot's answers
        urls.py        ``routes() -> list[Route]``: method, path template, handler, scopes

Adding an area (the ``automation`` area, Workflows v4 ``/automation/v4/flows``, was added
this way):

1. Write ``automation/models.py`` with a backend class. A backend takes the portal in its
   constructor and has ``reset()``, ``to_state() -> dict[str, dict]`` and
   ``load_state(dict)``. ``to_state`` returns a flat mapping *key → JSON object* (one key per
   entity, e.g. ``"flows/123"``): persistence merges concurrent writers key by key, so never
   pack many entities under one key.
2. Write ``automation/responses.py``: handlers ``(ctx: Context) -> Response`` that parse
   ``ctx.request`` with the helpers of :mod:`.core.http`, call
   ``ctx.portal.backend(AutomationBackend)`` and answer with ``json_response`` / ``no_content``.
   Raise the :mod:`.core.errors` classes for HubSpot's error answers.
3. Write ``automation/urls.py`` with ``routes()``; give each route its scope rule
   (``scopes.fixed("automation")``, contract §1.5) and its rate-limit bucket.
4. Add one line to :func:`builtin_areas` below::

       Area("automation", _routes("automation"), _backend("automation", "AutomationBackend"))

Auth, scopes, rate limits, the call log, correlation ids, error envelopes, in-process
interception, the server and persistence then apply to the new area with no further code.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from runtime.fake_hubspot.core.routing import Route
    from runtime.fake_hubspot.portal import FakePortal


class Backend(Protocol):
    """What the portal needs from an area's state."""

    def reset(self) -> None: ...

    def to_state(self) -> dict[str, dict[str, Any]]: ...

    def load_state(self, data: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class Area:
    """One API area: its routes and (optionally) its backend factory."""

    name: str
    routes: Callable[[], list[Route]]
    backend: Callable[[FakePortal], Backend] | None = None


_EXTRA: dict[str, Area] = {}


def _routes(package: str) -> Callable[[], list[Route]]:
    def load() -> list[Route]:
        module = importlib.import_module(f"runtime.fake_hubspot.{package}.urls")
        routes: list[Route] = module.routes()
        return routes

    return load


def _backend(package: str, class_name: str) -> Callable[[FakePortal], Backend]:
    def build(portal: FakePortal) -> Backend:
        module = importlib.import_module(f"runtime.fake_hubspot.{package}.models")
        backend: Backend = getattr(module, class_name)(portal)
        return backend

    return build


def _portal_clocked(
    package: str, class_name: str, *, ids: bool = True
) -> Callable[[FakePortal], Backend]:
    """Backends built from the portal's clock (and, with ``ids``, its id allocator) rather
    than from the portal."""

    def build(portal: FakePortal) -> Backend:
        module = importlib.import_module(f"runtime.fake_hubspot.{package}.models")
        cls = getattr(module, class_name)
        backend: Backend = cls(portal.now_ms, portal.allocate_id) if ids else cls(portal.now_ms)
        return backend

    return build


def builtin_areas() -> list[Area]:
    """The areas every portal has, in routing order."""
    return [
        # Schemas first: custom object types must exist before their properties and records
        # are loaded.
        Area("schemas", _routes("schemas"), _backend("schemas", "SchemasBackend")),
        Area(
            "properties",
            _routes("properties"),
            _portal_clocked("properties", "PropertiesBackend", ids=False),
        ),
        Area("owners", _routes("owners"), _portal_clocked("owners", "OwnersBackend")),
        Area("crm_objects", _routes("crm_objects"), _backend("crm_objects", "ObjectsBackend")),
        Area(
            "associations", _routes("associations"), _backend("associations", "AssociationsBackend")
        ),
        Area("automation", _routes("automation"), _backend("automation", "AutomationBackend")),
        Area("lists", _routes("lists"), _backend("lists", "ListsBackend")),
        Area("hubdb", _routes("hubdb"), _backend("hubdb", "HubDbBackend")),
        Area("marketing", _routes("marketing"), _backend("marketing", "MarketingEmailsBackend")),
        Area("pipelines", _routes("pipelines"), _backend("pipelines", "PipelinesBackend")),
        Area("engagements", _routes("engagements")),
        Area("oauth", _routes("oauth")),
        Area("account", _routes("account")),
        Area("hsrun", _routes("control")),
    ]


def register_area(area: Area) -> None:
    """Add (or replace) an area for portals created from now on (plugins, tests)."""
    _EXTRA[area.name] = area


def areas() -> list[Area]:
    """Built-in areas plus registered ones (a registered name replaces a built-in)."""
    found = {a.name: a for a in builtin_areas()}
    found.update(_EXTRA)
    return list(found.values())
