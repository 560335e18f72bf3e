"""The Workflows v4 ``CUSTOM_CODE`` action for a packaged action.

Shape from HubSpot's Automation v4 API reference (``ApiCustomCodeAction``; contract §8.2)::

    {"type": "CUSTOM_CODE", "actionId": "1", "runtime": "PYTHON39",
     "sourceCode": "...", "secretNames": ["TOKEN"],
     "inputFields": [{"name": "email",
                      "value": {"type": "OBJECT_PROPERTY", "propertyName": "email"}}],
     "outputFields": [{"name": "tier", "type": "ENUMERATION", "options": ["gold"]}]}

``connection`` (the next action) belongs to the flow, not to the action: deploy sets it.
The API spellings of output types other than ``STRING`` and ``ENUMERATION`` are
UNCONFIRMED (contract §3.1); they come from ``OutputSpec.api_type()``.
"""

from __future__ import annotations

from typing import Any

from runtime.contract.manifest import ActionManifest
from runtime.packaging.bundle import Bundle


def flow_action_json(
    action: ActionManifest, bundle: Bundle, action_id: str = "1"
) -> dict[str, Any]:
    """The ``CUSTOM_CODE`` action object for a flow's ``actions`` list.

    Args:
        action: The loaded action (its manifest gives runtime, secrets, inputs, outputs).
        bundle: Its packaged form (``sourceCode`` is ``bundle.source``, marker included).
        action_id: The action's id within the flow; a placeholder until deploy picks one.

    Returns:
        A JSON-ready dict.
    """
    manifest = action.manifest
    outputs: list[dict[str, Any]] = []
    for name, spec in manifest.outputs.items():
        field: dict[str, Any] = {"name": name, "type": spec.api_type()}
        if spec.options:
            field["options"] = list(spec.options)
        outputs.append(field)
    return {
        "type": "CUSTOM_CODE",
        "actionId": action_id,
        "runtime": manifest.runtime,
        "sourceCode": bundle.source,
        "secretNames": list(manifest.secrets),
        "inputFields": [
            {"name": name, "value": {"type": "OBJECT_PROPERTY", "propertyName": prop}}
            for name, prop in manifest.inputs.items()
        ],
        "outputFields": outputs,
    }
