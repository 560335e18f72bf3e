"""What a Workflows v4 flow document must hold (contract §8). No HTTP, no state.

Sources: HubSpot's generated TypeScript SDK ([SDK-TS] ``automation/v4/flows``) and the v4 API
reference ([API-V4] ``ApiCustomCodeAction``, ``ApiInputVariable``), as summarised in
``docs/hubspot-custom-code-contract.md`` §8.

- **Create** (``ApiFlowCreateRequest``) needs, for ``CONTACT_FLOW``: ``actions, blockedDates,
  canEnrollFromSalesforce, customProperties, dataSources, flowType, isEnabled, objectTypeId,
  suppressionListIds, timeWindows, type``; ``PLATFORM_FLOW`` the same minus
  ``canEnrollFromSalesforce`` and ``suppressionListIds`` (§8.3).
- **Update** (``ApiFlowPutRequest``) needs ``revisionId`` (§8.1) and the mutable required
  fields; ``objectTypeId``, ``flowType`` and ``dataSources`` may be left out (the reference's
  PUT example starts ``type, revisionId, isEnabled, actions, timeWindows, blockedDates,
  customProperties, suppressionListIds, canEnrollFromSalesforce``).
- The missing-field wording ``Some required fields were not set: [type]`` and the
  type/object mismatch wording ``Expected an object type other than "0-1" objectType but got
  "0-1"`` come from third-party captures of real 400s (UNCONFIRMED); other wordings here are
  ours, in the same style.
- Read-only fields a client sends back from a GET (``id``, ``createdAt``, ``updatedAt``,
  ``crmObjectCreationStatus``, ``nextAvailableActionId``) and unknown top-level keys are
  ignored rather than refused (UNCONFIRMED: the least surprising choice for GET-modify-PUT).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from typing import Any

from runtime.contract.limits import MAX_INPUTS, RUNTIMES
from runtime.contract.object_types import CONTACTS, find, is_custom_type_id
from runtime.fake_hubspot.core.errors import ValidationError
from runtime.fake_hubspot.core.http import json_type

CONTACT_FLOW = "CONTACT_FLOW"
PLATFORM_FLOW = "PLATFORM_FLOW"
FLOW_TYPES = (CONTACT_FLOW, PLATFORM_FLOW)
#: Contacts' object type id: the only one a CONTACT_FLOW takes, the one a PLATFORM_FLOW refuses.
CONTACTS_TYPE_ID = CONTACTS.type_id
#: ``flowType`` values ([SDK-TS] ``ApiFlow.flowType``).
FLOW_KINDS = ("WORKFLOW", "ACTION_SET", "UNKNOWN")
#: Action ``type`` discriminators (contract §8.2).
ACTION_TYPES = (
    "CUSTOM_CODE",
    "STATIC_BRANCH",
    "LIST_BRANCH",
    "AB_TEST_BRANCH",
    "WEBHOOK",
    "SINGLE_CONNECTION",
)
#: ``ApiInputVariable.value`` discriminators (contract §8.2).
INPUT_VALUE_TYPES = (
    "OBJECT_PROPERTY",
    "STATIC_VALUE",
    "FIELD_DATA",
    "RELATIVE_DATETIME",
    "TIMESTAMP",
    "INCREMENT",
    "FETCHED_OBJECT_PROPERTY",
    "APPEND_OBJECT_PROPERTY",
    "STATIC_APPEND_VALUE",
    "ENROLLMENT_EVENT_PROPERTY",
)
#: ``ApiCustomCodeAction`` required fields besides ``type`` (contract §8.2).
CUSTOM_CODE_REQUIRED = (
    "actionId",
    "runtime",
    "sourceCode",
    "secretNames",
    "inputFields",
    "outputFields",
)

_COMMON_CREATE = (
    "actions",
    "blockedDates",
    "customProperties",
    "dataSources",
    "flowType",
    "isEnabled",
    "objectTypeId",
    "timeWindows",
    "type",
)
_CONTACT_ONLY = ("canEnrollFromSalesforce", "suppressionListIds")
_COMMON_UPDATE = (
    "actions",
    "blockedDates",
    "customProperties",
    "isEnabled",
    "revisionId",
    "timeWindows",
    "type",
)

#: Writable top-level fields and their JSON kinds, in the order a GET answers them.
FIELDS: dict[str, type] = {
    "type": str,
    "isEnabled": bool,
    "flowType": str,
    "actions": list,
    "timeWindows": list,
    "blockedDates": list,
    "customProperties": dict,
    "dataSources": list,
    "suppressionListIds": list,
    "canEnrollFromSalesforce": bool,
    "objectTypeId": str,
    "name": str,
    "description": str,
    "uuid": str,
    "startActionId": str,
    "enrollmentCriteria": dict,
    "enrollmentSchedule": dict,
    "goalFilterBranch": dict,
    "eventAnchor": dict,
    "unEnrollmentSetting": dict,
}
#: Fields that cannot change after create (a PUT may repeat them unchanged or leave them out).
IMMUTABLE = ("objectTypeId", "flowType")
#: Fields every answer carries even when empty; the rest only when set.
ALWAYS = ("actions", "timeWindows", "blockedDates", "customProperties", "dataSources")

_OBJECT_TYPE_ID = re.compile(r"^\d+-\d+$")


def invalid(message: str, where: str | None = None) -> ValidationError:
    """A 400 ``VALIDATION_ERROR`` with one ``errors[]`` entry naming the field (``in``)."""
    detail: dict[str, Any] = {"message": message}
    if where:
        detail["in"] = where
    return ValidationError(message, errors=[detail])


def required_on_create(flow_type: str) -> tuple[str, ...]:
    """The top-level fields a create request of ``flow_type`` must carry (contract §8.3)."""
    fields = _COMMON_CREATE + (_CONTACT_ONLY if flow_type == CONTACT_FLOW else ())
    return tuple(sorted(fields))


def required_on_update(flow_type: str) -> tuple[str, ...]:
    """The top-level fields a PUT of ``flow_type`` must carry (``revisionId`` among them)."""
    fields = _COMMON_UPDATE + (_CONTACT_ONLY if flow_type == CONTACT_FLOW else ())
    return tuple(sorted(fields))


def flow_type_of(data: Mapping[str, Any]) -> str:
    """The ``type`` discriminator, checked first: it decides which fields are required.

    Raises:
        ValidationError: ``type`` missing or not ``CONTACT_FLOW``/``PLATFORM_FLOW``.
    """
    value = data.get("type")
    if value is None:
        raise _missing(["type"])
    if value not in FLOW_TYPES:
        raise invalid(f"Invalid type {value!r}: expected one of {', '.join(FLOW_TYPES)}", "type")
    return str(value)


def check_required(data: Mapping[str, Any], required: tuple[str, ...]) -> None:
    """Every field of ``required`` present and not ``null``.

    Raises:
        ValidationError: ``Some required fields were not set: [a, b]``.
    """
    missing = [name for name in required if data.get(name) is None]
    if missing:
        raise _missing(missing)


def _missing(names: list[str]) -> ValidationError:
    message = f"Some required fields were not set: [{', '.join(names)}]"
    return ValidationError(message, errors=[{"message": message, "in": n} for n in names])


def normalise_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """The known writable fields of ``data``, type-checked and copied, in GET order.

    Strings may arrive as numbers (HubSpot's JSON binding coerces them); other kinds must
    match exactly.

    Raises:
        ValidationError: a field of the wrong JSON type, or a bad ``objectTypeId``/``flowType``.
    """
    out: dict[str, Any] = {}
    for name, kind in FIELDS.items():
        value = data.get(name)
        if value is None:
            continue
        if kind is str and isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            expected = {str: "string", bool: "boolean", list: "array", dict: "object"}[kind]
            raise invalid(
                f"Invalid input JSON: '{name}' must be {_article(expected)} {expected}, "
                f"got {json_type(value)}",
                name,
            )
        out[name] = copy.deepcopy(value)
    kind_value = out.get("flowType")
    if kind_value is not None and kind_value not in FLOW_KINDS:
        raise invalid(
            f"Invalid flowType {kind_value!r}: expected one of {', '.join(FLOW_KINDS)}",
            "flowType",
        )
    type_id = out.get("objectTypeId")
    if type_id is not None and not _OBJECT_TYPE_ID.match(type_id):
        raise invalid(f"Invalid objectTypeId {type_id!r}: expected an id like 0-1", "objectTypeId")
    if type_id is not None and not _enrollable_id(type_id):
        # The object type table (runtime.contract.object_types) lists what workflows enroll.
        raise invalid(f"Unable to infer object type from: {type_id}", "objectTypeId")
    for entry in out.get("suppressionListIds", []):
        if isinstance(entry, bool) or not isinstance(entry, int | str) or not str(entry).isdigit():
            raise invalid(f"Invalid suppression list id {entry!r}", "suppressionListIds")
    return out


def _enrollable_id(type_id: str) -> bool:
    known = find(type_id)
    return is_custom_type_id(type_id) or (
        known is not None and known.type_id == type_id and known.enrollable
    )


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def check_object_type(flow_type: str, object_type_id: str) -> None:
    """A contact flow runs on contacts; a platform flow on anything else (third-party capture).

    Raises:
        ValidationError: the two disagree.
    """
    if flow_type == CONTACT_FLOW and object_type_id != CONTACTS_TYPE_ID:
        raise invalid(
            f'Expected objectType "{CONTACTS_TYPE_ID}" for a {CONTACT_FLOW} but got '
            f'"{object_type_id}"',
            "objectTypeId",
        )
    if flow_type == PLATFORM_FLOW and object_type_id == CONTACTS_TYPE_ID:
        raise invalid(
            f'Expected an object type other than "{CONTACTS_TYPE_ID}" objectType but got '
            f'"{object_type_id}"',
            "objectTypeId",
        )


# -- actions ---------------------------------------------------------------------------------


def check_actions(actions: list[Any], start_action_id: str | None) -> list[dict[str, Any]]:
    """Validate a flow's ``actions`` (ids, types, CUSTOM_CODE fields, references).

    Returns:
        The actions with ``actionId`` as a string, otherwise as sent.

    Raises:
        ValidationError: the first problem found, naming the action.
    """
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, action in enumerate(actions):
        where = f"actions[{index}]"
        if not isinstance(action, dict):
            raise invalid(f"Invalid input JSON: {where} must be an object", where)
        kind = action.get("type")
        if kind is None:
            raise _missing([f"{where}.type"])
        if kind not in ACTION_TYPES:
            raise invalid(
                f"Invalid action type {kind!r} in {where}: expected one of "
                f"{', '.join(ACTION_TYPES)}",
                f"{where}.type",
            )
        action_id = action.get("actionId")
        if action_id is None:
            raise _missing([f"{where}.actionId"])
        if isinstance(action_id, bool) or not isinstance(action_id, str | int):
            raise invalid(f"Invalid actionId in {where}: must be a string", f"{where}.actionId")
        action_id = str(action_id)
        if action_id in seen:
            raise invalid(f"Duplicate actionId {action_id}: action ids must be unique", where)
        seen.add(action_id)
        checked = dict(action)
        checked["actionId"] = action_id
        if kind == "CUSTOM_CODE":
            _check_custom_code(checked, where)
        out.append(checked)
    for index, action in enumerate(out):
        for ref in _references(action):
            if ref not in seen:
                raise invalid(
                    f"Action {action['actionId']} refers to action {ref}, which is not in the flow",
                    f"actions[{index}]",
                )
    if start_action_id is not None and out and start_action_id not in seen:
        raise invalid(
            f"startActionId {start_action_id} names no action of the flow", "startActionId"
        )
    return out


def _check_custom_code(action: dict[str, Any], where: str) -> None:
    """``ApiCustomCodeAction`` (contract §8.2)."""
    _require(action, CUSTOM_CODE_REQUIRED, where)
    runtime = action["runtime"]
    if runtime not in RUNTIMES:
        # [API-V4] runtime description: 'Supported runtimes are: "NODE16X", "NODE20X", ...'.
        supported = ", ".join(f'"{r}"' for r in RUNTIMES)
        raise invalid(
            f"Invalid runtime {runtime!r} in {where}. Supported runtimes are: {supported}",
            f"{where}.runtime",
        )
    if not isinstance(action["sourceCode"], str):
        raise invalid(f"Invalid input JSON: {where}.sourceCode must be a string", where)
    secrets = action["secretNames"]
    if not isinstance(secrets, list) or not all(isinstance(s, str) for s in secrets):
        raise invalid(f"Invalid input JSON: {where}.secretNames must be an array of strings", where)
    inputs = _named_items(action["inputFields"], f"{where}.inputFields")
    if len(inputs) > MAX_INPUTS:
        # Custom code guide: "You can add up to 50 properties in each custom code action."
        raise invalid(
            f"{where} has {len(inputs)} input fields; a custom code action takes at most "
            f"{MAX_INPUTS}",
            f"{where}.inputFields",
        )
    for i, item in enumerate(inputs):
        value = item.get("value")
        if not isinstance(value, dict) or value.get("type") not in INPUT_VALUE_TYPES:
            raise invalid(
                f"Invalid value for input field {item['name']!r} in {where}: expected an object "
                f"whose type is one of {', '.join(INPUT_VALUE_TYPES)}",
                f"{where}.inputFields[{i}].value",
            )
    for i, item in enumerate(_named_items(action["outputFields"], f"{where}.outputFields")):
        if not isinstance(item.get("type"), str):
            raise invalid(
                f"Output field {item['name']!r} in {where} needs a type",
                f"{where}.outputFields[{i}].type",
            )


def _require(data: Mapping[str, Any], names: tuple[str, ...], where: str) -> None:
    missing = [f"{where}.{n}" for n in names if data.get(n) is None]
    if missing:
        raise _missing(missing)


def _named_items(value: Any, where: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise invalid(f"Invalid input JSON: {where} must be an array of objects", where)
    names: set[str] = set()
    for i, item in enumerate(value):
        name = item.get("name")
        if not isinstance(name, str) or not name:
            raise invalid(f"Invalid input JSON: {where}[{i}].name must be a string", where)
        if name in names:
            raise invalid(f"Duplicate name {name!r} in {where}", where)
        names.add(name)
    return value


def _references(action: dict[str, Any]) -> Iterator[str]:
    """Action ids an action points at: ``nextActionId`` anywhere in it (connections, branches)
    and ``FIELD_DATA`` inputs (an earlier action's output)."""
    stack: list[Any] = [v for k, v in action.items() if k != "actionId"]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "nextActionId" in item and item["nextActionId"] is not None:
                yield str(item["nextActionId"])
            if item.get("type") == "FIELD_DATA" and item.get("actionId") is not None:
                yield str(item["actionId"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def max_numeric_id(actions: list[dict[str, Any]]) -> int:
    """The largest numeric ``actionId`` (0 for none): ``nextAvailableActionId`` is above it."""
    return max((int(a["actionId"]) for a in actions if str(a["actionId"]).isdigit()), default=0)
