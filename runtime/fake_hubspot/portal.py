"""The fake portal: one HubSpot account's state, its private apps, limits and logs.

A :class:`FakePortal` answers HTTP requests (:meth:`FakePortal.handle`, used by the in-process
interceptor and by the server) and offers a Python API for arranging and checking state in
tests::

    portal = FakePortal()
    contact = portal.create("contacts", {"email": "ada@example.com"})
    app = portal.private_app("ci", scopes=["crm.objects.contacts.write"])
    ...
    assert portal.get("contacts", contact.id, archived=True).archived
"""

from __future__ import annotations

import contextlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar, overload

from runtime.config import DEFAULT_PORTAL_ID
from runtime.errors import PortalError
from runtime.fake_hubspot.core.apps import AppStore, PrivateApp
from runtime.fake_hubspot.core.clock import now_ms
from runtime.fake_hubspot.core.dispatch import dispatch
from runtime.fake_hubspot.core.errors import HubSpotError
from runtime.fake_hubspot.core.faults import FaultPlan
from runtime.fake_hubspot.core.http import Request, Response
from runtime.fake_hubspot.core.ids import IdAllocator, MemoryIds
from runtime.fake_hubspot.core.logs import DEFAULT_CALL_LOG_SIZE, CallLog, SecurityLog
from runtime.fake_hubspot.core.object_types import ObjectType, custom_types, resolve_object_type
from runtime.fake_hubspot.core.ratelimit import RateLimiter, RateLimitSettings
from runtime.fake_hubspot.core.routing import Router
from runtime.fake_hubspot.registry import Backend, areas

_B = TypeVar("_B")

if TYPE_CHECKING:
    from runtime.fake_hubspot.associations.models import AssociationsBackend
    from runtime.fake_hubspot.core.dispatch import Storage
    from runtime.fake_hubspot.crm_objects.models import ObjectsBackend
    from runtime.fake_hubspot.crm_objects.record import RecordView
    from runtime.fake_hubspot.owners.models import OwnersBackend
    from runtime.fake_hubspot.properties.models import PropertiesBackend

STATE_VERSION = 1


@contextlib.contextmanager
def as_portal_error() -> Iterator[None]:
    """HubSpot's answer to a Python helper call becomes a :class:`PortalError`."""
    try:
        yield
    except HubSpotError as exc:
        raise PortalError(f"HubSpot would answer {exc.status}: {exc.message}") from exc


class FakePortal:
    """One fake HubSpot account.

    Args:
        portal_id: the hub id (``event.origin.portalId``, token info ``hubId``).
        tier: ``free``, ``starter``, ``professional`` or ``enterprise`` (rate limits).
        packs: API limit increase packs (0-2).
        timezone: the account's time zone (the daily limit resets at its midnight).
        region: token region (``pat-<region>-…``).
        rate_limits: how strict the limits are (on by default).
        clock: wall clock in epoch seconds (timestamps, the call log, token expiry).
        monotonic: clock for the rolling rate-limit windows.
        ids: id allocator (the CLI's portal shares one between processes).
        call_log_size: calls kept.
    """

    def __init__(
        self,
        *,
        portal_id: int = DEFAULT_PORTAL_ID,
        tier: str = "starter",
        packs: int = 0,
        timezone: str = "UTC",
        region: str = "na1",
        rate_limits: RateLimitSettings | None = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        ids: IdAllocator | None = None,
        call_log_size: int = DEFAULT_CALL_LOG_SIZE,
    ) -> None:
        self.portal_id = portal_id
        self.clock = clock
        self.lock = threading.RLock()
        self.ids: IdAllocator = ids or MemoryIds()
        self.call_log = CallLog(call_log_size)
        #: API calls to answer with an injected 429/5xx (``core/faults.py``).
        self.faults = FaultPlan()
        self.security_log = SecurityLog(clock)
        self.apps = AppStore(clock, self.security_log, self.allocate_id, region=region)
        self.limiter = RateLimiter(
            tier=tier,
            packs=packs,
            timezone=timezone,
            settings=rate_limits,
            monotonic=monotonic,
            wall=clock,
        )
        self.backends: dict[str, Backend] = {}
        routes = []
        for area in areas():
            if area.backend is not None:
                self.backends[area.name] = area.backend(self)
            for route in area.routes():
                route.area = route.area or area.name
                routes.append(route)
        self.router = Router(routes)
        #: Durable storage the portal writes through (``None``: memory only).
        self.storage: Storage | None = None
        #: The secret a request to hsrun's control routes (``/_hsrun/reset``...) must carry
        #: in ``X-Hsrun-Control``: known to this process, never handed to an action.
        self.control_key = secrets.token_urlsafe(24)
        #: Seconds a created or changed record stays out of search results. HubSpot's search
        #: index lags writes by a few seconds (its search guide); off by default so tests are
        #: deterministic, on to make read-after-write bugs show.
        self.search_lag_s = 0.0
        #: The private app whose request is being answered (``propertiesWithHistory``'s
        #: ``sourceId``); ``None`` for Python helpers.
        self.writer: str | None = None

    # -- plumbing -----------------------------------------------------------------------

    def now_ms(self) -> int:
        return now_ms(self.clock)

    def allocate_id(self, kind: str) -> int:
        return self.ids(kind)

    @overload
    def backend(self, kind: str) -> Backend: ...

    @overload
    def backend(self, kind: type[_B]) -> _B: ...

    def backend(self, kind: str | type[_B]) -> Backend | _B:
        """An area's backend, by its class (``portal.backend(ObjectsBackend)``, typed, as moto
        looks its backends up) or by area name (``"automation"``, for a plugin's area).

        Raises:
            PortalError: no area has that name, or no area's backend is of that class (a
                plugin replaced it).
        """
        if isinstance(kind, str):
            try:
                return self.backends[kind]
            except KeyError:
                raise PortalError(f"no API area named {kind!r}") from None
        for found in self.backends.values():
            if isinstance(found, kind):
                return found
        raise PortalError(f"no API area of this portal has a {kind.__name__}")

    @property
    def objects(self) -> ObjectsBackend:
        from runtime.fake_hubspot.crm_objects.models import ObjectsBackend

        return self.backend(ObjectsBackend)

    @property
    def associations(self) -> AssociationsBackend:
        from runtime.fake_hubspot.associations.models import AssociationsBackend

        return self.backend(AssociationsBackend)

    @property
    def properties(self) -> PropertiesBackend:
        from runtime.fake_hubspot.properties.models import PropertiesBackend

        return self.backend(PropertiesBackend)

    @property
    def owners(self) -> OwnersBackend:
        from runtime.fake_hubspot.owners.models import OwnersBackend

        return self.backend(OwnersBackend)

    @property
    def rate_limits(self) -> RateLimitSettings:
        """The live rate-limit settings (``portal.rate_limits.enabled = False`` relaxes them)."""
        return self.limiter.settings

    @property
    def tier(self) -> str:
        return self.limiter.tier

    def set_tier(self, tier: str, *, packs: int = 0) -> None:
        """Change the subscription tier (and the rate limits with it)."""
        self.limiter.configure(tier=tier, packs=packs, timezone=self.limiter.timezone)

    @contextlib.contextmanager
    def relaxed_rate_limits(self) -> Iterator[None]:
        """No 429s inside the block (counting and headers continue)."""
        previous = self.rate_limits.enabled
        self.rate_limits.enabled = False
        try:
            yield
        finally:
            self.rate_limits.enabled = previous

    # -- HTTP -----------------------------------------------------------------------------

    def is_control(self, key: str | None) -> bool:
        """Whether ``key`` is this portal's control key (constant-time comparison)."""
        return key is not None and hmac.compare_digest(key, self.control_key)

    def control_headers(self) -> dict[str, str]:
        """Headers that open hsrun's control routes (``/_hsrun/reset``, ``/_hsrun/calls``)."""
        return {"X-Hsrun-Control": self.control_key}

    def handle(self, request: Request) -> Response:
        """Answer one request (the interceptor and the server call this)."""
        with custom_types(self.custom_type):
            return dispatch(self, request)

    def custom_type(self, name: str) -> ObjectType | None:
        """A custom object type of this portal by type id, fully qualified name or name."""
        schemas = self.backends.get("schemas")
        if schemas is None:
            return None
        found: ObjectType | None = schemas.find_type(name)  # type: ignore[attr-defined]
        return found

    def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """Send a request without any HTTP client (tests, the CLI)."""
        import json as json_module

        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        body = None if json is None else json_module.dumps(json)
        return self.handle(Request.build(method, path, sent, body))

    # -- private apps ---------------------------------------------------------------------

    def private_app(self, name: str, scopes: list[str] | tuple[str, ...] = ()) -> PrivateApp:
        """Create a private app with ``scopes`` (or return it if it exists with those scopes).

        Raises:
            PortalError: an app of that name exists with other scopes.
        """
        with self.lock:
            existing = self.apps.apps.get(name)
            if existing is not None:
                if sorted(set(scopes)) != existing.scopes:
                    raise PortalError(
                        f"a private app named {name!r} already exists with scopes {existing.scopes}"
                    )
                return existing
            return self.apps.create(name, list(scopes))

    # -- records --------------------------------------------------------------------------

    def _type(self, object_type: str) -> ObjectType:
        with as_portal_error(), custom_types(self.custom_type):
            return resolve_object_type(object_type)

    def create(self, object_type: str, properties: dict[str, Any] | None = None) -> RecordView:
        """Create a record with HubSpot's validation (bad values raise ``PortalError``)."""
        from runtime.fake_hubspot.crm_objects.record import RecordView

        kind = self._type(object_type)
        with self.lock, as_portal_error():
            return RecordView.of(self.objects.create(kind, dict(properties or {})))

    def get(self, object_type: str, object_id: str | int, *, archived: bool = False) -> RecordView:
        """A record by id; ``archived=True`` also finds archived records.

        Raises:
            PortalError: no such record.
        """
        from runtime.fake_hubspot.crm_objects.record import RecordView

        kind = self._type(object_type)
        with self.lock:
            record = self.objects.find(kind, str(object_id))
            if record is None and archived:
                record = self.objects.find(kind, str(object_id), archived=True)
            if record is None:
                state = "" if archived else " live"
                raise PortalError(f"no{state} {kind.singular} with id {object_id}")
            return RecordView.of(record)

    def update(
        self, object_type: str, object_id: str | int, properties: dict[str, Any]
    ) -> RecordView:
        """Update a live record's properties (``""`` clears one)."""
        from runtime.fake_hubspot.crm_objects.record import RecordView

        kind = self._type(object_type)
        with self.lock, as_portal_error():
            record = self.objects.resolve(kind, str(object_id))
            values = self.objects.normalise(kind, properties)
            return RecordView.of(self.objects.update(record, values))

    def archive(self, object_type: str, object_id: str | int) -> None:
        """Archive a live record."""
        kind = self._type(object_type)
        with self.lock, as_portal_error():
            self.objects.archive(self.objects.resolve(kind, str(object_id)))

    def records(self, object_type: str, *, archived: bool = False) -> list[RecordView]:
        """Every live (or every archived) record of a type, by id."""
        from runtime.fake_hubspot.crm_objects.record import RecordView

        kind = self._type(object_type)
        with self.lock:
            store = self.objects.store(kind)
            return [
                RecordView.of(store.records[i])
                for i in store.ids
                if store.records[i].archived == archived
            ]

    def find(self, object_type: str, **equals: str) -> list[RecordView]:
        """Live records whose properties equal the given values (case-insensitive)."""
        wanted = {k: str(v).lower() for k, v in equals.items()}
        return [
            r
            for r in self.records(object_type)
            if all((r.properties.get(k) or "").lower() == v for k, v in wanted.items())
        ]

    def associate(
        self,
        from_type: str,
        from_id: str | int,
        to_type: str,
        to_id: str | int,
        *,
        type_id: int | None = None,
        category: str = "HUBSPOT_DEFINED",
    ) -> list[str]:
        """Associate two records (the default type unless ``type_id``); their labels."""
        a, b = self._type(from_type), self._type(to_type)
        with self.lock, as_portal_error():
            if type_id is None:
                self.associations.add_default(a, int(from_id), b, int(to_id))
            else:
                self.associations.add(a, int(from_id), b, int(to_id), [(category, type_id)])
            return self.associations.labels(a, int(from_id), b, int(to_id))

    def associated(self, from_type: str, from_id: str | int, to_type: str) -> list[str]:
        """Ids of the live ``to_type`` records associated with a record."""
        a, b = self._type(from_type), self._type(to_type)
        with self.lock:
            return [str(i) for i in self.associations.linked_ids(a, int(from_id), b)]

    def create_property(self, object_type: str, name: str, **definition: Any) -> dict[str, Any]:
        """Create a custom property; keywords are ``PropertyCreate`` fields (camelCase)."""
        kind = self._type(object_type)
        body = {
            "name": name,
            "label": name.replace("_", " ").title(),
            "type": "string",
            "fieldType": "text",
            "groupName": kind.group_name,
        }
        body.update(definition)
        with self.lock, as_portal_error():
            return self.properties.create(kind, body).to_api()

    def create_owner(self, email: str, first_name: str = "", last_name: str = "") -> dict[str, Any]:
        """Add an owner; its ``id`` is what ``hubspot_owner_id`` takes."""
        with self.lock:
            return self.owners.create(email, first_name, last_name).to_api()

    # -- what the runner needs (``runtime.invoke.PortalLink``) -----------------------------

    def record_properties(
        self, object_type: str, object_id: int, names: list[str]
    ) -> dict[str, str | None]:
        """Values of ``names`` on a record (``inputFields`` of an enrolled record)."""
        kind = self._type(object_type)
        with self.lock:
            record = self.objects.find(kind, str(object_id))
            if record is None:
                raise PortalError(
                    f"the fake portal has no {kind.singular} with id {object_id} "
                    f"(it may be archived; create one with portal.create({kind.name!r}, {{...}}) "
                    "in a test, or `hsrun portal seed FILE.json` for hsrun invoke)"
                )
            return {name: self._input_value(kind, record.value(name), name) for name in names}

    def _input_value(self, kind: ObjectType, value: str | None, name: str) -> str | None:
        # Custom code inputs carry date and datetime properties as epoch milliseconds
        # (custom-code contract §2.2; the guide's sample event has "createdate":
        # "1700000000000"), while the CRM API answers ISO strings.
        prop = self.properties.find(kind, name)
        if value is None or prop is None or prop.type not in ("date", "datetime"):
            return value
        if value.lstrip("-").isdigit():
            return value
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return str(round(parsed.timestamp() * 1000))

    def calls(self, **filters: Any) -> list[dict[str, Any]]:
        """The call log, filtered (``app``, ``method``, ``status``, ``since``, ``until``...)."""
        with self.lock:
            return self.call_log.query(**filters)

    def calls_between(self, start: float, end: float) -> list[dict[str, Any]]:
        """Calls answered between two epoch times (a run's window)."""
        with self.lock:
            return self.call_log.between(start, end)

    # -- state ----------------------------------------------------------------------------

    def reset(self) -> None:
        """Empty the portal: records, apps, properties, owners, logs and counters."""
        with self.lock:
            for backend in self.backends.values():
                backend.reset()
            self.apps.reset()
            self.call_log.clear()
            self.faults.clear()
            self.security_log.clear()
            self.limiter.reset()
            if isinstance(self.ids, MemoryIds):
                self.ids = MemoryIds()

    def to_state(self) -> dict[str, Any]:
        """Everything, as one JSON-able document (see :mod:`.persistence`)."""
        with self.lock:
            state: dict[str, Any] = {
                "version": STATE_VERSION,
                "portal": {
                    "portalId": self.portal_id,
                    "tier": self.limiter.tier,
                    "packs": self.limiter.packs,
                    "timezone": self.limiter.timezone,
                    "region": self.apps.region,
                },
                "collections": {"apps": self.apps.to_state()},
                "callLog": self.call_log.to_state(),
                "securityLog": self.security_log.to_state(),
            }
            for name, backend in self.backends.items():
                state["collections"][name] = backend.to_state()
            if isinstance(self.ids, MemoryIds):
                state["ids"] = self.ids.state()
            return state

    def load_state(self, state: dict[str, Any]) -> None:
        """Replace everything with a document from :meth:`to_state`.

        Raises:
            PortalError: a document of another version or shape.
        """
        version = state.get("version") if isinstance(state, dict) else "?"
        if version != STATE_VERSION:
            raise PortalError(f"portal state has version {version}, expected {STATE_VERSION}")
        with self.lock:
            meta = state.get("portal", {})
            self.portal_id = int(meta.get("portalId", self.portal_id))
            self.limiter.configure(
                tier=str(meta.get("tier", "starter")),
                packs=int(meta.get("packs", 0)),
                timezone=str(meta.get("timezone", "UTC")),
            )
            self.apps.region = str(meta.get("region", self.apps.region))
            collections = state.get("collections", {})
            try:
                self.apps.load_state(collections.get("apps", {}))
                for name, backend in self.backends.items():
                    backend.load_state(collections.get(name, {}))
            except (KeyError, TypeError, ValueError) as exc:
                raise PortalError(f"portal state is damaged: {type(exc).__name__}: {exc}") from exc
            self.call_log.load_state(state.get("callLog", []))
            self.security_log.load_state(state.get("securityLog", []))
            if isinstance(self.ids, MemoryIds):
                for kind, value in state.get("ids", {}).items():
                    self.ids.bump(kind, int(value) - 1)
