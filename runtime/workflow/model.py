"""A Workflows v4 flow as a graph. Pure: no I/O, no clock.

The document is the JSON the automation API stores (workflows contract §1), validated with
the fake portal's own rules (:mod:`runtime.fake_hubspot.automation.schema`), so a flow the
engine runs is a flow the local portal (and HubSpot) would accept. Execution starts at
``startActionId`` and follows ``connection.nextActionId``; an action or arm without a
``connection`` ends the enrollment (§0.1). ``STANDARD``, ``GOTO`` and the docs' ``GO-TO``
all just jump (§0.2).

One key is hsrun's own: a ``CUSTOM_CODE`` action may name its code with
``"hsrunSource": "actions/lead_score.py"`` (relative to the flow file's project), which then
wins over ``sourceCode``. ``hsrun workflow pull`` writes it; it is stripped before a flow is
sent anywhere (:func:`portable`).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runtime.errors import WorkflowError

#: hsrun's key naming a CUSTOM_CODE action's project file.
SOURCE_KEY = "hsrunSource"
#: Edge types that jump to ``nextActionId`` (§0.2: the spec's two, and the docs' spelling).
EDGE_TYPES = ("STANDARD", "GOTO", "GO-TO")
BRANCH_TYPES = ("STATIC_BRANCH", "LIST_BRANCH", "AB_TEST_BRANCH")


@dataclass(frozen=True)
class Arm:
    """One way out of an action: its label (``""`` for a plain connection) and target."""

    label: str
    target: str | None
    default: bool = False


@dataclass
class Flow:
    """A validated flow.

    Attributes:
        data: the document (``actions`` with string ``actionId``s).
        actions: the actions by id.
        start: ``startActionId`` (``None``: an empty flow).
        source: where it came from, for messages (a path or ``flow 1234``).
        base_dir: the folder ``hsrunSource`` paths are relative to.
    """

    data: dict[str, Any]
    actions: dict[str, dict[str, Any]]
    start: str | None
    source: str
    base_dir: Path | None = None
    flow_id: str | None = None

    @property
    def name(self) -> str:
        return str(self.data.get("name") or self.flow_id or self.source)

    @property
    def object_type_id(self) -> str:
        return str(self.data.get("objectTypeId") or "0-1")

    def action(self, action_id: str) -> dict[str, Any]:
        try:
            return self.actions[action_id]
        except KeyError:
            raise WorkflowError(f"{self.source}: no action {action_id!r}") from None


def load_flow(
    data: Any, *, source: str, base_dir: Path | None = None, flow_id: str | None = None
) -> Flow:
    """Validate a flow document with the automation API's rules and index its actions.

    Raises:
        WorkflowError: the document is not a flow the API would store.
    """
    from runtime.fake_hubspot.automation import schema
    from runtime.fake_hubspot.core.errors import HubSpotError

    if not isinstance(data, dict):
        raise WorkflowError(f"{source}: a flow is a JSON object")
    try:
        flow_type = schema.flow_type_of(data)
        body = schema.normalise_fields(data)
        schema.check_object_type(flow_type, str(body.get("objectTypeId") or "0-1"))
        actions = schema.check_actions(body.get("actions", []), body.get("startActionId"))
    except HubSpotError as exc:
        raise WorkflowError(f"{source}: not a valid v4 flow: {exc.message}") from exc
    for action in actions:
        arms(action)  # an unknown edgeType is refused here, before anything runs
    body["actions"] = actions
    for key in ("id", "revisionId"):
        if key in data:
            body[key] = data[key]
    start = body.get("startActionId")
    if start is None and actions:
        raise WorkflowError(f"{source}: the flow has actions but no startActionId")
    found_id = flow_id or (str(data["id"]) if data.get("id") is not None else None)
    return Flow(
        data=body,
        actions={a["actionId"]: a for a in actions},
        start=str(start) if start is not None else None,
        source=source,
        base_dir=base_dir,
        flow_id=found_id,
    )


def target_of(connection: Any) -> str | None:
    """The action a ``connection`` leads to (``None``: none, the enrollment ends there).

    Raises:
        WorkflowError: an edge type that is none of ``STANDARD``, ``GOTO``, ``GO-TO``.
    """
    if not isinstance(connection, dict) or connection.get("nextActionId") is None:
        return None
    edge = str(connection.get("edgeType") or "STANDARD").upper()
    if edge not in EDGE_TYPES:
        raise WorkflowError(f"unknown edgeType {edge!r}: expected STANDARD, GOTO or GO-TO")
    return str(connection["nextActionId"])


def arms(action: dict[str, Any]) -> list[Arm]:
    """Every way out of an action, in the order HubSpot lists them (default last)."""
    kind = action.get("type")
    if kind == "STATIC_BRANCH":
        out = [
            Arm(str(b.get("branchValue", "")), target_of(b.get("connection")))
            for b in action.get("staticBranches") or []
        ]
    elif kind == "LIST_BRANCH":
        out = [
            Arm(str(b.get("branchName") or f"branch {i + 1}"), target_of(b.get("connection")))
            for i, b in enumerate(action.get("listBranches") or [])
        ]
    elif kind == "AB_TEST_BRANCH":
        return [
            Arm(f"{b.get('percentage', '?')}%", target_of(b.get("connection")))
            for b in action.get("testBranches") or []
        ]
    else:
        return [Arm("", target_of(action.get("connection")))]
    if "defaultBranch" in action or "defaultBranchName" in action:
        name = str(action.get("defaultBranchName") or "None met")
        out.append(Arm(name, target_of(action.get("defaultBranch")), default=True))
    return out


def successors(action: dict[str, Any]) -> list[str]:
    return [a.target for a in arms(action) if a.target is not None]


def field_data_refs(value: Any) -> Iterator[tuple[str, str]]:
    """``(actionId, dataKey)`` of every ``FIELD_DATA`` value object inside ``value``."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if item.get("type") == "FIELD_DATA" and item.get("actionId") is not None:
                yield str(item["actionId"]), str(item.get("dataKey") or "")
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def portable(data: dict[str, Any]) -> dict[str, Any]:
    """The document without hsrun's own keys (what HubSpot's API accepts)."""
    out = copy.deepcopy(data)
    for action in out.get("actions", []):
        if isinstance(action, dict):
            action.pop(SOURCE_KEY, None)
    return out
