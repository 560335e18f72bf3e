"""What a ``WAITING`` enrollment keeps so that a later command can go on with it.

``--until`` stops the virtual clock with enrollments mid-flow. Each keeps, in its ``pending``
record (journalled with it, JSON), the virtual time the clock stopped at, the retry state of
the action it waits on (attempt count, first failure, the very event a retried custom code
step is sent again, earlier attempts' writes) and the run's switches. ``hsrun workflow
resume`` (:func:`runtime.workflow.resume_workflow`, :meth:`Engine.resume
<runtime.workflow.engine.Engine.resume>`) reads them back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

from runtime.errors import WorkflowError
from runtime.workflow import enrollment as ev

if TYPE_CHECKING:
    from runtime.workflow.engine import EngineOptions
    from runtime.workflow.enrollment import Enrollment


#: The switches a WAITING enrollment keeps for its resume (the rest are the command's).
_SAVED = ("on_failure", "branch_match", "seed", "timezone", "time_windows", "allow_hosts",
          "allow_net")  # fmt: skip


def saved_options(options: EngineOptions) -> dict[str, Any]:
    """The switches of a run that its waiting enrollments keep, JSON-ready."""
    out = {name: getattr(options, name) for name in _SAVED}
    out["allow_hosts"] = list(options.allow_hosts)
    return out


def options_of(enrollment: Enrollment, **overrides: Any) -> EngineOptions:
    """The switches ``enrollment``'s run had (``overrides`` win: concurrency, run options)."""
    from runtime.workflow.engine import EngineOptions

    saved = dict(((enrollment.pending or {}).get("options")) or {})
    known = {k: v for k, v in saved.items() if k in _SAVED}
    if "allow_hosts" in known:
        known["allow_hosts"] = tuple(known["allow_hosts"])
    return EngineOptions(**{**known, **overrides})


def freeze_state(state: dict[str, Any]) -> dict[str, Any]:
    """An action's retry state as JSON (the retried custom code event as its payload)."""
    out = dict(state)
    event = out.get("event")
    if event is not None and hasattr(event, "to_payload"):
        out["event"] = event.to_payload()
    return out


def thaw_state(state: dict[str, Any]) -> dict[str, Any]:
    """The inverse of :func:`freeze_state`: a retry sends the very same event again."""
    out = dict(state)
    if isinstance(out.get("event"), dict):
        from runtime.contract import Event

        out["event"] = Event.model_validate(out["event"])
    return out


def refuse(enrollment: Enrollment) -> NoReturn:
    """Raise the error that says why ``enrollment`` cannot be resumed.

    Raises:
        WorkflowError: always.
    """
    why = (
        "it has finished"
        if enrollment.status in (ev.COMPLETED, ev.STOPPED)
        else "Ctrl-C interrupted it"
        if enrollment.status == ev.INTERRUPTED
        else "its record holds no resume state (recorded by an older hsrun)"
        if enrollment.status == ev.WAITING
        else "it is running"
    )
    raise WorkflowError(
        f"enrollment {enrollment.id} is {enrollment.status}: {why}; only an enrollment "
        "left WAITING by --until can be resumed"
    )
