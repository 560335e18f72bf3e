"""The workflow engine: enrollments walking a flow on a virtual clock, against the fake portal.

One enrollment is one token walking the graph (workflows contract §4.2): an action starts
only after the previous one finished, retries included; a branch sends it down exactly one
arm. Work is kept in a queue ordered by virtual time. Delays, retries and time windows put an
enrollment back in the queue for later; the clock jumps straight to the next due item, so a
three-day retry story takes as long as its actions do. While the engine runs, the portal's
clock is the virtual clock, so records' timestamps follow it.

Records are read and written through :mod:`.records` (the fake portal in-process, or HubSpot's
API with ``--live``, on real time). An enrollment the clock stopped (``until``) is
``WAITING`` and keeps in ``pending`` what :meth:`Engine.resume` needs to go on later, from the
journal, on the same virtual clock.

Choices where HubSpot is silent (each a documented switch of :class:`EngineOptions`):

- after a custom code action finally fails, the enrollment continues (``on_failure``, §0.8);
- ``STATIC_BRANCH`` compares exactly, case included (``branch_match``, §2.3);
- ``LIST_BRANCH`` takes the first matching arm in array order (§2.4);
- retries: 1 min after the failure, the gap doubling to 8 h, giving up after 72 h (§4.4).

**Idempotency.** A custom code action that failed with a 429/5xx is run again, on the clock,
with the same event (same ``callbackId``). The portal's call log of each attempt is kept; when
a later attempt repeats a create or association write (same method and path, answered 2xx)
that an earlier, failed attempt had already made, the engine raises ``NON_IDEMPOTENT_RETRY``:
in HubSpot that retry creates a second task, a second deal, a second association.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runtime.contract.object_types import find as find_object_type
from runtime.errors import PortalError, WorkflowError
from runtime.workflow import enrollment as ev
from runtime.workflow.branches import ab_branch, list_branch, static_branch
from runtime.workflow.builtins import DELAY, DELAY_UNTIL, DELAY_UNTIL_EVENT, Builtins, Outcome
from runtime.workflow.clock import Calendar, VirtualClock
from runtime.workflow.code import action_file, custom_code_step
from runtime.workflow.enrollment import Enrollment
from runtime.workflow.model import Flow, target_of
from runtime.workflow.records import FakeRecords, Records
from runtime.workflow.resume import freeze_state, refuse, saved_options, thaw_state
from runtime.workflow.values import ValueContext
from runtime.workflow.webhook import webhook_step

if TYPE_CHECKING:
    from runtime.contract import ActionManifest
    from runtime.fake_hubspot.portal import FakePortal
    from runtime.invoke import Runner, RunOptions
    from runtime.secrets import SecretSource

#: Actions one enrollment may run before the engine calls it a loop (a GOTO back to an
#: earlier action with nothing that ends it). HubSpot's own limit is UNCONFIRMED.
MAX_ACTIONS = 1000
_END = None


@dataclass(frozen=True)
class EngineOptions:
    """How the engine runs a flow.

    Attributes:
        on_failure: ``"continue"`` (default) or ``"stop"`` after an action finally fails.
        branch_match: ``"exact"`` (default) or ``"ignore-case"`` for value-equals branches.
        seed: seeds the A/B branch draw (the same seed, the same arms).
        timezone: the account's time zone (time windows, times of day).
        concurrency: enrollments whose steps run at once (one at a time by default).
        run_options: limits and network for custom code (``RunOptions``).
        allow_hosts: hosts webhooks may reach besides loopback.
        allow_net: webhooks may reach any host.
        real_time: wait for delays and retries for real.
        time_windows: honour the flow's time windows and pause dates.
    """

    on_failure: str = "continue"
    branch_match: str = "exact"
    seed: int = 0
    timezone: str = "UTC"
    concurrency: int = 1
    run_options: RunOptions | None = None
    allow_hosts: tuple[str, ...] = ()
    allow_net: bool = False
    real_time: bool = False
    time_windows: bool = True

    def __post_init__(self) -> None:
        if self.on_failure not in ("continue", "stop"):
            raise WorkflowError(f"on_failure is 'continue' or 'stop', got {self.on_failure!r}")
        if self.branch_match not in ("exact", "ignore-case"):
            raise WorkflowError(
                f"branch_match is 'exact' or 'ignore-case', got {self.branch_match!r}"
            )
        if self.concurrency < 1:
            raise WorkflowError("concurrency must be at least 1")


class Engine:
    """Runs enrollments of one flow. Not reusable across portals; cheap to make.

    Args:
        flow: the validated flow.
        portal: the fake portal records are read from and written to.
        url: where the portal is served (custom code's HubSpot calls go there).
        runner: runs custom code (``runtime.invoke.Runner``).
        options: switches and limits.
        secrets: secret values custom code may select.
        code_cache: where inline ``sourceCode`` is written to run.
        journal: where enrollments and custom code runs are recorded (``None``: nowhere).
        clock: the virtual clock (a new one starting now by default).
    """

    def __init__(
        self,
        flow: Flow,
        *,
        portal: FakePortal,
        url: str,
        runner: Runner,
        options: EngineOptions | None = None,
        secrets: Mapping[str, str] | SecretSource | None = None,
        code_cache: Path,
        journal: Any = None,
        clock: VirtualClock | None = None,
        records: Records | None = None,
    ) -> None:
        self.flow = flow
        self.portal = portal
        #: Where records are read and written: the fake portal, or HubSpot (``--live``).
        self.records: Records = records if records is not None else FakeRecords(portal)
        self.url = url
        self.runner = runner
        self.options = options or EngineOptions()
        self.secrets: Mapping[str, str] | SecretSource = secrets if secrets is not None else {}
        self.code_cache = code_cache
        self.journal = journal
        self.clock = clock or VirtualClock(real_time=self.options.real_time)
        self.calendar = Calendar(flow.data, timezone=self.options.timezone)
        self.enrollments: dict[str, Enrollment] = {}
        self.builtins = Builtins(self.records, timezone=self.options.timezone, created=set())
        self._queue: list[tuple[float, int, str, str | None, dict[str, Any]]] = []
        self._seq = itertools.count()
        self._lock = threading.Lock()
        self._code: dict[str, ActionManifest] = {}
        kind = find_object_type(flow.object_type_id)
        self.object_type = kind.name if kind else flow.object_type_id
        self.event_type = kind.singular.upper() if kind else flow.object_type_id

    @property
    def interrupted(self) -> bool:
        """Whether Ctrl-C stopped the run (``Runner.interrupt``): no new step starts."""
        # Tests of flows without custom code pass no runner.
        return self.runner is not None and self.runner.interrupted

    @property
    def flow_key(self) -> str:
        return self.flow.flow_id or self.flow.source

    # -- enrolling ---------------------------------------------------------------------

    def enroll(self, object_id: str | int) -> Enrollment:
        """Enroll a record now (it must exist; never while it is still enrolled).

        Raises:
            WorkflowError: no such record, or it is still enrolled in this run.
        """
        oid = str(object_id).strip()
        try:
            self.records.check(self.object_type, oid)
        except PortalError as exc:
            raise WorkflowError(f"cannot enroll {self.object_type} {oid}: {exc.message}") from exc
        if any(e.object_id == oid and not e.finished for e in self.enrollments.values()):
            raise WorkflowError(f"{self.object_type} {oid} is still enrolled in {self.flow.name}")
        now = self.clock.now()
        enrollment = Enrollment(
            id=uuid.uuid4().hex[:12],
            flow=self.flow_key,
            flow_name=self.flow.name,
            object_type_id=self.flow.object_type_id,
            object_id=oid,
            enrolled_at=now,
            current=self.flow.start,
        )
        if self.records.live:
            # Marked: what a live run wrote is in HubSpot, and only --live may resume it.
            enrollment.log(
                now, None, ev.ENROLLED,
                f"enrolled {self.object_type} {oid} of HubSpot portal {self.records.portal_id}",
                live=True, portalId=self.records.portal_id,
            )  # fmt: skip
        else:
            enrollment.log(now, None, ev.ENROLLED, f"enrolled {self.object_type} {oid}")
        self.enrollments[enrollment.id] = enrollment
        self._push(now, enrollment.id, self.flow.start, {})
        return enrollment

    def resume(self, enrollment: Enrollment) -> Enrollment:
        """Take back a ``WAITING`` enrollment (from the journal) where its run stopped: the
        action and time it resumes at, its outputs, path and steps, and the retry state of
        that action (attempt count, first failure, the very event, earlier writes). It moves
        on when :meth:`run` reaches its time. The engine's clock should start where the
        enrollment's run stopped (``enrollment.pending["clock"]``): :func:`resume_workflow`
        does that.

        Raises:
            WorkflowError: it is not waiting (finished, interrupted, or saved before hsrun
                kept what resuming needs), belongs to another flow, resumes at an action
                the flow no longer has, or its record is still enrolled in this run.
        """
        if not enrollment.resumable:
            refuse(enrollment)
        if enrollment.flow != self.flow_key:
            raise WorkflowError(
                f"enrollment {enrollment.id} belongs to {enrollment.flow}, not {self.flow_key}"
            )
        action_id = enrollment.current
        if action_id is not None and action_id not in self.flow.actions:
            raise WorkflowError(
                f"enrollment {enrollment.id} resumes at action {action_id}, which "
                f"{self.flow.source} no longer has"
            )
        if any(
            e.object_id == enrollment.object_id and not e.finished and e.id != enrollment.id
            for e in self.enrollments.values()
        ):
            raise WorkflowError(
                f"{self.object_type} {enrollment.object_id} is still enrolled in {self.flow.name}"
            )
        pending = enrollment.pending or {}
        if bool(pending.get("live")) != self.records.live:
            where = "HubSpot (--live)" if pending.get("live") else "the local fake portal"
            raise WorkflowError(
                f"enrollment {enrollment.id} ran against {where}: resume it there"
                + (" with hsrun workflow resume --live" if pending.get("live") else "")
            )
        state = thaw_state(pending.get("state") or {})
        self.enrollments[enrollment.id] = enrollment
        # HubSpot's create-record loop guard: the records this enrollment made earlier.
        for step in enrollment.steps:
            if step.event == ev.SUCCEEDED and step.details.get("objectTypeId"):
                self.builtins.created.add(
                    (str(step.details["objectTypeId"]), str(step.details.get("id")))
                )
        when = enrollment.resume_at if enrollment.resume_at is not None else self.clock.now()
        self._push(when, enrollment.id, action_id, state)
        return enrollment

    # -- the loop ----------------------------------------------------------------------

    def run(
        self, *, until: float | None = None, progress: Callable[[Enrollment], None] | None = None
    ) -> list[Enrollment]:
        """Process the queue until it is empty or the clock reaches ``until`` (seconds after
        the clock's start). Enrollments left mid-flow are ``WAITING`` with ``resume_at``."""
        # Virtual time counts from the clock's start; real time (--real-time, --live) from now.
        base = self.clock.now() if self.clock.real_time else self.clock.started
        stop = None if until is None else base + until
        previous = self.portal.clock
        self.portal.clock = self.clock
        pool = (
            ThreadPoolExecutor(self.options.concurrency) if self.options.concurrency > 1 else None
        )
        try:
            # Ctrl-C (``Runner.interrupt``) stops the loop: no new step starts.
            while self._queue and not self.interrupted:
                when = self._queue[0][0]
                if stop is not None and when > stop:
                    break
                self.clock.advance_to(when)
                batch = []
                with self._lock:
                    while self._queue and self._queue[0][0] <= when:
                        batch.append(heapq.heappop(self._queue))
                items = [(eid, aid, state) for _, _, eid, aid, state in batch]
                if pool is not None and len(items) > 1:
                    done = list(pool.map(lambda item: self._walk(*item), items))
                else:
                    done = [self._walk(*item) for item in items]
                if progress is not None:
                    for enrollment in done:
                        if enrollment.finished:
                            progress(enrollment)
            if stop is not None and not self.interrupted and not self.clock.real_time:
                self.clock.advance_to(max(stop, self.clock.now()))
        finally:
            # Also on Ctrl-C or an error: what happened so far is recorded.
            self.portal.clock = previous
            if pool is not None:
                pool.shutdown(cancel_futures=True)
            waiting = {eid: (when, aid, state) for when, _, eid, aid, state in self._queue}
            interrupted = self.interrupted
            stopped_at = self.clock.now()
            for enrollment in self.enrollments.values():
                if enrollment.id in waiting and not enrollment.finished:
                    when, aid, state = waiting[enrollment.id]
                    if interrupted and enrollment.resumable:
                        pass  # resumed, but Ctrl-C came first: it waits on, as it was
                    elif interrupted:
                        self._interrupt(enrollment, aid, running=False)
                    else:
                        enrollment.status = ev.WAITING
                        enrollment.resume_at, enrollment.current = when, aid
                        enrollment.pending = {
                            "clock": stopped_at,
                            "state": freeze_state(state),
                            "options": saved_options(self.options),
                            "live": self.records.live,
                            "flowFile": self._flow_file(),
                        }
            if self.journal is not None:
                from runtime.journal.enrollments import save_enrollments

                save_enrollments(self.journal, list(self.enrollments.values()))
        return list(self.enrollments.values())

    def _flow_file(self) -> str | None:
        """The flow's file, absolute (``None`` for a portal's flow): where a resume finds it."""
        if self.flow.flow_id is not None or self.flow.base_dir is None:
            return None
        path = Path(self.flow.source)
        return str(path if path.is_absolute() else (self.flow.base_dir / path).resolve())

    def _push(self, when: float, eid: str, action_id: str | None, state: dict[str, Any]) -> None:
        with self._lock:
            heapq.heappush(self._queue, (when, next(self._seq), eid, action_id, state))

    def _walk(self, eid: str, action_id: str | None, state: dict[str, Any]) -> Enrollment:
        """Move one enrollment on until it waits (delay, retry, window) or ends."""
        enrollment = self.enrollments[eid]
        enrollment.status = ev.ACTIVE
        enrollment.resume_at = None
        enrollment.pending = None
        while action_id is not _END:
            if self.interrupted:
                return self._interrupt(enrollment, action_id, running=False)
            action = self.flow.action(action_id)
            now = self.clock.now()
            if not self._record_exists(enrollment):
                # HubSpot: a deleted record leaves the workflow (and does not resume if
                # restored) ([KB-FAQ]).
                return self._finish(enrollment, ev.STOPPED, "unenrolled: the record was deleted")
            if self._windowed(action) and not state.get("windowed"):
                allowed = self.calendar.next_allowed(now)
                if allowed > now:
                    enrollment.log(
                        now, action_id, ev.RESCHEDULED,
                        "outside the workflow's execution times: runs later",
                        resumeAt=allowed,
                    )  # fmt: skip
                    self._push(allowed, eid, action_id, {**state, "windowed": True})
                    enrollment.current = action_id
                    return enrollment
            if not state.get("attempt"):
                if len(enrollment.path) >= MAX_ACTIONS:
                    return self._finish(
                        enrollment, ev.STOPPED, f"stopped after {MAX_ACTIONS} actions: a loop?"
                    )
                enrollment.path.append(action_id)
            enrollment.current = action_id
            outcome = self._execute(enrollment, action, state)
            retry_state = outcome.details.pop("state", None)  # the engine's, not the record's
            if outcome.event == ev.INTERRUPTED_EVENT:
                return self._interrupt(enrollment, action_id, running=True, **outcome.details)
            enrollment.log(now, action_id, outcome.event, outcome.message, **outcome.details)
            if outcome.event == ev.RETRY_SCHEDULED:
                assert outcome.resume_at is not None and retry_state is not None
                self._push(outcome.resume_at, eid, action_id, retry_state)
                return enrollment
            if outcome.outputs is not None:
                enrollment.outputs[action_id] = outcome.outputs
                enrollment.output_types[action_id] = dict(outcome.output_types or {})
            if outcome.event == ev.FAILED and self.options.on_failure == "stop":
                return self._finish(enrollment, ev.STOPPED, "stopped after a failed action")
            following = (
                target_of(action.get("connection"))
                if outcome.next_id == "FOLLOW"
                else outcome.next_id
            )
            state = {}
            if outcome.resume_at is not None:
                self._push(outcome.resume_at, eid, following, {})
                enrollment.current = following
                return enrollment
            action_id = following
        return self._finish(enrollment, ev.COMPLETED, "reached the end of the workflow")

    def _record_exists(self, enrollment: Enrollment) -> bool:
        return self.records.exists(self.flow.object_type_id, enrollment.object_id)

    def _finish(self, enrollment: Enrollment, status: str, message: str) -> Enrollment:
        now = self.clock.now()
        enrollment.status = status
        enrollment.finished_at = now
        enrollment.current = None
        enrollment.log(now, None, ev.COMPLETED_EVENT if status == ev.COMPLETED else ev.FAILED,
                       message)  # fmt: skip
        return enrollment

    def _interrupt(
        self, enrollment: Enrollment, action_id: str | None, *, running: bool, **details: Any
    ) -> Enrollment:
        """Ctrl-C cut the enrollment short: it stays at ``action_id``, which was running
        (its custom code killed) or was the next to run."""
        now = self.clock.now()
        enrollment.status = ev.INTERRUPTED
        enrollment.finished_at = now
        enrollment.resume_at = None
        enrollment.current = action_id
        if running:
            message = "stopped (Ctrl-C) while this action ran"
        elif enrollment.path:
            message = "stopped (Ctrl-C) before this action ran"
        else:
            message = "stopped (Ctrl-C) before its first action ran"
        enrollment.log(now, action_id, ev.INTERRUPTED_EVENT, message, **details)
        return enrollment

    def _windowed(self, action: dict[str, Any]) -> bool:
        # Time windows reschedule actions, never delays or branches ([KB-SETTINGS]).
        if not self.options.time_windows or self.calendar.unrestricted:
            return False
        if action.get("type") in ("STATIC_BRANCH", "LIST_BRANCH", "AB_TEST_BRANCH"):
            return False
        return str(action.get("actionTypeId")) not in (DELAY, DELAY_UNTIL, DELAY_UNTIL_EVENT)

    # -- one action ----------------------------------------------------------------------

    def values(self, enrollment: Enrollment) -> ValueContext:
        cache: dict[str, str | None] = {}

        def prop(name: str) -> str | None:
            if name not in cache:
                try:
                    found = self.records.properties(self.object_type, enrollment.object_id, [name])
                except PortalError:
                    found = {}
                cache[name] = found.get(name)
            return cache[name]

        return ValueContext(
            object_id=int(enrollment.object_id),
            prop=prop,
            outputs=enrollment.outputs,
            now_ms=self.clock.now_ms(),
            timezone=self.options.timezone,
        )

    def _execute(
        self, enrollment: Enrollment, action: dict[str, Any], state: dict[str, Any]
    ) -> Outcome:
        kind = action.get("type")
        values = self.values(enrollment)
        if kind == "CUSTOM_CODE":
            outcome = custom_code_step(self, enrollment, action, state, values)
        elif kind == "STATIC_BRANCH":
            outcome = static_branch(self, action, values)
        elif kind == "LIST_BRANCH":
            outcome = list_branch(self, enrollment, action)
        elif kind == "AB_TEST_BRANCH":
            outcome = ab_branch(self, enrollment, action)
        elif kind == "WEBHOOK":
            outcome = webhook_step(self, enrollment, action, state, values)
        else:
            outcome = self.builtins.run(enrollment, action, values)
        if values.notes:
            outcome.details.setdefault("notes", []).extend(values.notes)
        return outcome

    def code_for(self, action: dict[str, Any]) -> ActionManifest:
        """The action file that runs a custom code action (made once per action)."""
        key = str(action["actionId"])
        with self._lock:
            found = self._code.get(key)
        if found is None:
            found = action_file(self.flow, action, self.code_cache)
            with self._lock:
                self._code[key] = found
        return found
