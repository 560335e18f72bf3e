"""Where the engine reads the enrolled record and writes what built-in actions do.

Two kinds: :class:`FakeRecords`, the local fake portal, called in-process (the default), and
:class:`runtime.workflow.live.LiveRecords`, HubSpot's CRM API over HTTPS (``--live``). The
engine, the built-in actions, the branches and the webhook step only see this interface, so a
flow does the same thing to either.

Every refusal is a :class:`~runtime.errors.PortalError` carrying HubSpot's message; a step
that gets one fails with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from runtime.contract.object_types import OBJECT_TYPES
from runtime.contract.object_types import find as find_object_type

if TYPE_CHECKING:
    from runtime.fake_hubspot.crm_objects.record import Record
    from runtime.fake_hubspot.portal import FakePortal
    from runtime.invoke import PortalLink


class Records(Protocol):
    """What the engine needs of a portal. Object types are names or type ids."""

    @property
    def portal_id(self) -> int:
        """The portal's id (``event.origin.portalId`` of custom code)."""

    @property
    def live(self) -> bool:
        """Whether writes reach HubSpot itself."""

    def check(self, object_type: str, object_id: str) -> None:
        """Raise ``PortalError`` unless the record exists (and is not archived)."""

    def exists(self, object_type: str, object_id: str) -> bool: ...

    def properties(
        self, object_type: str, object_id: str, names: list[str]
    ) -> dict[str, str | None]:
        """Values of ``names`` as custom code inputs get them."""

    def values(self, object_type: str, object_id: str) -> dict[str, Any]:
        """The record's stored properties (a webhook's body; set property's current value)."""

    def update(self, object_type: str, object_id: str, properties: dict[str, Any]) -> None: ...

    def create(self, object_type: str, properties: dict[str, Any]) -> str:
        """Create a record; its id."""

    def associate(self, from_type: str, from_id: str, to_type: str, to_id: str) -> None:
        """Associate two records with the default association type."""

    def associated(
        self, from_type: str, object_id: str, wanted: tuple[str, int]
    ) -> list[tuple[str, str]]:
        """``(type id, record id)`` of records associated by exactly ``wanted``
        (``(associationCategory, associationTypeId)``)."""

    def list_membership(self, list_id: str, object_id: str, operation: str) -> str:
        """Add a record to (``ADD``) or remove it from (``REMOVE``) a list; what was done."""

    def filter_view(
        self, object_type: str, object_id: str, names: list[str]
    ) -> tuple[FakePortal, Record] | None:
        """The record as filter trees evaluate it, with the portal whose property
        definitions type its values (``None``: no such record)."""

    def step_link(self, url: str) -> PortalLink:
        """What the runner gets for one custom code step (the inputs' record lookups and the
        step's API calls)."""


class FakeRecords:
    """The local fake portal, called in-process."""

    def __init__(self, portal: FakePortal) -> None:
        self.portal = portal

    @property
    def portal_id(self) -> int:
        return self.portal.portal_id

    @property
    def live(self) -> bool:
        return False

    def check(self, object_type: str, object_id: str) -> None:
        self.portal.get(object_type, object_id)

    def exists(self, object_type: str, object_id: str) -> bool:
        kind = find_object_type(object_type)
        if kind is None:
            return True
        with self.portal.lock:
            return self.portal.objects.find(kind, object_id) is not None

    def properties(
        self, object_type: str, object_id: str, names: list[str]
    ) -> dict[str, str | None]:
        return self.portal.record_properties(object_type, int(object_id), names)

    def values(self, object_type: str, object_id: str) -> dict[str, Any]:
        return dict(self.portal.get(object_type, object_id).properties)

    def update(self, object_type: str, object_id: str, properties: dict[str, Any]) -> None:
        self.portal.update(object_type, object_id, properties)

    def create(self, object_type: str, properties: dict[str, Any]) -> str:
        return str(self.portal.create(object_type, properties).id)

    def associate(self, from_type: str, from_id: str, to_type: str, to_id: str) -> None:
        self.portal.associate(from_type, from_id, to_type, to_id)

    def associated(
        self, from_type: str, object_id: str, wanted: tuple[str, int]
    ) -> list[tuple[str, str]]:
        source_type = find_object_type(from_type)
        if source_type is None:
            return []
        backend = self.portal.associations
        source = int(object_id)
        out: list[tuple[str, str]] = []
        with self.portal.lock:
            for to_type in OBJECT_TYPES:
                if not any(t.spec() == wanted for t in backend.types_between(source_type, to_type)):
                    continue
                for linked in backend.linked_ids(source_type, source, to_type):
                    if wanted in backend.specs(source_type, source, to_type, linked):
                        out.append((to_type.type_id, str(linked)))
        return out

    def list_membership(self, list_id: str, object_id: str, operation: str) -> str:
        verb = "added to" if operation == "ADD" else "removed from"
        return f"{verb} list {list_id} (recorded: the fake portal's lists are not changed)"

    def filter_view(
        self, object_type: str, object_id: str, names: list[str]
    ) -> tuple[FakePortal, Record] | None:
        kind = find_object_type(object_type)
        if kind is None:
            return None
        with self.portal.lock:
            record = self.portal.objects.find(kind, object_id)
        return None if record is None else (self.portal, record)

    def step_link(self, url: str) -> PortalLink:
        return _StepLink(self.portal, url)


class _StepLink:
    """The portal as the runner sees it for one step: its calls are those logged since the
    step began (the virtual clock stands still during a step, so times cannot tell them)."""

    def __init__(self, portal: FakePortal, url: str) -> None:
        self.portal = portal
        self._url = url
        self.mark = portal.call_log.total

    @property
    def url(self) -> str:
        return self._url

    def record_properties(
        self, object_type: str, object_id: int, names: list[str]
    ) -> Mapping[str, str | None]:
        return self.portal.record_properties(object_type, object_id, names)

    def calls_between(self, start: float, end: float) -> list[dict[str, Any]]:
        with self.portal.lock:
            return self.portal.call_log.since(self.mark)
