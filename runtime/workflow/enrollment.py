"""One record's trip through a workflow: its steps, outputs, path and alerts. Plain data.

Every step is one row of HubSpot's action log (workflows contract §4.5: Object, Action,
Event, Time) plus the details hsrun adds (branch reasons, the run id of a custom code step,
the time a delay or retry resumes). An ``Enrollment`` round-trips through JSON, which is how
the journal keeps it and how ``--json`` prints it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Enrollment states.
ACTIVE = "ACTIVE"  # has work due now
WAITING = "WAITING"  # in a delay or a retry when the clock stopped (--until)
COMPLETED = "COMPLETED"
STOPPED = "STOPPED"  # a failure with on_failure="stop"
#: Ctrl-C stopped the run first: ``current`` is the action it was on or would have run
#: next (an empty ``path``: it never started).
INTERRUPTED = "INTERRUPTED"

# Step events (the Event column).
ENROLLED = "ENROLLED"
STARTED = "STARTED"
SUCCEEDED = "SUCCEEDED"
FAILED = "FAILED"
RETRY_SCHEDULED = "RETRY_SCHEDULED"
DELAYED = "DELAYED"
RESCHEDULED = "RESCHEDULED"  # outside the time window / on a pause date
BRANCH_TAKEN = "BRANCH_TAKEN"
SKIPPED = "SKIPPED"
NOT_EMULATED = "NOT_EMULATED"
ALERT = "ALERT"
COMPLETED_EVENT = "COMPLETED"
INTERRUPTED_EVENT = "INTERRUPTED"


@dataclass
class Step:
    """One action-log row.

    Attributes:
        at: virtual time, epoch seconds.
        action_id: the action (``None`` for enrolled/completed).
        event: one of the step events above.
        message: what happened, in words.
        details: the rest (``runId``, ``outputs``, ``resumeAt``, ``branch``, ``checks``...).
    """

    at: float
    action_id: str | None
    event: str
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class Enrollment:
    """A record enrolled in a flow, and everything that happened to it."""

    id: str
    flow: str
    flow_name: str
    object_type_id: str
    object_id: str
    status: str = ACTIVE
    enrolled_at: float = 0.0
    finished_at: float | None = None
    resume_at: float | None = None
    #: The action it is on (or resumes at) while not finished.
    current: str | None = None
    #: Action ids in the order they ran (each once per visit; retries do not repeat it).
    path: list[str] = field(default_factory=list)
    #: ``{actionId: {dataKey: value}}`` with their declared types in ``output_types``.
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    output_types: dict[str, dict[str, str | None]] = field(default_factory=dict)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    #: While ``WAITING``: what ``hsrun workflow resume`` needs to go on exactly where the run
    #: stopped (``clock``: the virtual time it stopped at; ``state``: the retry state of the
    #: action it resumes at, the event of a retried custom code step included; ``options``:
    #: the run's engine switches). ``None`` otherwise. JSON-ready.
    pending: dict[str, Any] | None = None
    #: Set by the pytest ``run_workflow`` fixture: what :meth:`resume` calls. Not recorded.
    resumer: Callable[[Enrollment, str | None], Enrollment] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    @property
    def finished(self) -> bool:
        return self.status in (COMPLETED, STOPPED, INTERRUPTED)

    @property
    def resumable(self) -> bool:
        """Whether ``hsrun workflow resume`` can continue it: waiting, with its state kept."""
        return self.status == WAITING and self.pending is not None

    def resume(self, *, until: str | None = None) -> Enrollment:
        """Continue this ``WAITING`` enrollment on the same virtual clock, to the end or for
        ``until`` (``"2d"``) more; updated in place and returned. Enrollments from the pytest
        ``run_workflow`` fixture can; elsewhere use :func:`runtime.workflow.resume_workflow`
        or ``hsrun workflow resume``.

        Raises:
            WorkflowError: it is not waiting, or it did not come from the fixture.
        """
        if self.resumer is None:
            from runtime.errors import WorkflowError

            raise WorkflowError(
                f"enrollment {self.id} was not run by the run_workflow fixture: resume it "
                "with runtime.workflow.resume_workflow or hsrun workflow resume"
            )
        return self.resumer(self, until)

    def log(
        self, at: float, action_id: str | None, event: str, message: str = "", **details: Any
    ) -> Step:
        step = Step(at, action_id, event, message, details)
        self.steps.append(step)
        return step

    def events(self, action_id: str | None = None) -> list[str]:
        """The events of one action (or all), in order: handy in tests."""
        return [s.event for s in self.steps if action_id is None or s.action_id == action_id]

    def to_dict(self) -> dict[str, Any]:
        # By hand, not dataclasses.asdict: its deep copy costs milliseconds per enrollment,
        # and a batch of thousands is journalled at once. Values are JSON-ready already.
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data.pop("resumer")
        data["path"] = list(self.path)
        data["steps"] = [
            {"at": s.at, "action_id": s.action_id, "event": s.event, "message": s.message,
             "details": s.details}
            for s in self.steps
        ]  # fmt: skip
        data["version"] = 1
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Enrollment:
        data = dict(data)
        data.pop("version", None)
        known = set(cls.__dataclass_fields__) - {"resumer"}
        for key in [k for k in data if k not in known]:
            data.pop(key)
        data["steps"] = [Step(**s) for s in data.get("steps", [])]
        return cls(**data)
