"""``hsrun workflow pull``: a flow from the portal (or HubSpot) into the project.

The flow JSON is written as the API returns it, except that each custom code action's
``sourceCode`` moves to a file under ``actions/`` with a manifest beside it, and the action
names that file with ``hsrunSource``. The code is then an ordinary action: ``hsrun check``
lints it, tests run it, ``hsrun deploy actions/<file> --flow ID --action-id N`` puts it back.
hsrun's ``# hsrun:sha256=`` marker is dropped from the pulled file (``hsrun package`` adds it
again on deploy).
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runtime.errors import WorkflowError
from runtime.workflow.code import declared_outputs
from runtime.workflow.model import SOURCE_KEY

_SUFFIX = {"PYTHON39": ".py", "NODE16X": ".js", "NODE20X": ".js"}


@dataclass
class PullReport:
    """What a pull wrote."""

    flow_file: Path
    action_files: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)


def slug(text: str) -> str:
    """``"Lead routing!"`` → ``lead_routing`` (a module name an action file can have)."""
    words = re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower()
    if not words or words[0].isdigit():
        words = f"flow_{words}"
    return words


def pull_flow(
    data: dict[str, Any], *, project_root: Path, output: Path, overwrite: bool = False
) -> PullReport:
    """Write ``data`` (an ``ApiFlow``) as ``output`` and its code into ``actions/``.

    Raises:
        WorkflowError: a file exists with other content and ``overwrite`` is off.
    """
    from runtime.packaging.bundle import split_marker

    flow = copy.deepcopy(data)
    name = slug(str(flow.get("name") or f"flow_{flow.get('id', '')}"))
    report = PullReport(output)
    planned: list[tuple[Path, str]] = []
    for action in flow.get("actions") or []:
        if action.get("type") != "CUSTOM_CODE" or not str(action.get("sourceCode") or "").strip():
            continue
        runtime = str(action.get("runtime") or "PYTHON39")
        suffix = _SUFFIX.get(runtime, ".js" if runtime.startswith("NODE") else ".py")
        path = project_root / "actions" / f"{name}_{action['actionId']}{suffix}"
        code, _ = split_marker(str(action["sourceCode"]))
        planned.append((path, code))
        planned.append((path.with_suffix(".toml"), _manifest(action, runtime, flow)))
        action[SOURCE_KEY] = path.relative_to(project_root).as_posix()
        action["sourceCode"] = ""
    planned.append((output, json.dumps(flow, indent=2, ensure_ascii=False) + "\n"))
    for path, text in planned:
        if path.exists() and path.read_text(encoding="utf-8") != text and not overwrite:
            raise WorkflowError(
                f"{path} exists with other content; nothing was written (--force overwrites)"
            )
    for path, text in planned:
        if path.exists() and path.read_text(encoding="utf-8") == text:
            report.unchanged.append(path)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if path != output:
            report.action_files.append(path)
    return report


def _manifest(action: dict[str, Any], runtime: str, flow: dict[str, Any]) -> str:
    from runtime.contract.object_types import find as find_object_type

    kind = find_object_type(str(flow.get("objectTypeId") or "0-1"))
    lines = [
        f"# Pulled from flow {flow.get('id', '?')} ({flow.get('name', '')}), action "
        f"{action['actionId']}.",
        f"runtime = {json.dumps(runtime)}",
        f"object_type = {json.dumps(kind.singular.upper() if kind else 'CONTACT')}",
        f"secrets = {json.dumps([str(s) for s in action.get('secretNames') or []])}",
        "",
        "[inputs]",
    ]
    others = []
    for item in action.get("inputFields") or []:
        value = item.get("value") or {}
        if value.get("type") == "OBJECT_PROPERTY":
            lines.append(f"{item['name']} = {json.dumps(str(value.get('propertyName')))}")
        else:
            others.append(f"{item['name']} ({value.get('type')})")
    if others:
        lines.append(f"# set by the flow, not a property: {', '.join(others)}")
    lines += ["", "[outputs]"]
    options = {
        str(o.get("name")): [str(x) for x in o.get("options") or []]
        for o in action.get("outputFields") or []
    }
    for out_name, kind_name in declared_outputs(action).items():
        if kind_name is None:
            continue
        if kind_name == "enumeration" and options.get(out_name):
            listed = json.dumps(options[out_name])
            lines.append(f'{out_name} = {{ type = "enumeration", options = {listed} }}')
        elif kind_name != "enumeration":
            lines.append(f"{out_name} = {json.dumps(kind_name)}")
        else:
            lines.append(f'{out_name} = "string"')
    return "\n".join(lines) + "\n"
