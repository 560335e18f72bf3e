"""``hsrun workflow run --live``: the engine's reads and writes against HubSpot itself.

Built-in steps go through HubSpot's public CRM API with a private app token, as the official
clients send it (``Authorization: Bearer``)::

    read the enrolled record     GET    /crm/v3/objects/{type}/{id}?properties=...
    set property (0-5)           PATCH  /crm/v3/objects/{type}/{id}
    create record / task         POST   /crm/v3/objects/{type}
                                 PUT    /crm/v4/objects/{from}/{id}/associations/default/{to}/{toId}
    associated records (0-5)     GET    /crm/v4/objects/{from}/{id}/associations/{to}
    list membership              PUT    /crm/v3/lists/{listId}/memberships/add|remove
    the portal's id              GET    /account-info/v3/details

Custom code steps run as ``hsrun invoke --live`` runs them: their HubSpot calls reach
HubSpot, with the token the action's own secrets hold. Against a base URL that is not one of
HubSpot's hosts (a local server standing in for HubSpot), those calls are routed there
instead, as they are to the fake portal.

HubSpot's refusals (a missing scope, an unknown property) fail the step with HubSpot's
message; the token appears in no message. A 429 (the private app's rate limit) is waited out
as its ``Retry-After`` says (at most 10 s) and the call sent again, three tries in all.
``LIST_BRANCH`` filter trees are evaluated here, on the record's values fetched from HubSpot,
with the property types hsrun knows for the standard properties (any other property compares
as text).
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from runtime.contract.hosts import is_hubspot_host
from runtime.contract.object_types import COMPANIES, CONTACTS, DEALS, OBJECT_TYPES, TICKETS
from runtime.contract.object_types import find as find_object_type
from runtime.errors import PortalError, UsageError

if TYPE_CHECKING:
    import requests

    from runtime.fake_hubspot.crm_objects.record import Record
    from runtime.fake_hubspot.portal import FakePortal
    from runtime.invoke import PortalLink
    from runtime.secrets.value import SecretValue

TIMEOUT_S = 30.0
#: Tries of one call HubSpot answers 429 (rate limit) before the step fails with it.
RATE_LIMIT_ATTEMPTS = 3
#: Longest wait for a 429's Retry-After (seconds).
MAX_RETRY_AFTER_S = 10.0
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class LiveTarget:
    """HubSpot as ``--live`` reaches it.

    Attributes:
        base_url: ``https://api.hubapi.com`` (``https://api-eu1.hubapi.com`` for EU accounts).
        token: a private app token with the CRM scopes the flow's writes need.
        token_secret: the secret it came from, for messages.
    """

    base_url: str
    token: SecretValue
    token_secret: str | None = None

    def __post_init__(self) -> None:
        parts = urllib.parse.urlsplit(self.base_url)
        host = (parts.hostname or "").lower()
        if not host or parts.scheme not in ("http", "https"):
            raise UsageError(f"not an API base URL: {self.base_url!r}")
        if parts.scheme == "http" and host not in _LOOPBACK:
            raise UsageError(
                f"{self.base_url}: the token is only sent over https (or to a loopback server)"
            )

    @property
    def is_hubspot(self) -> bool:
        """Whether this is one of HubSpot's own hosts (custom code then calls it directly)."""
        return is_hubspot_host(urllib.parse.urlsplit(self.base_url).hostname)


class LiveRecords:
    """HubSpot's CRM API as the engine's records (see the module's docstring)."""

    def __init__(self, target: LiveTarget, *, session: requests.Session | None = None) -> None:
        import requests

        from runtime.fake_hubspot import FakePortal

        self.target = target
        self._session = session or requests.Session()
        self._session.trust_env = target.is_hubspot  # no proxy for a loopback stand-in
        self._account: dict[str, Any] | None = None
        #: Property definitions for typing filter values; never written to HubSpot.
        self.scratch = FakePortal()

    @property
    def live(self) -> bool:
        return True

    def close(self) -> None:
        self._session.close()

    # -- the portal ------------------------------------------------------------------------

    def account(self) -> dict[str, Any]:
        """``GET /account-info/v3/details`` (cached): ``portalId``, ``timeZone``...

        Raises:
            PortalError: HubSpot refused (a bad token) or did not answer.
        """
        if self._account is None:
            self._account = dict(self._call("GET", "/account-info/v3/details"))
        return self._account

    @property
    def portal_id(self) -> int:
        return int(self.account().get("portalId") or 0)

    # -- records ---------------------------------------------------------------------------

    def check(self, object_type: str, object_id: str) -> None:
        self._record(object_type, object_id, ["hs_object_id"])

    def exists(self, object_type: str, object_id: str) -> bool:
        try:
            self._record(object_type, object_id, ["hs_object_id"])
        except _NotFound:
            return False
        return True

    def properties(
        self, object_type: str, object_id: str, names: list[str]
    ) -> dict[str, str | None]:
        found = self._record(object_type, object_id, names).get("properties") or {}
        return {name: self._input_value(object_type, name, found.get(name)) for name in names}

    def values(self, object_type: str, object_id: str) -> dict[str, Any]:
        return dict(self._record(object_type, object_id, None).get("properties") or {})

    def update(self, object_type: str, object_id: str, properties: dict[str, Any]) -> None:
        path = f"/crm/v3/objects/{_name(object_type)}/{_seg(object_id)}"
        self._call("PATCH", path, body={"properties": properties})

    def create(self, object_type: str, properties: dict[str, Any]) -> str:
        made = self._call(
            "POST", f"/crm/v3/objects/{_name(object_type)}", body={"properties": properties}
        )
        return str(made.get("id"))

    def associate(self, from_type: str, from_id: str, to_type: str, to_id: str) -> None:
        path = (
            f"/crm/v4/objects/{_name(from_type)}/{_seg(from_id)}/associations/default/"
            f"{_name(to_type)}/{_seg(to_id)}"
        )
        self._call("PUT", path)

    def associated(
        self, from_type: str, object_id: str, wanted: tuple[str, int]
    ) -> list[tuple[str, str]]:
        source = find_object_type(from_type)
        if source is None:
            return []
        out: list[tuple[str, str]] = []
        for to_type in self._candidates(source, wanted):
            path = f"/crm/v4/objects/{source.name}/{_seg(object_id)}/associations/{to_type.name}"
            try:
                answer = self._call("GET", path, params={"limit": "500"})
            except _NotFound:
                continue
            for item in answer.get("results") or []:
                specs = {
                    (str(t.get("category")), int(t.get("typeId") or 0))
                    for t in item.get("associationTypes") or []
                }
                if wanted in specs:
                    out.append((to_type.type_id, str(item.get("toObjectId"))))
        return out

    def _candidates(self, source: Any, wanted: tuple[str, int]) -> list[Any]:
        """The types ``wanted`` can lead to: those whose HubSpot-defined association types
        include it, or for a label of the account's own, the four main types."""
        if wanted[0] != "HUBSPOT_DEFINED":
            return [CONTACTS, COMPANIES, DEALS, TICKETS]
        known = self.scratch.associations
        return [
            t
            for t in OBJECT_TYPES
            if any(s.spec() == wanted for s in known.types_between(source, t))
        ]

    def list_membership(self, list_id: str, object_id: str, operation: str) -> str:
        verb = "add" if operation == "ADD" else "remove"
        self._call("PUT", f"/crm/v3/lists/{_seg(list_id)}/memberships/{verb}", body=[object_id])
        done = "added to" if operation == "ADD" else "removed from"
        return f"{done} list {list_id} in HubSpot"

    def filter_view(
        self, object_type: str, object_id: str, names: list[str]
    ) -> tuple[FakePortal, Record] | None:
        from runtime.fake_hubspot.crm_objects.record import Record

        kind = find_object_type(object_type)
        if kind is None:
            return None
        try:
            found = self._record(object_type, object_id, names or ["hs_object_id"])
        except _NotFound:
            return None
        values = {k: str(v) for k, v in (found.get("properties") or {}).items() if v is not None}
        return self.scratch, Record(kind, int(object_id), values, 0)

    def step_link(self, url: str) -> PortalLink:
        return _LiveLink(self, url)

    # -- HTTP ------------------------------------------------------------------------------

    def _record(self, object_type: str, object_id: str, names: list[str] | None) -> Any:
        params = {"properties": ",".join(names)} if names else None
        path = f"/crm/v3/objects/{_name(object_type)}/{_seg(object_id)}"
        return self._call("GET", path, params=params)

    def _input_value(self, object_type: str, name: str, value: Any) -> str | None:
        # Custom code inputs carry dates as epoch ms (custom-code contract §2.2); the CRM API
        # answers ISO strings. Typed by hsrun's definitions of the standard properties.
        from runtime.fake_hubspot.core.clock import parse_instant

        if value is None:
            return None
        text = str(value)
        kind = find_object_type(object_type)
        prop = self.scratch.properties.find(kind, name) if kind is not None else None
        if prop is None or prop.type not in ("date", "datetime") or text.lstrip("-").isdigit():
            return text
        instant = parse_instant(text)
        return text if instant is None else str(instant)

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> Any:
        import requests

        url = self.target.base_url.rstrip("/") + path
        headers = {"Authorization": f"Bearer {self.target.token.reveal()}"}
        for attempt in range(1, RATE_LIMIT_ATTEMPTS + 1):
            try:
                answer = self._session.request(
                    method, url, params=params, json=body, headers=headers, timeout=TIMEOUT_S
                )
            except requests.RequestException as exc:
                raise PortalError(
                    f"HubSpot ({self.target.base_url}) did not answer {method} {path}: "
                    f"{type(exc).__name__}"
                ) from exc
            if answer.status_code != 429 or attempt == RATE_LIMIT_ATTEMPTS:
                break
            # The private app's rate limit (100-190 requests per 10 s, contract §1): wait as
            # HubSpot says (Retry-After), then send the same request again.
            time.sleep(_retry_after(answer.headers.get("Retry-After")))
        if answer.status_code >= 400:
            message = _message(answer)
            error = _NotFound if answer.status_code == 404 else PortalError
            raise error(f"HubSpot answered {answer.status_code} to {method} {path}: {message}")
        if answer.status_code == 204 or not answer.content:
            return {}
        try:
            return answer.json()
        except ValueError as exc:
            raise PortalError(f"HubSpot answered {method} {path} with no JSON") from exc


class _NotFound(PortalError):
    """HubSpot answered 404."""


class _LiveLink:
    """What the runner gets for a custom code step under ``--live``: the inputs' record
    lookups from HubSpot, and no call log (HubSpot keeps none hsrun can read)."""

    def __init__(self, records: LiveRecords, url: str) -> None:
        self.records = records
        self._url = url

    @property
    def url(self) -> str:
        return self._url

    def record_properties(
        self, object_type: str, object_id: int, names: list[str]
    ) -> Mapping[str, str | None]:
        return self.records.properties(object_type, str(object_id), names)

    def calls_between(self, start: float, end: float) -> list[dict[str, Any]]:
        return []


def _name(object_type: str) -> str:
    kind = find_object_type(object_type)
    return kind.name if kind is not None else _seg(object_type)


def _seg(value: str) -> str:
    return urllib.parse.quote(str(value), safe="")


def _message(answer: Any) -> str:
    try:
        data = answer.json()
    except ValueError:
        return (answer.text or "")[:300] or answer.reason or "no message"
    if isinstance(data, dict) and data.get("message"):
        return str(data["message"])
    return str(data)[:300]


def _retry_after(value: str | None) -> float:
    try:
        seconds = float(value) if value else 1.0
    except ValueError:
        seconds = 1.0
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)
