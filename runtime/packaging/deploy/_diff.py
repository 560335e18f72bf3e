"""What a deploy compares: the action in the flow, its drift, and the diff to the package.

**Drift.** ``hsrun package`` ends the code with ``# hsrun:sha256=<hex>``, the hash of the code
above it (:mod:`runtime.packaging.bundle`). Code whose marker no longer matches was edited in
HubSpot's editor since hsrun deployed it; code without a marker was not deployed by hsrun. An
action with no code is not drift: there is nothing to lose.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from runtime.contract.manifest import ActionManifest
from runtime.contract.object_types import find, is_custom_type_id
from runtime.errors import DeployError
from runtime.packaging.bundle import verify_marker
from runtime.packaging.deploy._api import Where

#: Fields of a GET answer that HubSpot sets; left out of the PUT.
READ_ONLY = ("id", "createdAt", "updatedAt", "crmObjectCreationStatus")
#: Why a deployed action counts as drifted.
DRIFT_EDITED = "was edited in HubSpot since hsrun deployed it (its code no longer matches its "
DRIFT_EDITED += "hsrun:sha256 marker)"
DRIFT_FOREIGN = "was not deployed by hsrun (its code has no hsrun:sha256 marker)"


@dataclass(frozen=True)
class Change:
    """One action setting that a deploy changes (code aside)."""

    field: str
    before: str
    after: str


def find_action(flow: dict[str, Any], where: Where) -> dict[str, Any]:
    """The flow's action ``where.action_id``.

    Raises:
        DeployError: no such action, or not a ``CUSTOM_CODE`` one; lists the custom code
            actions the flow has.
    """
    actions = [a for a in flow["actions"] if isinstance(a, dict)]
    for action in actions:
        if str(action.get("actionId")) == where.action_id:
            if action.get("type") != "CUSTOM_CODE":
                raise DeployError(
                    f"{where.action_phrase()} is a {action.get('type')} action, not custom "
                    f"code; nothing was written. {_custom_code_hint(actions)}"
                )
            return action
    raise DeployError(
        f"{where.flow_phrase()} has no action {where.action_id}; nothing was written. "
        f"{_custom_code_hint(actions)}"
    )


def _custom_code_hint(actions: list[dict[str, Any]]) -> str:
    ids = [str(a.get("actionId")) for a in actions if a.get("type") == "CUSTOM_CODE"]
    if not ids:
        return "The flow has no custom code action: add one in HubSpot's workflow editor first."
    return f"Its custom code actions: {', '.join(ids)} (--action-id)."


def drift_of(code: str) -> str | None:
    """Why ``code`` (deployed in the flow) counts as drift, or ``None`` when it does not."""
    if not code.strip():
        return None  # an empty action: nothing to lose
    verdict = verify_marker(code)
    if verdict is None:
        return DRIFT_FOREIGN
    return None if verdict else DRIFT_EDITED


def drift_refusal(where: Where, drift: str, path: str) -> DeployError:
    """The refusal of a deploy onto drifted code (without ``--force``)."""
    if drift == DRIFT_EDITED:
        what = f"then copy those edits into {path} and deploy again, or overwrite them with --force"
    else:
        what = f"then replace that code with {path} using --force"
    return DeployError(
        f"{where.action_phrase()} {drift}; nothing was written. See the diff with --dry-run, "
        f"{what}."
    )


def replaced_action(current: dict[str, Any], built: dict[str, Any]) -> dict[str, Any]:
    """The flow's action with hsrun's fields from ``built``; the rest (``connection``, fields
    hsrun does not know) kept as they are, in their order."""
    merged = dict(current)
    merged.update(built)
    merged["actionId"] = current.get("actionId", built["actionId"])
    return merged


def unified_code_diff(before: str, after: str, where: Where, path: str) -> str:
    """A unified diff from the flow's code to the packaged code; ``""`` when equal."""
    if before == after:
        return ""
    lines = difflib.unified_diff(
        before.splitlines(),
        after.splitlines(),
        fromfile=f"flow {where.flow_id} action {where.action_id} ({where.target.label})",
        tofile=f"{path} (packaged)",
        lineterm="",
    )
    text = "\n".join(lines)
    if before.splitlines() == after.splitlines():
        # Only line endings or the final newline differ; say so rather than show nothing.
        text = f"--- {where.target.label}\n+++ {path} (packaged)\n(line endings differ)"
    return text


def setting_changes(before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    """What differs besides the code: runtime, secrets, inputs, outputs (and, should it ever
    happen, any other field of the action)."""
    shown: tuple[tuple[str, str, Callable[[Any], str]], ...] = (
        ("runtime", "runtime", _plain),
        ("secrets", "secretNames", _names),
        ("inputs", "inputFields", _inputs),
        ("outputs", "outputFields", _outputs),
    )
    out: list[Change] = []
    for label, key, render in shown:
        if _canonical(before.get(key)) != _canonical(after.get(key)):
            out.append(Change(label, render(before.get(key)), render(after.get(key))))
    for key in sorted(set(before) | set(after)):
        managed = {"runtime", "secretNames", "inputFields", "outputFields", "sourceCode"}
        if key in managed or key == "actionId":
            continue
        if _canonical(before.get(key)) != _canonical(after.get(key)):
            out.append(Change(key, _compact(before.get(key)), _compact(after.get(key))))
    return out


def _plain(value: Any) -> str:
    return str(value or "(none)")


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _compact(value: Any) -> str:
    return "(none)" if value is None else json.dumps(value, ensure_ascii=False)


def _names(value: Any) -> str:
    return ", ".join(str(v) for v in value) if isinstance(value, list) and value else "(none)"


def _inputs(value: Any) -> str:
    if not isinstance(value, list) or not value:
        return "(none)"
    parts = []
    for item in value:
        if not isinstance(item, dict):
            parts.append(_compact(item))
            continue
        spec = item.get("value")
        if isinstance(spec, dict) and spec.get("type") == "OBJECT_PROPERTY":
            parts.append(f"{item.get('name')} = property {spec.get('propertyName')}")
        else:
            parts.append(f"{item.get('name')} = {_compact(spec)}")
    return "; ".join(parts)


def _outputs(value: Any) -> str:
    if not isinstance(value, list) or not value:
        return "(none)"
    parts = []
    for item in value:
        if not isinstance(item, dict):
            parts.append(_compact(item))
            continue
        options = item.get("options")
        extra = f" [{', '.join(str(o) for o in options)}]" if isinstance(options, list) else ""
        parts.append(f"{item.get('name')}: {item.get('type')}{extra}")
    return "; ".join(parts)


def put_body(flow: dict[str, Any], action: dict[str, Any], action_id: str) -> dict[str, Any]:
    """The GET answer without HubSpot's read-only fields, with the one action replaced."""
    body = {k: v for k, v in flow.items() if k not in READ_ONLY}
    body["actions"] = [
        action if isinstance(a, dict) and str(a.get("actionId")) == action_id else a
        for a in flow["actions"]
    ]
    return body


def object_type_notes(action: ActionManifest, flow: dict[str, Any], where: Where) -> list[str]:
    """A note when the manifest's ``object_type`` is not what the flow enrolls."""
    declared = action.manifest.object_type
    known = find(declared)
    wanted = declared if is_custom_type_id(declared) else (known.type_id if known else None)
    flow_type_id = str(flow.get("objectTypeId", ""))
    if wanted is not None and flow_type_id and wanted != flow_type_id:
        return [
            f"{action.source_path}'s manifest says object_type = "
            f"{declared!r} ({wanted}), but flow {where.flow_id} "
            f"enrolls {flow_type_id} records: its input properties may not exist there"
        ]
    return []
