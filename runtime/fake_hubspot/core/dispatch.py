"""One request in, one HubSpot answer out: routing, auth, scopes, rate limits, the call log.

Order (each step can answer on its own):

1. route, else a 404 in HubSpot's envelope saying the route is not emulated, naming the
   nearest routes; the call log marks the call ``notEmulated``;
2. ``Authorization: Bearer`` → private app, else 401 (§1.3);
3. scopes, else 403 ``MISSING_SCOPES`` (§1.4);
4. rate limits, else 429 (§2.4, §3);
5. the handler; a ``HubSpotError`` becomes HubSpot's envelope, anything else a JSON 500
   (a bug in the fake must never reach the client as a traceback or a dropped connection).

Every answer carries ``X-HubSpot-Correlation-Id`` (the same id as an error body's
``correlationId``) and lands in the call log.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Protocol

from runtime.fake_hubspot.core.errors import (
    HubSpotError,
    InternalError,
    MissingScopes,
    NotEmulated,
    new_correlation_id,
)
from runtime.fake_hubspot.core.http import Request, Response, json_response
from runtime.fake_hubspot.core.routing import SEARCH, UNLIMITED, Context

if TYPE_CHECKING:
    from runtime.fake_hubspot.portal import FakePortal

logger = logging.getLogger("runtime.fake_hubspot")
#: The header that carries the portal's control key (``FakePortal.control_key``).
CONTROL_HEADER = "x-hsrun-control"


class Storage(Protocol):
    """Durable storage a portal writes through, inside each request.

    ``begin`` takes in what other processes wrote (and, for a write, takes the store's write
    lock); ``end`` writes what the request changed before the answer leaves, so an
    acknowledged write survives the process being killed the next instant.
    """

    def begin(self, *, write: bool) -> None: ...

    def end(self, *, write: bool, area: str) -> None: ...


def dispatch(portal: FakePortal, request: Request) -> Response:
    """Answer ``request`` as HubSpot would, and log it."""
    started = time.perf_counter()
    correlation_id = new_correlation_id()
    app_name: str | None = None
    limit_headers: dict[str, str] = {}
    log = True
    emulated = True
    missing: list[str] | None = None
    area = ""
    # Only GET is a pure read; a search or batch read is a POST but changes nothing, and
    # the store finds nothing to write for it.
    write = request.method != "GET"
    with portal.lock:
        storage = portal.storage
        if storage is not None:
            try:
                storage.begin(write=write)
            except Exception:
                logger.exception("fake portal cannot read its store")
                error = InternalError("internal error in the fake portal: its store is unavailable")
                return json_response(error.status, error.body(correlation_id))
        when = portal.clock()
        try:
            route, params, raw = portal.router.match(request.method, request.path)
            if route.control and not portal.is_control(request.headers.get(CONTROL_HEADER)):
                # An action's traffic reaches the same server; without the key the route
                # does not exist for it (and the attempt shows in the call log).
                raise NotEmulated(request.method.upper(), request.path, [])
            log = route.log
            area = route.area
            app = None
            if route.auth:
                app = portal.apps.authenticate(request.headers.get("authorization"))
                app_name = app.name
                if route.scopes is not None:
                    required = route.scopes(params)
                    if not app.has_any(required):
                        raise MissingScopes(required)
                if route.bucket != UNLIMITED:
                    limit_headers = portal.limiter.admit(app.app_id, search=route.bucket == SEARCH)
            if log and portal.faults.active:
                injected = portal.faults.next_call()  # a 429/5xx asked for (core/faults.py)
                if injected is not None:
                    raise injected
            ctx = Context(portal, request, params, raw, app, correlation_id)
            portal.writer = None if app is None else str(app.app_id)
            try:
                response = route.handler(ctx)
            finally:
                portal.writer = None
        except HubSpotError as exc:
            emulated = not isinstance(exc, NotEmulated)
            missing = exc.required if isinstance(exc, MissingScopes) else None
            response = json_response(exc.status, exc.body(correlation_id), exc.headers)
        except Exception as exc:  # a bug in the fake still gets a JSON answer
            logger.exception("fake portal failed on %s %s", request.method, request.path)
            error = InternalError(f"internal error in the fake portal: {type(exc).__name__}")
            response = json_response(error.status, error.body(correlation_id))
        for name, value in limit_headers.items():
            response.headers.setdefault(name, value)
        response.headers["X-HubSpot-Correlation-Id"] = correlation_id
        if log:
            portal.call_log.record(
                when=when,
                app=app_name,
                method=request.method,
                path=request.path,
                query="&".join(f"{k}={v}" for k, vs in request.query.items() for v in vs),
                status=response.status,
                duration_ms=(time.perf_counter() - started) * 1000,
                correlation_id=correlation_id,
                emulated=emulated,
                missing_scopes=missing,
            )
        if storage is not None:
            try:
                storage.end(write=write, area=area)
            except Exception:
                # Never acknowledge a write that did not reach the store.
                logger.exception("fake portal cannot write its store")
                error = InternalError(
                    "internal error in the fake portal: the change was not stored"
                )
                response = json_response(error.status, error.body(correlation_id))
                response.headers["X-HubSpot-Correlation-Id"] = correlation_id
    return response
