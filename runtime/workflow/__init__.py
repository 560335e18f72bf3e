"""Run a whole HubSpot workflow locally: enrollment, branches, delays, chained outputs,
retries, on a virtual clock against the fake portal.

    from runtime.workflow import open_flow, run_workflow

    flow = open_flow("flows/lead_routing.json")
    with attach_memory(portal) as served, Runner() as runner:
        [enrollment] = run_workflow(flow, portal=served.portal, url=served.url, runner=runner,
                                    object_ids=[contact.id], code_cache=tmp)
    enrollment.path        # ["1", "2", "4", "6", "7", "8"]

Layers: :mod:`.model` (the flow as a graph) and :mod:`.check`, :mod:`.values`,
:mod:`.filters`, :mod:`.clock` are pure; :mod:`.engine` runs enrollments with
:mod:`.builtins`, :mod:`.code` (custom code through ``runtime.invoke``) and :mod:`.webhook`;
:mod:`.triggers` enrolls by ``LIST_BASED`` criteria; :mod:`.pull` brings flows into a project.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runtime.errors import WorkflowError
from runtime.workflow.code import NON_IDEMPOTENT_RETRY
from runtime.workflow.engine import Engine, EngineOptions
from runtime.workflow.enrollment import Enrollment, Step
from runtime.workflow.model import Flow, load_flow
from runtime.workflow.resume import options_of, refuse

if TYPE_CHECKING:
    from runtime.fake_hubspot.portal import FakePortal
    from runtime.invoke import Runner
    from runtime.workflow.clock import VirtualClock
    from runtime.workflow.records import Records

__all__ = [
    "NON_IDEMPOTENT_RETRY",
    "Engine",
    "EngineOptions",
    "Enrollment",
    "Flow",
    "Step",
    "flow_key_of",
    "load_flow",
    "open_flow",
    "resume_workflow",
    "run_workflow",
]


def open_flow(spec: str | Path, *, portal: FakePortal | None = None) -> Flow:
    """A flow from a JSON file, or (a number that is not a file) from the portal's
    automation API by its v4 id.

    Raises:
        WorkflowError: no such file or flow, not JSON, not a valid flow.
    """
    from runtime.config import find_project_root

    path = Path(spec)
    if path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise WorkflowError(f"{path}: not a JSON flow ({exc})") from exc
        root = find_project_root(path.parent)
        return load_flow(data, source=flow_key_of(path, root), base_dir=root)
    text = str(spec).strip()
    if text.isdigit() and portal is not None:
        from runtime.fake_hubspot.automation.models import flows_of

        found = flows_of(portal).find(text)
        if found is None:
            raise WorkflowError(f"the local portal has no flow {text} (hsrun portal flows list)")
        return load_flow(
            found.to_api(), source=f"flow {text}", base_dir=find_project_root(), flow_id=text
        )
    raise WorkflowError(f"no flow file {spec} (give a .json file or a flow id of the portal)")


def flow_key_of(path: Path, root: Path) -> str:
    """How enrollments name a flow file: relative to its project, so ``./flows/x.json`` and
    ``flows/x.json`` are one flow (enroll-matching's "enrolled before" relies on it)."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(resolved)


def run_workflow(
    flow: Flow,
    *,
    portal: FakePortal,
    url: str,
    runner: Runner,
    object_ids: Iterable[str | int] = (),
    code_cache: Path,
    options: EngineOptions | None = None,
    secrets: Any = None,
    until_s: float | None = None,
    journal: Any = None,
    matching: bool = False,
    clock: VirtualClock | None = None,
    progress: Callable[[Enrollment], None] | None = None,
    skipped: Callable[[str, str], None] | None = None,
    records: Records | None = None,
) -> list[Enrollment]:
    """Enroll records (by id, and with ``matching`` every record meeting the triggers) and run
    until every enrollment finished or the clock reached ``until_s`` seconds.

    ``records`` is where records are read and written (default: ``portal`` itself;
    :class:`runtime.workflow.live.LiveRecords` for HubSpot).

    ``skipped(object_id, why)`` hears of each record that met the triggers but was not
    enrolled (still enrolled; enrolled before in a flow that does not re-enroll).

    Returns:
        The enrollments, in the order they enrolled.
    """
    engine = Engine(
        flow,
        portal=portal,
        url=url,
        runner=runner,
        options=options,
        secrets=secrets,
        code_cache=code_cache,
        journal=journal,
        clock=clock,
        records=records,
    )
    for object_id in object_ids:
        engine.enroll(object_id)
    if matching:
        from runtime.workflow.triggers import enroll_matching

        earlier = None
        if journal is not None:
            from runtime.journal.enrollments import list_enrollments

            earlier = list_enrollments(journal, flow=engine.flow_key, limit=100_000)
        report = enroll_matching(engine, earlier=earlier)
        for object_id, why in report.skipped:
            if skipped is not None:
                skipped(object_id, why)
    return engine.run(until=until_s, progress=progress)


def resume_workflow(
    flow: Flow,
    enrollments: Iterable[Enrollment],
    *,
    portal: FakePortal,
    url: str,
    runner: Runner,
    code_cache: Path,
    options: EngineOptions | None = None,
    secrets: Any = None,
    until_s: float | None = None,
    journal: Any = None,
    progress: Callable[[Enrollment], None] | None = None,
    records: Records | None = None,
) -> list[Enrollment]:
    """Continue ``WAITING`` enrollments of ``flow`` (left by ``until_s``, read back from the
    journal) on the same virtual clock: it starts where their run stopped (the latest, when
    they stopped at different times), and runs until every one finished or the clock moved
    ``until_s`` seconds further. Outputs, path, retry state and attempt counts carry on.
    The enrollments are updated in place.

    ``options`` default to the switches the enrollments' run had (``on_failure``,
    ``timezone``, ``seed``...), taken from the first one.

    Raises:
        WorkflowError: one of them is not waiting (finished, interrupted), belongs to another
            flow or resumes at an action the flow no longer has.
    """
    from runtime.workflow.clock import VirtualClock

    chosen = list(enrollments)
    if not chosen:
        return []
    for enrollment in chosen:
        if not enrollment.resumable:
            refuse(enrollment)
    stopped = max(float((e.pending or {}).get("clock") or 0.0) for e in chosen)
    live = records is not None and records.live
    engine = Engine(
        flow,
        portal=portal,
        url=url,
        runner=runner,
        options=options if options is not None else options_of(chosen[0]),
        secrets=secrets,
        code_cache=code_cache,
        journal=journal,
        # HubSpot's time is the real one: a live enrollment resumes now, not where it stopped.
        clock=VirtualClock(real_time=True) if live else VirtualClock(stopped or None),
        records=records,
    )
    for enrollment in chosen:
        engine.resume(enrollment)
    return engine.run(until=until_s, progress=progress)
