"""The workflow engine: enrollments walking a flow on a virtual clock, against the fake portal.

One enrollment is one token walking the graph (workflows contract §4.2): an action starts
only after the previous one finished, retries included; a branch sends it down exactly one
arm. Work is kept in a queue ordered by virtual time. Delays, retries and time windows put an
enrollment back in the queue for later; the clock jumps straight to the next due item, so a
three-day retry story takes as long as its actions do. While the engine runs, the portal's
clock is the virtual clock, so records' timestamps follow it.

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

from runtime.contract import build_event
from runtime.contract.object_types import find as find_object_type
from runtime.contract.retry import retry_schedule
from runtime.errors import HsrunError, PortalError, WorkflowError
from runtime.workflow import enrollment as ev
from runtime.workflow.branches import ab_branch, list_branch, static_branch
from runtime.workflow.builtins import DELAY, DELAY_UNTIL, Builtins, Outcome
from runtime.workflow.clock import Calendar, VirtualClock
from runtime.workflow.code import action_file, declared_outputs
from runtime.workflow.enrollment import Enrollment
from runtime.workflow.model import Flow, target_of
from runtime.workflow.values import ValueContext, as_text, resolve
from runtime.workflow.webhook import webhook_step

if TYPE_CHECKING:
    from runtime.contract import ActionManifest
    from runtime.contract.record import RunResult
    from runtime.fake_hubspot.portal import FakePortal
    from runtime.invoke import Runner, RunOptions
    from runtime.secrets import SecretSource

NON_IDEMPOTENT_RETRY = "NON_IDEMPOTENT_RETRY"
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


class _StepLink:
    """The portal as the runner sees it for one step: its calls are those logged since the
    step began (the virtual clock stands still during a step, so times cannot tell them)."""

    def __init__(self, portal: FakePortal, url: str) -> None:
        self.portal = portal
        self._url = url
        self.mark = portal.call_log.total

    @property
    def url(self) -> str:
        return self._url

    def record_properties(
        self, object_type: str, object_id: int, names: list[str]
    ) -> Mapping[str, str | None]:
        return self.portal.record_properties(object_type, object_id, names)

    def calls_between(self, start: float, end: float) -> list[dict[str, Any]]:
        with self.portal.lock:
            return self.portal.call_log.since(self.mark)


class _MarkedJournal:
    """Records a custom code step's run with the enrollment it belongs to."""

    def __init__(self, journal: Any, marker: dict[str, str]) -> None:
        self.journal = journal
        self.marker = marker

    def start(self, result: RunResult) -> None:
        result.workflow = dict(self.marker)
        self.journal.start(result)

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
    ) -> None:
        self.flow = flow
        self.portal = portal
        self.url = url
        self.runner = runner
        self.options = options or EngineOptions()
        self.secrets: Mapping[str, str] | SecretSource = secrets if secrets is not None else {}
        self.code_cache = code_cache
        self.journal = journal
        self.clock = clock or VirtualClock(real_time=self.options.real_time)
        self.calendar = Calendar(flow.data, timezone=self.options.timezone)
        self.enrollments: dict[str, Enrollment] = {}
        self.builtins = Builtins(portal, timezone=self.options.timezone, created=set())
        self._queue: list[tuple[float, int, str, str | None, dict[str, Any]]] = []
        self._seq = itertools.count()
        self._lock = threading.Lock()
        self._code: dict[str, ActionManifest] = {}
        kind = find_object_type(flow.object_type_id)
        self.object_type = kind.name if kind else flow.object_type_id
        self.event_type = kind.singular.upper() if kind else flow.object_type_id

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
            self.portal.get(self.object_type, oid)
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
        enrollment.log(now, None, ev.ENROLLED, f"enrolled {self.object_type} {oid}")
        self.enrollments[enrollment.id] = enrollment
        self._push(now, enrollment.id, self.flow.start, {})
        return enrollment

    # -- the loop ----------------------------------------------------------------------

    def run(
        self, *, until: float | None = None, progress: Callable[[Enrollment], None] | None = None
    ) -> list[Enrollment]:
        """Process the queue until it is empty or the clock reaches ``until`` (seconds after
        the clock's start). Enrollments left mid-flow are ``WAITING`` with ``resume_at``."""
        stop = None if until is None else self.clock.started + until
        previous = self.portal.clock
        self.portal.clock = self.clock
        pool = (
            ThreadPoolExecutor(self.options.concurrency) if self.options.concurrency > 1 else None
        )
        try:
            while self._queue:
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
            if stop is not None:
                self.clock.advance_to(max(stop, self.clock.now()))
        finally:
            self.portal.clock = previous
            if pool is not None:
                pool.shutdown()
        waiting = {eid: (when, aid) for when, _, eid, aid, _ in self._queue}
        for enrollment in self.enrollments.values():
            if enrollment.id in waiting and not enrollment.finished:
                enrollment.status = ev.WAITING
                enrollment.resume_at, enrollment.current = waiting[enrollment.id]
        if self.journal is not None:
            from runtime.journal.enrollments import save_enrollments

            save_enrollments(self.journal, list(self.enrollments.values()))
        return list(self.enrollments.values())

    def _push(self, when: float, eid: str, action_id: str | None, state: dict[str, Any]) -> None:
        with self._lock:
            heapq.heappush(self._queue, (when, next(self._seq), eid, action_id, state))

    def _walk(self, eid: str, action_id: str | None, state: dict[str, Any]) -> Enrollment:
        """Move one enrollment on until it waits (delay, retry, window) or ends."""
        enrollment = self.enrollments[eid]
        enrollment.status = ev.ACTIVE
        enrollment.resume_at = None
        while action_id is not _END:
            action = self.flow.action(action_id)
            now = self.clock.now()
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
            enrollment.log(now, action_id, outcome.event, outcome.message, **outcome.details)
            if outcome.event == ev.RETRY_SCHEDULED:
                assert outcome.resume_at is not None
                self._push(outcome.resume_at, eid, action_id, outcome.details.pop("state"))
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

    def _finish(self, enrollment: Enrollment, status: str, message: str) -> Enrollment:
        now = self.clock.now()
        enrollment.status = status
        enrollment.finished_at = now
        enrollment.current = None
        enrollment.log(now, None, ev.COMPLETED_EVENT if status == ev.COMPLETED else ev.FAILED,
                       message)  # fmt: skip
        return enrollment

    def _windowed(self, action: dict[str, Any]) -> bool:
        # Time windows reschedule actions, never delays or branches ([KB-SETTINGS]).
        if not self.options.time_windows or self.calendar.unrestricted:
            return False
        if action.get("type") in ("STATIC_BRANCH", "LIST_BRANCH", "AB_TEST_BRANCH"):
            return False
        return str(action.get("actionTypeId")) not in (DELAY, DELAY_UNTIL)

    # -- one action ----------------------------------------------------------------------

    def values(self, enrollment: Enrollment) -> ValueContext:
        cache: dict[str, str | None] = {}

        def prop(name: str) -> str | None:
            if name not in cache:
                try:
                    found = self.portal.record_properties(
                        self.object_type, int(enrollment.object_id), [name]
                    )
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
            outcome = self._custom_code(enrollment, action, state, values)
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

    def _code_for(self, action: dict[str, Any]) -> ActionManifest:
        key = str(action["actionId"])
        with self._lock:
            found = self._code.get(key)
        if found is None:
            found = action_file(self.flow, action, self.code_cache)
            with self._lock:
                self._code[key] = found
        return found

    def _custom_code(
        self,
        enrollment: Enrollment,
        action: dict[str, Any],
        state: dict[str, Any],
        values: ValueContext,
    ) -> Outcome:
        action_id = str(action["actionId"])
        attempt = int(state.get("attempt") or 1)
        event = state.get("event")
        if event is None:
            inputs = {
                str(item["name"]): as_text(resolve(item.get("value"), values))
                for item in action.get("inputFields") or []
            }
            portal_id = self.portal.portal_id
            callback = f"ap-{portal_id}-{int(enrollment.id, 16) % 10**10}-{action_id}-0"
            event = build_event(
                portal_id=portal_id,
                object_type=self.event_type,
                object_id=int(enrollment.object_id),
                inputs=inputs,
                callback_id=callback,
            ).to_payload()
        try:
            spec = self._code_for(action)
            link = _StepLink(self.portal, self.url)
            marker = {"enrollment": enrollment.id, "flow": self.flow_key, "actionId": action_id}
            journal = _MarkedJournal(self.journal, marker) if self.journal is not None else None
            result = self.runner.run(
                spec,
                event,
                secrets=self.secrets,
                portal=link,
                options=self.options.run_options,
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
            enrollment.log(
                self.clock.now(), action_id, ev.ALERT, message, code=NON_IDEMPOTENT_RETRY
            )
        for found in result.alerts:
            enrollment.alerts.append({**found.to_dict(), "actionId": action_id})
        if result.status == "RETRY_SCHEDULED":
            return self._retry(action_id, attempt, state, event, earlier + writes, details, result)
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
        self,
        action_id: str,
        attempt: int,
        state: dict[str, Any],
        event: dict[str, Any],
        writes: list[str],
        details: dict[str, Any],
        result: RunResult,
    ) -> Outcome:
        # HubSpot: retried for up to three days, 1 min after the failure, then growing gaps
        # up to 8 h (contract/retry.py).
        first = float(state.get("first_failure") or self.clock.now())
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
