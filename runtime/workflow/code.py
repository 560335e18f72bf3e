"""Custom code steps: the flow's ``CUSTOM_CODE`` action run by the ordinary runner.

The engine never cares which language the code is in: it hands the runner an action file
and a built event, and the runner (``runtime.invoke``) does the rest, Python or Node.js.

Where the code comes from, in order:

1. ``hsrunSource`` (hsrun's key): a project file such as ``actions/lead_score.py`` with its
   manifest, so the code a workflow runs is the code the tests and ``hsrun check`` see;
2. ``sourceCode`` (HubSpot's key): written once to a cache folder as ``<name>.py``/``.js``
   with a manifest made from the action's ``runtime``, ``secretNames`` and ``outputFields``.

Output types: the v4 API spells them ``STRING``, ``NUMBER``, ``BOOL``/``BOOLEAN``, ``DATE``,
``DATETIME``, ``ENUMERATION``, ``PHONE_NUMBER`` (spellings besides ``STRING`` and
``ENUMERATION`` UNCONFIRMED, workflows contract §2.2); unknown spellings are left undeclared.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Any

from runtime.contract.limits import DEFAULT_RUNTIME_BY_SUFFIX
from runtime.contract.manifest import ActionManifest, load_action
from runtime.errors import WorkflowError
from runtime.workflow.model import SOURCE_KEY, Flow

_API_TYPES = {
    "STRING": "string",
    "NUMBER": "number",
    "BOOL": "bool",
    "BOOLEAN": "bool",
    "DATE": "date",
    "DATETIME": "datetime",
    "ENUMERATION": "enumeration",
    "PHONE_NUMBER": "phone_number",
}
_SUFFIX = {runtime: suffix for suffix, runtime in DEFAULT_RUNTIME_BY_SUFFIX.items()}
_lock = threading.Lock()


def declared_outputs(action: dict[str, Any]) -> dict[str, str | None]:
    """``{name: manifest type}`` of a code action's ``outputFields``."""
    out: dict[str, str | None] = {}
    for item in action.get("outputFields") or []:
        if isinstance(item, dict) and item.get("name"):
            out[str(item["name"])] = _API_TYPES.get(str(item.get("type") or "").upper())
    return out


def action_file(flow: Flow, action: dict[str, Any], cache: Path) -> ActionManifest:
    """The action file (and manifest) that runs ``action``.

    Raises:
        WorkflowError: ``hsrunSource`` names no file, or the action has no code.
    """
    named = action.get(SOURCE_KEY)
    if named:
        base = flow.base_dir or Path.cwd()
        path = Path(str(named))
        path = path if path.is_absolute() else base / path
        if not path.is_file():
            raise WorkflowError(
                f"{flow.source}: action {action['actionId']} names {named} ({SOURCE_KEY}), "
                f"which does not exist (looked in {base})"
            )
        return load_action(path)
    source = action.get("sourceCode")
    if not isinstance(source, str) or not source.strip():
        raise WorkflowError(f"{flow.source}: custom code action {action['actionId']} has no code")
    return _materialise(action, source, cache)


def _materialise(action: dict[str, Any], source: str, cache: Path) -> ActionManifest:
    runtime = str(action.get("runtime") or "PYTHON39")
    suffix = _SUFFIX.get(runtime, ".js" if runtime.startswith("NODE") else ".py")
    manifest = _manifest_toml(action, runtime)
    digest = hashlib.sha256((source + "\0" + manifest).encode("utf-8")).hexdigest()[:16]
    folder = cache / digest
    path = folder / f"action_{_slug(str(action['actionId']))}{suffix}"
    with _lock:
        if not path.is_file():
            folder.mkdir(parents=True, exist_ok=True)
            path.with_suffix(".toml").write_text(manifest, encoding="utf-8")
            path.write_text(source, encoding="utf-8")
    return load_action(path)


def _manifest_toml(action: dict[str, Any], runtime: str) -> str:
    lines = [f"runtime = {json.dumps(runtime)}"]
    secrets = [str(s) for s in action.get("secretNames") or []]
    lines.append(f"secrets = {json.dumps(secrets)}")
    lines.append("")
    lines.append("[outputs]")
    for item in action.get("outputFields") or []:
        kind = _API_TYPES.get(str(item.get("type") or "").upper())
        if kind is None:
            continue
        name = json.dumps(str(item["name"]))
        if kind == "enumeration":
            options = [str(o) for o in item.get("options") or []]
            if not options:
                kind = "string"  # an enumeration without options cannot be declared
            else:
                lines.append(
                    f'{name} = {{ type = "enumeration", options = {json.dumps(options)} }}'
                )
                continue
        lines.append(f"{name} = {json.dumps(kind)}")
    return "\n".join(lines) + "\n"


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text)
