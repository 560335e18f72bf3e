"""Built-in actions (``SINGLE_CONNECTION``, chosen by ``actionTypeId``) against the engine's
records (:mod:`.records`: the fake portal, or HubSpot with ``--live``).

Emulated, as the workflows contract's emulator note suggests (§2.1):

- ``0-1`` delay for a set amount of time (``delta`` + ``time_unit``);
- ``0-35`` delay until a date or a date property (``date`` value, ``delta``, ``time_unit``,
  ``time_of_day``); an empty or past date continues at once (UNCONFIRMED) and says so;
- ``0-29`` delay until an event: hsrun has no events, so it waits out ``expiration_minutes``
  and its outcome ``hs_event_criteria_met`` is ``"false"``;
- ``0-5`` set property, with ``INCREMENT``/``APPEND_OBJECT_PROPERTY``/``STATIC_APPEND_VALUE``
  values and the ``association`` variant (every record associated with that type);
- ``0-14`` create record (+ an association to the enrolled record when ``associations`` is
  set; HubSpot's loop guard skips it when the enrolled record was made by this workflow);
- ``0-3`` create task (a ``tasks`` record when the portal has that type, else recorded);
- ``0-8``/``0-9`` notifications: recorded (with tokens filled in), never sent;
- ``0-13``/``0-63809083``/``0-63863438`` list membership: recorded locally, changed in HubSpot
  with ``--live`` (the list id is sent as the flow holds it).

Any other ``actionTypeId`` is logged ``NOT_EMULATED`` and the enrollment continues.
Writes that HubSpot would refuse (an unknown property, a bad option) fail the step with
HubSpot's message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from runtime.contract.object_types import find as find_object_type
from runtime.errors import PortalError
from runtime.fake_hubspot.core.clock import parse_instant
from runtime.workflow import enrollment as ev
from runtime.workflow.values import UNIT_SECONDS, ValueContext, as_text, fill_tokens, resolve

if TYPE_CHECKING:
    from runtime.workflow.enrollment import Enrollment
    from runtime.workflow.records import Records

DELAY = "0-1"
DELAY_UNTIL = "0-35"
DELAY_UNTIL_EVENT = "0-29"
SET_PROPERTY = "0-5"
CREATE_RECORD = "0-14"
CREATE_TASK = "0-3"
NOTIFICATIONS = {"0-8": "internal email notification", "0-9": "in-app notification"}
LIST_ACTIONS = {"0-13": None, "0-63809083": "ADD", "0-63863438": "REMOVE"}
LOOP_GUARD = (
    "The enrolled {kind} was created by this workflow, so this action was skipped to prevent "
    "an infinite loop."
)


@dataclass
class Outcome:
    """What one step did: its event, and where the enrollment goes next.

    Attributes:
        event: the step event (``SUCCEEDED``, ``DELAYED``, ``FAILED``...).
        message: in words.
        resume_at: for delays and retries, when the enrollment moves on (virtual seconds).
        next_id: where to go; ``FOLLOW`` follows the action's ``connection``.
        outputs: data outputs to keep for ``FIELD_DATA``.
        details: the rest of the step's record.
    """

    event: str
    message: str = ""
    resume_at: float | None = None
    next_id: str | None = "FOLLOW"
    outputs: dict[str, Any] | None = None
    output_types: dict[str, str | None] | None = None
    details: dict[str, Any] = field(default_factory=dict)


class Builtins:
    """Runs built-in actions for one engine (one portal, one clock, one time zone)."""

    def __init__(self, records: Records, *, timezone: str, created: set[tuple[str, str]]) -> None:
        self.records = records
        self.timezone = timezone
        #: (object type id, record id) of records this workflow run created (loop guard).
        self.created = created

    def run(self, enrollment: Enrollment, action: dict[str, Any], values: ValueContext) -> Outcome:
        type_id = str(action.get("actionTypeId") or "")
        fields = action.get("fields") or {}
        try:
            if type_id == DELAY:
                return self._delay(fields, values)
            if type_id == DELAY_UNTIL:
                return self._delay_until(fields, values)
            if type_id == DELAY_UNTIL_EVENT:
                return self._delay_until_event(fields, values)
            if type_id == SET_PROPERTY:
                return self._set_property(enrollment, fields, values)
            if type_id == CREATE_RECORD:
                return self._create_record(enrollment, fields, values)
            if type_id == CREATE_TASK:
                return self._create_task(enrollment, fields, values)
        except PortalError as exc:
            return Outcome(ev.FAILED, exc.message)
        if type_id in NOTIFICATIONS:
            subject = fill_tokens(str(fields.get("subject") or ""), values)
            body = fill_tokens(str(fields.get("body") or ""), values)
            recipients = {
                k: fields[k] for k in ("user_ids", "team_ids", "owner_properties") if k in fields
            }
            return Outcome(
                ev.SUCCEEDED,
                f"{NOTIFICATIONS[type_id]} recorded, not sent: {subject!r}",
                details={"subject": subject, "body": body, "recipients": recipients},
            )
        if type_id in LIST_ACTIONS:
            operation = LIST_ACTIONS[type_id] or str(fields.get("operation") or "ADD").upper()
            list_id = fields.get("list_id") or fields.get("listId")
            try:
                done = self.records.list_membership(str(list_id), enrollment.object_id, operation)
            except PortalError as exc:
                return Outcome(ev.FAILED, exc.message)
            return Outcome(ev.SUCCEEDED, done, details={"operation": operation, "listId": list_id})
        return Outcome(
            ev.NOT_EMULATED,
            f"action type {type_id or '?'} is not emulated by hsrun: passed through",
        )

    # -- delays ------------------------------------------------------------------------

    def _delay(self, fields: dict[str, Any], values: ValueContext) -> Outcome:
        unit = str(fields.get("time_unit") or "MINUTES").upper()
        seconds = float(fields.get("delta") or 0) * UNIT_SECONDS.get(unit, 60)
        until = values.now_ms / 1000 + max(0.0, seconds)
        return Outcome(ev.DELAYED, f"delayed {fields.get('delta')} {unit.lower()}", resume_at=until)

    def _delay_until(self, fields: dict[str, Any], values: ValueContext) -> Outcome:
        raw = resolve(fields.get("date"), values)
        instant = parse_instant(str(raw)) if raw not in (None, "") else None
        if instant is None:
            return Outcome(ev.SUCCEEDED, "the date is empty: continued at once")
        unit = str(fields.get("time_unit") or "DAYS").upper()
        seconds = instant / 1000 + float(fields.get("delta") or 0) * UNIT_SECONDS.get(unit, 86400)
        time_of_day = fields.get("time_of_day")
        if isinstance(time_of_day, dict):
            local = datetime.fromtimestamp(seconds, ZoneInfo(self.timezone))
            local = local.replace(
                hour=int(time_of_day.get("hour", 0)),
                minute=int(time_of_day.get("minute", 0)),
                second=0,
                microsecond=0,
            )
            seconds = local.timestamp()
        if seconds <= values.now_ms / 1000:
            return Outcome(ev.SUCCEEDED, "the date has passed: continued at once")
        return Outcome(ev.DELAYED, "delayed until the date", resume_at=seconds)

    def _delay_until_event(self, fields: dict[str, Any], values: ValueContext) -> Outcome:
        # hsrun has no event stream: the event never happens, so the delay runs to its expiry
        # and its outcome hs_event_criteria_met is "false" (workflows contract §3.2).
        minutes = float(fields.get("expiration_minutes") or 0)
        until = values.now_ms / 1000 + max(0.0, minutes * 60)
        return Outcome(
            ev.DELAYED,
            f"waited for an event for {minutes:g} minutes (hsrun has no events: it never came)",
            resume_at=until,
            outputs={"hs_event_criteria_met": "false"},
            output_types={"hs_event_criteria_met": "string"},
        )

    # -- writes ------------------------------------------------------------------------

    def _set_property(
        self, enrollment: Enrollment, fields: dict[str, Any], values: ValueContext
    ) -> Outcome:
        name = str(fields.get("property_name") or "")
        value = fields.get("value")
        association = fields.get("association")
        targets = [(enrollment.object_type_id, enrollment.object_id)]
        if isinstance(association, dict):
            targets = self._associated(enrollment, association)
            if not targets:
                return Outcome(ev.SUCCEEDED, f"no associated records: {name} not set")
        written: list[str] = []
        for type_id, record_id in targets:
            current = None
            if _reads_current(value):
                current = self.records.values(type_id, record_id).get(name)
            new = self._new_value(value, current, values)
            if new is None:
                # No value (an output of an action not on this path): nothing is written
                # (workflows contract §3.2, emulator note).
                return Outcome(ev.SUCCEEDED, f"{name}: no value to set, left unchanged")
            self.records.update(type_id, record_id, {name: new})
            written.append(record_id)
        shown = ", ".join(written)
        return Outcome(
            ev.SUCCEEDED,
            f"set {name} = {new!r} on {shown}",
            details={"property": name, "value": new, "records": written},
        )

    def _new_value(self, value: Any, current: str | None, values: ValueContext) -> str | None:
        kind = value.get("type") if isinstance(value, dict) else None
        if kind == "INCREMENT":
            amount = float(value.get("incrementAmount") or 0)
            try:
                base = float(current) if current not in (None, "") else 0.0
            except ValueError as exc:
                raise PortalError(f"cannot increment {current!r}: not a number") from exc
            return as_text(base + amount)
        if kind in ("APPEND_OBJECT_PROPERTY", "STATIC_APPEND_VALUE"):
            extra = (
                values.prop(str(value.get("appendPropertyName") or ""))
                if kind == "APPEND_OBJECT_PROPERTY"
                else fill_tokens(str(value.get("staticAppendValue") or ""), values)
            )
            parts = [p for p in (current or "").split(";") if p]
            for item in (extra or "").split(";"):
                if item and item not in parts:
                    parts.append(item)
            return ";".join(parts)
        return as_text(resolve(value, values))

    def _associated(
        self, enrollment: Enrollment, association: dict[str, Any]
    ) -> list[tuple[str, str]]:
        """Records associated with the enrolled one by exactly this association type."""
        wanted = (
            str(association.get("associationCategory") or "HUBSPOT_DEFINED"),
            int(association.get("associationTypeId") or 0),
        )
        return self.records.associated(enrollment.object_type_id, enrollment.object_id, wanted)

    def _create_record(
        self, enrollment: Enrollment, fields: dict[str, Any], values: ValueContext
    ) -> Outcome:
        type_id = str(fields.get("object_type_id") or "")
        kind = find_object_type(type_id)
        if kind is None:
            return Outcome(ev.FAILED, f"the fake portal has no object type {type_id!r}")
        if (enrollment.object_type_id, enrollment.object_id) in self.created and (
            kind.type_id == enrollment.object_type_id
        ):
            return Outcome(ev.SKIPPED, LOOP_GUARD.format(kind=kind.singular))
        props: dict[str, Any] = {}
        for item in fields.get("properties") or []:
            value = as_text(resolve(item.get("value"), values))
            if value is not None:
                props[str(item.get("targetProperty"))] = value
        record_id = self.records.create(kind.name, props)
        self.created.add((kind.type_id, record_id))
        if fields.get("associations"):
            self.records.associate(
                enrollment.object_type_id, enrollment.object_id, kind.name, record_id
            )
        return Outcome(
            ev.SUCCEEDED,
            f"created {kind.singular} {record_id}",
            outputs={"hs_object_id": record_id},
            output_types={"hs_object_id": "number"},
            details={"objectTypeId": kind.type_id, "id": record_id, "properties": props},
        )

    def _create_task(
        self, enrollment: Enrollment, fields: dict[str, Any], values: ValueContext
    ) -> Outcome:
        subject = fill_tokens(str(fields.get("subject") or ""), values)
        body = fill_tokens(str(fields.get("body") or ""), values)
        task = {"subject": subject, "body": body, "priority": fields.get("priority"),
                "taskType": fields.get("task_type")}  # fmt: skip
        kind = find_object_type("tasks")
        if kind is None:
            return Outcome(
                ev.SUCCEEDED,
                f"task {subject!r} recorded (the fake portal has no tasks object)",
                details={"task": task},
            )
        # A task's time (hs_timestamp, required) is its due date: now on the virtual clock.
        props = {
            "hs_task_subject": subject,
            "hs_task_body": body,
            "hs_timestamp": str(values.now_ms),
            "hs_task_status": "NOT_STARTED",
        }
        if fields.get("priority"):
            props["hs_task_priority"] = str(fields["priority"])
        if fields.get("task_type"):
            props["hs_task_type"] = str(fields["task_type"])
        record_id = self.records.create(kind.name, props)
        self.records.associate(
            kind.name, record_id, enrollment.object_type_id, enrollment.object_id
        )
        return Outcome(
            ev.SUCCEEDED,
            f"created task {record_id}: {subject!r}",
            outputs={"hs_object_id": record_id},
            details={"task": task, "id": record_id},
        )


def _reads_current(value: Any) -> bool:
    """Whether a set-property value builds on the current one (increment, append)."""
    kind = value.get("type") if isinstance(value, dict) else None
    return kind in ("INCREMENT", "APPEND_OBJECT_PROPERTY", "STATIC_APPEND_VALUE")
