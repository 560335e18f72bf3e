"""Trigger-based enrollment: ``LIST_BASED`` criteria evaluated against the portal's records.

HubSpot's rules (workflows contract §4.1, [KB-REENROLL]): a record enrolls the first time it
meets the triggers; never while it is still enrolled; again later only when the flow has
``shouldReEnroll``. hsrun evaluates ``listFilterBranch`` with the same filter code as
``LIST_BRANCH`` (:mod:`.filters`). Not emulated: re-enrollment triggers
(``reEnrollmentTriggersFilterBranches``: with ``shouldReEnroll`` a finished record that
matches enrolls again), ``EVENT_BASED`` triggers (hsrun has no event stream), suppression
lists, and "the trigger must newly become true".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from runtime.contract.object_types import find as find_object_type
from runtime.errors import WorkflowError
from runtime.workflow.filters import evaluate

if TYPE_CHECKING:
    from runtime.workflow.engine import Engine
    from runtime.workflow.enrollment import Enrollment


@dataclass
class TriggerReport:
    """Who enrolled, and who matched but did not (with why)."""

    enrolled: list[Enrollment] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    checked: int = 0


def enroll_matching(engine: Engine, *, earlier: list[Enrollment] | None = None) -> TriggerReport:
    """Enroll every live record that meets the flow's ``LIST_BASED`` criteria.

    Args:
        engine: the engine to enroll into.
        earlier: this flow's enrollments from earlier commands (the journal's), for the
            re-enrollment rule.

    Raises:
        WorkflowError: the flow has no ``LIST_BASED`` criteria.
    """
    criteria = engine.flow.data.get("enrollmentCriteria") or {}
    kind = criteria.get("type")
    if kind != "LIST_BASED" or not isinstance(criteria.get("listFilterBranch"), dict):
        raise WorkflowError(
            f"{engine.flow.source}: enrollment triggers of type {kind or 'none'} cannot be "
            "evaluated; hsrun evaluates LIST_BASED criteria (listFilterBranch). Enroll records "
            "by id with --object-id or --objects instead"
        )
    again = bool(criteria.get("shouldReEnroll"))
    object_type = find_object_type(engine.flow.object_type_id)
    if object_type is None:
        raise WorkflowError(f"the fake portal has no object type {engine.flow.object_type_id}")
    history: dict[str, list[str]] = {}
    for enrollment in earlier or []:
        if enrollment.status == "INTERRUPTED" and not enrollment.path:
            continue  # Ctrl-C came before its first action: it never ran
        # An earlier command's enrollment left WAITING can be resumed (hsrun workflow
        # resume): the record is still enrolled. Any other counts as enrolled before.
        history.setdefault(enrollment.object_id, []).append(
            "WAITING" if enrollment.resumable else "EARLIER"
        )
    for enrollment in engine.enrollments.values():
        history.setdefault(enrollment.object_id, []).append(enrollment.status)
    report = TriggerReport()
    portal = engine.portal
    for view in portal.records(object_type.name):
        record = portal.objects.find(object_type, view.id)
        if record is None:
            continue  # archived since the listing
        report.checked += 1
        if not evaluate(portal, record, criteria["listFilterBranch"]).matched:
            continue
        oid = str(record.id)
        statuses = history.get(oid, [])
        if any(s in ("ACTIVE", "WAITING") for s in statuses):
            report.skipped.append((oid, "still enrolled"))
        elif statuses and not again:
            report.skipped.append((oid, "enrolled before and the flow does not re-enroll"))
        else:
            report.enrolled.append(engine.enroll(oid))
    return report
