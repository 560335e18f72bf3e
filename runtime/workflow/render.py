"""Enrollments as people read them: HubSpot's action-log columns, and a one-line summary.

HubSpot's action log (workflows contract §4.5) has the columns **Object**, **Action**,
**Event** and **Time** (account time zone). ``hsrun workflow show`` prints one enrollment's
steps in those columns, oldest first so it reads as a timeline; ``--json`` gives the record.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from runtime.workflow import enrollment as ev

if TYPE_CHECKING:
    from runtime.workflow.enrollment import Enrollment
    from runtime.workflow.model import Flow

_STYLE = {
    ev.SUCCEEDED: "green",
    ev.COMPLETED_EVENT: "green",
    ev.FAILED: "red",
    ev.ALERT: "bold red",
    ev.RETRY_SCHEDULED: "yellow",
    ev.DELAYED: "cyan",
    ev.RESCHEDULED: "cyan",
    ev.NOT_EMULATED: "magenta",
    ev.SKIPPED: "magenta",
    ev.INTERRUPTED_EVENT: "yellow",
}
_BUILTIN_NAMES = {
    "0-1": "Delay",
    "0-35": "Delay until date",
    "0-29": "Delay until event",
    "0-5": "Set property",
    "0-14": "Create record",
    "0-3": "Create task",
    "0-8": "Internal email notification",
    "0-9": "In-app notification",
    "0-13": "List membership",
    "0-63809083": "Add to static list",
    "0-63863438": "Remove from static list",
}
_SHAPES = {
    "CUSTOM_CODE": "Custom code",
    "STATIC_BRANCH": "Value equals branch",
    "LIST_BRANCH": "If/then branch",
    "AB_TEST_BRANCH": "A/B test branch",
    "WEBHOOK": "Webhook",
}


def when(at: float, timezone: str = "UTC") -> str:
    """Virtual time in the account's zone, as the Time column shows it."""
    return datetime.fromtimestamp(at, ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M:%S")


def action_label(action: dict[str, Any] | None, action_id: str | None) -> str:
    if action_id is None:
        return "-"
    if action is None:
        return f"{action_id}."
    kind = str(action.get("type"))
    if kind == "SINGLE_CONNECTION":
        type_id = str(action.get("actionTypeId"))
        name = _BUILTIN_NAMES.get(type_id, f"Action {type_id}")
        prop = (action.get("fields") or {}).get("property_name")
        return f"{action_id}. {name}" + (f" ({prop})" if prop else "")
    label = f"{action_id}. {_SHAPES.get(kind, kind)}"
    source = action.get("hsrunSource")
    return label + (f" ({source})" if source else "")


def summary(enrollment: Enrollment, timezone: str = "UTC") -> str:
    """One line: id, record, status, path, and when a waiting one resumes."""
    text = (
        f"{enrollment.id}  {enrollment.object_type_id}/{enrollment.object_id}  "
        f"{enrollment.status}  path {' > '.join(enrollment.path) or '-'}"
    )
    if enrollment.status == ev.WAITING and enrollment.resume_at is not None:
        text += (
            f"  (resumes at action {enrollment.current} on {when(enrollment.resume_at, timezone)})"
        )
    if enrollment.status == ev.INTERRUPTED and enrollment.current is not None:
        text += f"  (stopped at action {enrollment.current})"
    if enrollment.alerts:
        text += f"  alerts: {', '.join(sorted({str(a.get('code')) for a in enrollment.alerts}))}"
    return text


def timeline(enrollment: Enrollment, flow: Flow | None = None, timezone: str = "UTC") -> Any:
    """A rich table of the steps in HubSpot's columns."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(box=None, header_style="bold", title=escape(f"{enrollment.flow_name}"))
    for column in ("OBJECT", "ACTION", "EVENT", "TIME"):
        table.add_column(column, overflow="fold")
    obj = f"{enrollment.object_type_id}/{enrollment.object_id}"
    for step in enrollment.steps:
        action = None
        if flow is not None and step.action_id is not None:
            action = flow.actions.get(step.action_id)
        style = _STYLE.get(step.event, "white")
        event = f"[{style}]{step.event}[/] {escape(step.message)}"
        resume = step.details.get("resumeAt")
        if resume is not None:
            event += f" (until {when(float(resume), timezone)})"
        for line in step.details.get("checks") or []:
            event += f"\n  {escape(str(line))}"
        for note in step.details.get("notes") or []:
            event += f"\n  note: {escape(str(note))}"
        run_id = step.details.get("runId")
        if run_id:
            event += f"\n  run {run_id} (hsrun show {run_id})"
        table.add_row(
            obj, escape(action_label(action, step.action_id)), event, when(step.at, timezone)
        )
    return table
