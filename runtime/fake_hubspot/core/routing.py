"""Routing: URL templates to handlers, and the nearest routes when nothing matches.

A template is HubSpot's path with ``{name}`` placeholders, as in the API reference
(``/crm/v3/objects/{objectType}/{objectId}``). When two templates match, the one with a
literal segment earlier wins (``/crm/v3/objects/contacts/merge`` beats ``{objectId}``).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from runtime.fake_hubspot.core.errors import NotEmulated, ResourceNotFound
from runtime.fake_hubspot.core.http import Request, Response, decode_segment

if TYPE_CHECKING:
    from runtime.fake_hubspot.core.apps import PrivateApp
    from runtime.fake_hubspot.portal import FakePortal

#: Which rate-limit bucket a route draws from (contract §3): the 10-second and daily buckets,
#: the search bucket (5/s, exempt from the 10-second one), or none (hsrun's own routes).
STANDARD = "standard"
#: Digits of the largest id (HubSpot's ids are signed 64-bit numbers).
MAX_ID_DIGITS = 19
SEARCH = "search"
UNLIMITED = "none"


@dataclass
class Context:
    """What a handler gets: the portal, the request, path parameters and the caller."""

    portal: FakePortal
    request: Request
    params: dict[str, str]
    raw_params: dict[str, str]
    app: PrivateApp | None
    correlation_id: str


Handler = Callable[[Context], Response]
#: Scopes any one of which lets the caller through, computed from the path parameters.
ScopeRule = Callable[[dict[str, str]], list[str]]


@dataclass
class Route:
    """One endpoint.

    Attributes:
        method: HTTP method.
        template: path template with ``{name}`` placeholders.
        handler: the function answering it.
        scopes: the scope rule, or ``None`` when any valid token will do.
        auth: whether a token is needed at all.
        bucket: the rate-limit bucket (``STANDARD``, ``SEARCH`` or ``UNLIMITED``).
        log: whether calls go to the call log (hsrun's own control routes do not).
        area: the API area that registered it (a store writes that area's changes).
        control: one of hsrun's own control routes, answered only to a request carrying
            the portal's control key (never to an action's HubSpot traffic).
    """

    method: str
    template: str
    handler: Handler
    scopes: ScopeRule | None = None
    auth: bool = True
    bucket: str = STANDARD
    log: bool = True
    area: str = ""
    control: bool = False
    segments: tuple[str, ...] = field(init=False)
    score: tuple[int, ...] = field(init=False)
    _parts: tuple[tuple[str, bool], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.method = self.method.upper()
        self.segments = tuple(s for s in self.template.strip("/").split("/") if s)
        self.score = tuple(0 if _is_param(s) else 1 for s in self.segments)
        self._parts = tuple((s[1:-1], True) if _is_param(s) else (s, False) for s in self.segments)

    def match(self, parts: list[str]) -> dict[str, str] | None:
        """Raw (still encoded) parameters if ``parts`` fits this template."""
        if len(parts) != len(self.segments):
            return None
        params: dict[str, str] = {}
        for (name, is_param), part in zip(self._parts, parts, strict=True):
            if is_param:
                params[name] = part
            elif name != part:
                return None
        return params

    def describe(self) -> str:
        return f"{self.method} {self.template}"


def _is_param(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


class Router:
    """All routes of every area; finds the handler for a request."""

    def __init__(self, routes: list[Route] | None = None) -> None:
        self._by_key: dict[tuple[str, int], list[Route]] = {}
        self.routes: list[Route] = []
        for route in routes or []:
            self.add(route)

    def add(self, route: Route) -> None:
        """Register one route."""
        self.routes.append(route)
        bucket = self._by_key.setdefault((route.method, len(route.segments)), [])
        bucket.append(route)
        bucket.sort(key=lambda r: r.score, reverse=True)

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str], dict[str, str]]:
        """The route for ``method path`` with decoded and raw parameters.

        Raises:
            NotEmulated: no route; a 404 in HubSpot's envelope whose context names the nearest
                known routes.
        """
        parts = [p for p in path.split("/") if p]
        for route in self._by_key.get((method.upper(), len(parts)), ()):
            raw = route.match(parts)
            if raw is not None:
                decoded = {k: decode_segment(v) for k, v in raw.items()}
                if any(v.isdigit() and len(v) > MAX_ID_DIGITS for v in decoded.values()):
                    # HubSpot's ids are 64-bit: a 5,000-digit id names nothing.
                    raise ResourceNotFound()
                return route, decoded, raw
        shown = "/" + "/".join(parts)
        raise NotEmulated(method.upper(), shown, self.nearest(method, path))

    def nearest(self, method: str, path: str, count: int = 3) -> list[str]:
        """Up to ``count`` known routes that look most like ``method path``."""
        parts = [p for p in path.split("/") if p]
        target = f"{method.upper()} /{'/'.join(parts)}"
        scored: list[tuple[float, str]] = []
        for route in self.routes:
            filled = [
                parts[i] if _is_param(seg) and i < len(parts) else seg
                for i, seg in enumerate(route.segments)
            ]
            candidate = f"{route.method} /{'/'.join(filled)}"
            ratio = difflib.SequenceMatcher(None, target, candidate).ratio()
            scored.append((ratio, route.describe()))
        scored.sort(key=lambda item: item[0], reverse=True)
        out: list[str] = []
        for _, name in scored:
            if name not in out:
                out.append(name)
            if len(out) == count:
                break
        return out
