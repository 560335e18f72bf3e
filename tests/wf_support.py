"""Building flow documents for tests: the fields the API requires, and the actions given."""

from __future__ import annotations

from typing import Any


def flow(*actions: dict[str, Any], start: str = "1", **extra: Any) -> dict[str, Any]:
    """A contact flow with ``actions``, starting at ``start``."""
    body: dict[str, Any] = {
        "type": "CONTACT_FLOW",
        "name": "test flow",
        "objectTypeId": "0-1",
        "flowType": "WORKFLOW",
        "isEnabled": False,
        "canEnrollFromSalesforce": False,
        "suppressionListIds": [],
        "customProperties": {},
        "dataSources": [],
        "timeWindows": [],
        "blockedDates": [],
        "startActionId": start,
        "actions": list(actions),
    }
    body.update(extra)
    return body


def to(action_id: str, edge: str = "STANDARD") -> dict[str, Any]:
    return {"edgeType": edge, "nextActionId": action_id}


def builtin(
    action_id: str, type_id: str, fields: dict[str, Any], nxt: str | None = None
) -> dict[str, Any]:
    action: dict[str, Any] = {
        "type": "SINGLE_CONNECTION",
        "actionId": action_id,
        "actionTypeId": type_id,
        "actionTypeVersion": 0,
        "fields": fields,
    }
    if nxt is not None:
        action["connection"] = to(nxt)
    return action


def set_prop(
    action_id: str, name: str, value: dict[str, Any], nxt: str | None = None
) -> dict[str, Any]:
    return builtin(action_id, "0-5", {"property_name": name, "value": value}, nxt)


def static(text: str) -> dict[str, Any]:
    return {"type": "STATIC_VALUE", "staticValue": text}


def code(
    action_id: str,
    source: str,
    *,
    inputs: dict[str, dict[str, Any]] | None = None,
    outputs: dict[str, str] | None = None,
    secrets: list[str] | None = None,
    nxt: str | None = None,
) -> dict[str, Any]:
    action: dict[str, Any] = {
        "type": "CUSTOM_CODE",
        "actionId": action_id,
        "runtime": "PYTHON39",
        "sourceCode": source,
        "secretNames": secrets or [],
        "inputFields": [{"name": k, "value": v} for k, v in (inputs or {}).items()],
        "outputFields": [{"name": k, "type": t} for k, t in (outputs or {}).items()],
    }
    if nxt is not None:
        action["connection"] = to(nxt)
    return action
