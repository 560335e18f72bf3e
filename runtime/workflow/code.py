"""Custom code steps: the flow's ``CUSTOM_CODE`` action run by the ordinary runner, retried
on the virtual clock, its API calls compared between attempts.

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
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runtime.contract import build_event
from runtime.contract.limits import DEFAULT_RUNTIME_BY_SUFFIX
from runtime.contract.manifest import ActionManifest, load_action
from runtime.contract.record import INTERRUPTED
from runtime.contract.retry import retry_schedule
from runtime.errors import HsrunError, WorkflowError
from runtime.workflow import enrollment as ev
from runtime.workflow.builtins import Outcome
from runtime.workflow.model import SOURCE_KEY, Flow
from runtime.workflow.values import ValueContext, as_text, resolve

if TYPE_CHECKING:
    from runtime.contract import Event
    from runtime.contract.record import RunResult
    from runtime.workflow.engine import Engine
    from runtime.workflow.enrollment import Enrollment

NON_IDEMPOTENT_RETRY = "NON_IDEMPOTENT_RETRY"

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


# -- running a step ------------------------------------------------------------------


class _MarkedJournal:
    """Records a custom code step's run with the enrollment it belongs to.

    Only the finished run is written: the RUNNING record a single invoke writes first (so a
    killed hsrun reads back as INTERRUPTED) would double the journal's cost per step, and an
    interrupted workflow run is visible as its enrollment never being saved.
    """

    def __init__(self, journal: Any, marker: dict[str, str]) -> None:
        self.journal = journal
        self.marker = marker

    def start(self, result: RunResult) -> None:
        pass

    def finish(self, result: RunResult) -> None:
        result.workflow = dict(self.marker)
        self.journal.finish(result)


def is_write(call: Mapping[str, Any]) -> bool:
    """A create or association write answered 2xx (what a retry must not repeat)."""
    method, path = str(call.get("method")), str(call.get("path"))
    if not 200 <= int(call.get("status", 0)) < 300 or method not in ("POST", "PUT"):
        return False
    if "/associations" in path or path.endswith("/batch/create"):
        return True
    parts = path.strip("/").split("/")
    # POST /crm/v3/objects/{type}: a create (searches and batch reads end otherwise).
    return method == "POST" and len(parts) == 4 and parts[:3] == ["crm", "v3", "objects"]


def custom_code_step(
    engine: Engine,
    enrollment: Enrollment,
    action: dict[str, Any],
    state: dict[str, Any],
    values: ValueContext,
) -> Outcome:
    """Run one attempt of a custom code action for an enrollment.

    The first attempt builds the event from the action's ``inputFields``; a retry sends the
    same event again. A 429/5xx the code raised schedules the next attempt on the clock;
    writes an earlier, failed attempt already made and this one repeats raise
    ``NON_IDEMPOTENT_RETRY``.
    """
    action_id = str(action["actionId"])
    attempt = int(state.get("attempt") or 1)
    event = state.get("event")
    if event is None:
        inputs = {
            str(item["name"]): as_text(resolve(item.get("value"), values))
            for item in action.get("inputFields") or []
        }
        portal_id = engine.records.portal_id
        callback = f"ap-{portal_id}-{int(enrollment.id, 16) % 10**10}-{action_id}-0"
        event = build_event(
            portal_id=portal_id,
            object_type=engine.event_type,
            object_id=int(enrollment.object_id),
            inputs=inputs,
            callback_id=callback,
        )  # kept as an Event: the runner takes it as it is, and so does every retry
    try:
        spec = engine.code_for(action)
        link = engine.records.step_link(engine.url)
        marker = {"enrollment": enrollment.id, "flow": engine.flow_key, "actionId": action_id}
        journal = _MarkedJournal(engine.journal, marker) if engine.journal is not None else None
        result = engine.runner.run(
            spec,
            event,
            secrets=engine.secrets,
            portal=link,
            options=engine.options.run_options,
            journal=journal,
        )
    except HsrunError as exc:
        return Outcome(ev.FAILED, exc.message)
    details: dict[str, Any] = {"runId": result.run_id, "attempt": attempt}
    if result.error is not None:
        details["error"] = f"{result.error.type}: {result.error.message}"
    if result.log_text:
        details["logs"] = result.log_text
    writes = [f"{c['method']} {c['path']}" for c in result.api_calls if is_write(c)]
    earlier: list[str] = list(state.get("writes") or [])
    repeated = sorted({w for w in writes if w in earlier})
    if repeated:
        message = (
            f"attempt {attempt} repeated {', '.join(repeated)}, which an earlier attempt "
            "had already done before it failed: in HubSpot this retry writes the same "
            "thing twice (make the action look before it creates)"
        )
        enrollment.alerts.append(
            {"code": NON_IDEMPOTENT_RETRY, "actionId": action_id, "attempt": attempt,
             "message": message}
        )  # fmt: skip
        enrollment.log(engine.clock.now(), action_id, ev.ALERT, message, code=NON_IDEMPOTENT_RETRY)
    for found in result.alerts:
        enrollment.alerts.append({**found.to_dict(), "actionId": action_id})
    if result.status == INTERRUPTED:
        # Ctrl-C killed the run: the enrollment stops here, neither failed nor retried.
        return Outcome(ev.INTERRUPTED_EVENT, "stopped (Ctrl-C)", details=details)
    if result.status == "RETRY_SCHEDULED":
        return _retry(engine, action_id, attempt, state, event, earlier + writes, details, result)
    if result.status != "SUCCESS":
        reason = details.get("error") or result.status
        return Outcome(ev.FAILED, f"{result.status}: {reason}", details=details, outputs={})
    declared = declared_outputs(action)
    types = {name: result.output_types.get(name, kind) for name, kind in declared.items()}
    types.update(result.output_types)
    details["outputs"] = dict(result.outputs)
    return Outcome(
        ev.SUCCEEDED,
        f"outputs {dict(result.outputs)}" if result.outputs else "no outputs",
        outputs=dict(result.outputs),
        output_types=types,
        details=details,
    )


def _retry(
    engine: Engine,
    action_id: str,
    attempt: int,
    state: dict[str, Any],
    event: Event,
    writes: list[str],
    details: dict[str, Any],
    result: RunResult,
) -> Outcome:
    # HubSpot: retried for up to three days, 1 min after the failure, then growing gaps
    # up to 8 h (contract/retry.py).
    first = float(state.get("first_failure") or engine.clock.now())
    schedule = retry_schedule()
    status = result.error.http_status if result.error else None
    if attempt > len(schedule):
        return Outcome(
            ev.FAILED,
            f"HTTP {status}: gave up after {attempt} attempts over three days of retries",
            details=details,
            outputs={},
        )
    when = first + schedule[attempt - 1]
    details["resumeAt"] = when
    details["state"] = {
        "attempt": attempt + 1,
        "first_failure": first,
        "event": event,
        "writes": writes,
        "windowed": True,
    }
    return Outcome(
        ev.RETRY_SCHEDULED, f"HTTP {status}: retry {attempt} scheduled", resume_at=when,
        details=details,
    )  # fmt: skip
