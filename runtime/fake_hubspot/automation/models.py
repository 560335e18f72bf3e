"""Workflows v4 flows: state and HubSpot's rules (contract §8). No HTTP here.

A flow answers as HubSpot's ``ApiFlow`` (contract §8.3 and the reference's GET example):
``type, id, isEnabled, flowType, revisionId, createdAt, updatedAt, nextAvailableActionId,
actions, timeWindows, blockedDates, customProperties, dataSources, crmObjectCreationStatus``,
then ``suppressionListIds, canEnrollFromSalesforce`` (contact flows), ``objectTypeId`` and the
optional fields when set (``name, description, uuid, startActionId, enrollmentCriteria, ...``).

- ``id``, ``revisionId`` and ``nextAvailableActionId`` are strings of digits ([SDK-TS]).
- ``revisionId`` starts at ``"1"`` and goes up by one on every successful PUT.
- A PUT must carry the current ``revisionId``. A stale one is refused with **409 CONFLICT**
  and nothing changes. HubSpot documents the field as required but not the answer to a stale
  value (UNCONFIRMED); 409 is what HubSpot's CRM answers to concurrent-write conflicts.
- A PUT replaces the flow: optional fields left out are cleared; ``type``, ``objectTypeId``
  and ``flowType`` cannot change.
- ``nextAvailableActionId`` is above every numeric action id the flow has ever had (action ids
  are not reused), and at least what the client sent.
- ``crmObjectCreationStatus`` is always ``COMPLETE`` (the fake has no asynchronous setup).
- Deleted flows are gone for good ("deleted workflows cannot be recovered through the API").
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from runtime.fake_hubspot.automation import schema
from runtime.fake_hubspot.core.clock import iso_ms
from runtime.fake_hubspot.core.errors import Conflict, ObjectNotFound

if TYPE_CHECKING:
    from runtime.fake_hubspot.portal import FakePortal

#: The id sequence flows draw from (``portal.allocate_id``).
ID_KIND = "flows"


@dataclass
class Flow:
    """One workflow.

    Attributes:
        id: the flow id.
        revision: the current revision (``revisionId`` as a number).
        next_action_id: ``nextAvailableActionId`` as a number.
        created_at: epoch ms.
        updated_at: epoch ms.
        body: the writable fields (:data:`schema.FIELDS`), validated, in GET order.
    """

    id: int
    revision: int
    next_action_id: int
    created_at: int
    updated_at: int
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def type(self) -> str:
        return str(self.body["type"])

    @property
    def name(self) -> str | None:
        value = self.body.get("name")
        return None if value is None else str(value)

    @property
    def actions(self) -> list[dict[str, Any]]:
        actions: list[dict[str, Any]] = self.body.get("actions", [])
        return actions

    def action(self, action_id: str) -> dict[str, Any] | None:
        """The action with this ``actionId`` (a copy), or ``None``."""
        for action in self.actions:
            if str(action.get("actionId")) == str(action_id):
                return copy.deepcopy(action)
        return None

    def to_api(self) -> dict[str, Any]:
        """``ApiFlow`` (a GET, create or update answer), keys in HubSpot's order."""
        body = copy.deepcopy(self.body)
        data: dict[str, Any] = {
            "type": body["type"],
            "id": str(self.id),
            "isEnabled": body["isEnabled"],
            "flowType": body.get("flowType", "WORKFLOW"),
            "revisionId": str(self.revision),
            "createdAt": iso_ms(self.created_at),
            "updatedAt": iso_ms(self.updated_at),
            "nextAvailableActionId": str(self.next_action_id),
        }
        for name in schema.ALWAYS:
            data[name] = body.get(name, {} if name == "customProperties" else [])
        data["crmObjectCreationStatus"] = "COMPLETE"
        if self.type == schema.CONTACT_FLOW:
            data["suppressionListIds"] = [int(i) for i in body.get("suppressionListIds", [])]
            data["canEnrollFromSalesforce"] = body.get("canEnrollFromSalesforce", False)
        data["objectTypeId"] = body["objectTypeId"]
        for name in schema.FIELDS:
            if name not in data and body.get(name) is not None:
                data[name] = body[name]
        return data

    def listing(self) -> dict[str, Any]:
        """``ApiFlowListing``: what the list endpoint shows of a flow ([SDK-TS])."""
        data: dict[str, Any] = {
            "id": str(self.id),
            "isEnabled": self.body["isEnabled"],
            "flowType": self.body.get("flowType", "WORKFLOW"),
            "revisionId": str(self.revision),
            "objectTypeId": self.body["objectTypeId"],
            "createdAt": iso_ms(self.created_at),
            "updatedAt": iso_ms(self.updated_at),
        }
        for name in ("name", "uuid"):
            if self.body.get(name) is not None:
                data[name] = self.body[name]
        return data

    def to_state(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "revision": self.revision,
            "nextActionId": self.next_action_id,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "body": copy.deepcopy(self.body),
        }

    @classmethod
    def from_state(cls, data: dict[str, Any]) -> Flow:
        body = data["body"]
        if not isinstance(body, dict):
            raise TypeError("a flow's body must be an object")
        return cls(
            id=int(data["id"]),
            revision=int(data["revision"]),
            next_action_id=int(data["nextActionId"]),
            created_at=int(data["createdAt"]),
            updated_at=int(data["updatedAt"]),
            body=copy.deepcopy(body),
        )


class AutomationBackend:
    """The portal's workflows."""

    def __init__(self, portal: FakePortal) -> None:
        self._now_ms: Callable[[], int] = portal.now_ms
        self._allocate: Callable[[str], int] = portal.allocate_id
        self.flows: dict[int, Flow] = {}

    def reset(self) -> None:
        self.flows.clear()

    # -- reads ---------------------------------------------------------------------------

    def find(self, flow_id: str | int) -> Flow | None:
        """A flow by id, or ``None`` (non-numeric ids name no flow)."""
        text = str(flow_id)
        return self.flows.get(int(text)) if text.isdigit() else None

    def get(self, flow_id: str | int) -> Flow:
        """A flow by id.

        Raises:
            ObjectNotFound: no such flow (404; wording UNCONFIRMED).
        """
        flow = self.find(flow_id)
        if flow is None:
            raise not_found(str(flow_id))
        return flow

    def page(self, *, after: int, limit: int) -> tuple[list[Flow], int | None]:
        """Flows by id after ``after``, and the next cursor (``None`` on the last page)."""
        chosen = sorted((f for f in self.flows.values() if f.id > after), key=lambda f: f.id)
        page = chosen[:limit]
        return page, (page[-1].id if len(chosen) > limit else None)

    # -- writes --------------------------------------------------------------------------

    def create(self, data: dict[str, Any]) -> Flow:
        """Create a flow from an ``ApiFlowCreateRequest``.

        Raises:
            ValidationError: a missing required field, a wrong type, a bad action.
        """
        flow_type = schema.flow_type_of(data)
        schema.check_required(data, schema.required_on_create(flow_type))
        body = self._checked_body(data, flow_type)
        now = self._now_ms()
        flow = Flow(
            id=self._allocate(ID_KIND),
            revision=1,
            next_action_id=self._next_action_id(body, data, floor=1),
            created_at=now,
            updated_at=now,
            body=body,
        )
        self.flows[flow.id] = flow
        return flow

    def update(self, flow_id: str | int, data: dict[str, Any]) -> Flow:
        """Replace a flow with an ``ApiFlowPutRequest`` that names its current revision.

        Raises:
            ObjectNotFound: no such flow.
            ValidationError: a missing required field (``revisionId`` among them), a bad
                field, an attempt to change ``type``/``objectTypeId``/``flowType``.
            Conflict: ``revisionId`` is not the flow's current revision (409).
        """
        flow = self.get(flow_id)
        flow_type = schema.flow_type_of(data)
        schema.check_required(data, schema.required_on_update(flow_type))
        if flow_type != flow.type:
            raise schema.invalid(
                f"Flow {flow.id} is a {flow.type}; its type cannot change to {flow_type}", "type"
            )
        revision = str(data["revisionId"])
        if revision != str(flow.revision):
            raise Conflict(
                f"Flow {flow.id} has been updated since revision {revision} was read: its "
                f"current revisionId is {flow.revision}. Get the flow again and send its "
                "current revisionId.",
                context={"flowId": [str(flow.id)], "revisionId": [str(flow.revision)]},
            )
        merged = dict(data)
        for name in schema.IMMUTABLE:
            sent = merged.get(name)
            if sent is not None and str(sent) != str(flow.body.get(name)):
                raise schema.invalid(
                    f"{name} cannot be changed (flow {flow.id} has {flow.body.get(name)!r})", name
                )
            merged[name] = flow.body.get(name)
        body = self._checked_body(merged, flow_type)
        flow.body = body
        flow.next_action_id = self._next_action_id(body, data, floor=flow.next_action_id)
        flow.revision += 1
        flow.updated_at = max(self._now_ms(), flow.updated_at)
        return flow

    def delete(self, flow_id: str | int) -> None:
        """Delete a flow for good.

        Raises:
            ObjectNotFound: no such flow.
        """
        flow = self.get(flow_id)
        del self.flows[flow.id]

    # -- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _checked_body(data: dict[str, Any], flow_type: str) -> dict[str, Any]:
        body = schema.normalise_fields(data)
        schema.check_object_type(flow_type, str(body["objectTypeId"]))
        body["actions"] = schema.check_actions(body.get("actions", []), body.get("startActionId"))
        if flow_type == schema.PLATFORM_FLOW:
            # Contact-only fields (contract §8.3) are not part of a platform flow.
            body.pop("suppressionListIds", None)
            body.pop("canEnrollFromSalesforce", None)
        return body

    @staticmethod
    def _next_action_id(body: dict[str, Any], data: dict[str, Any], *, floor: int) -> int:
        sent = data.get("nextAvailableActionId")
        wanted = int(sent) if sent is not None and str(sent).isdigit() else 0
        return max(floor, wanted, schema.max_numeric_id(body["actions"]) + 1)

    # -- persistence ---------------------------------------------------------------------

    def to_state(self) -> dict[str, dict[str, Any]]:
        return {str(k): f.to_state() for k, f in self.flows.items()}

    def load_state(self, data: dict[str, Any]) -> None:
        self.flows = {int(k): Flow.from_state(v) for k, v in data.items()}


def not_found(flow_id: str) -> ObjectNotFound:
    """The 404 for an unknown flow id (wording UNCONFIRMED)."""
    return ObjectNotFound(f"Flow {flow_id} does not exist", context={"flowId": [flow_id]})


def flows_of(portal: FakePortal) -> AutomationBackend:
    """The automation backend of ``portal`` (tests and the CLI arrange flows through it).

    Raises:
        PortalError: the portal's ``automation`` area is not this backend (replaced by a
            plugin).
    """
    return portal.backend(AutomationBackend)
