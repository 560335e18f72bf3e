"""Ctrl-C during `hsrun workflow run`: a real SIGINT to a real process running a flow.

The first Ctrl-C starts no new step, kills the custom code in flight (its run recorded as
INTERRUPTED, not FAILED), records the enrollments it cut short as INTERRUPTED at the action
they were on, prints what ran and exits 130.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from helpers import ctrl_c_when, gone, hsrun, wait_until
from wf_support import code, flow, set_prop, static

from runtime.config import get_settings
from runtime.fake_hubspot import PortalFile
from runtime.journal import Journal
from runtime.journal.enrollments import list_enrollments

CONCURRENCY = 2

SLOW_CODE = """\
import os, time

def main(event):
    folder = event["inputFields"]["marker"]
    open(os.path.join(folder, str(os.getpid())), "w").close()
    time.sleep(60)
    return {"outputFields": {}}
"""

#: The markers are files the action writes where the test can see them: a plain process
#: (the kernel sandbox gives the action a private /tmp and its own pid numbers).
ENV = {"HSRUN_DAEMON": "0", "HSRUN_ISOLATION": "process"}


def _project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, list[str]]:
    project = tmp_path / "proj"
    (project / "flows").mkdir(parents=True)
    markers = tmp_path / "markers"
    markers.mkdir()
    document = flow(
        code("1", SLOW_CODE, inputs={"marker": static(str(markers))}, nxt="2"),
        set_prop("2", "message", static("after the code")),
    )
    (project / "flows" / "slow.json").write_text(json.dumps(document))
    monkeypatch.chdir(project)
    assert hsrun("portal", "seed", "--demo")[0] == 0
    portal, _ = PortalFile(get_settings()).load()
    ids = [c.id for c in portal.records("contacts")]
    return project, markers, ids


def _interrupt(project: Path, markers: Path, args: list[str], running: int) -> tuple[int, str]:
    code, out, err = ctrl_c_when(
        [sys.executable, "-m", "runtime", "workflow", "run", "flows/slow.json", *args],
        cwd=project,
        env={**os.environ, **ENV, "COLUMNS": "250"},
        ready=lambda: len(os.listdir(markers)) >= running,
        what="the flow's custom code never started",
    )
    assert code == 130, err
    assert "Interrupted: stopping the workflow run" in err
    pids = [int(name) for name in os.listdir(markers)]
    # Killed, not left running.
    assert wait_until(lambda: all(gone(pid) for pid in pids), 5.0)
    return len(pids), out


def _recorded() -> tuple[list[str], list[dict[str, object]]]:
    with Journal(get_settings().journal_path) as journal:
        runs = journal.history(limit=100)
        enrollments = list_enrollments(journal, limit=100)
    statuses = [run.status for run in runs]
    return statuses, [e.to_dict() for e in enrollments]


def test_ctrl_c_stops_a_workflow_run_over_many_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project, markers, ids = _project(tmp_path, monkeypatch)
    assert len(ids) > CONCURRENCY
    (project / "contacts.jsonl").write_text(
        "".join(json.dumps({"objectId": i}) + "\n" for i in ids)
    )
    ran, out = _interrupt(
        project,
        markers,
        ["--objects", "contacts.jsonl", "--concurrency", str(CONCURRENCY)],
        CONCURRENCY,
    )
    assert ran < len(ids)  # no new step started after the first Ctrl-C
    assert "INTERRUPTED  path 1  (stopped at action 1)" in out
    assert "not started (interrupted)" in out
    statuses, enrollments = _recorded()
    assert statuses == ["INTERRUPTED"] * ran  # the killed runs: not FAILED
    assert len(enrollments) == len(ids)
    assert {e["status"] for e in enrollments} == {"INTERRUPTED"}
    cut = [e for e in enrollments if e["path"]]
    assert len(cut) == ran
    for enrollment in cut:
        assert enrollment["path"] == ["1"] and enrollment["current"] == "1"
        last = enrollment["steps"][-1]  # type: ignore[index]
        assert last["event"] == "INTERRUPTED" and last["action_id"] == "1"
        assert last["details"]["runId"]
    portal, _ = PortalFile(get_settings()).load()
    assert all(portal.get("contacts", i).properties.get("message") is None for i in ids)


def test_ctrl_c_stops_a_workflow_run_of_one_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project, markers, ids = _project(tmp_path, monkeypatch)
    ran, out = _interrupt(project, markers, ["--object-id", ids[0]], 1)
    assert ran == 1
    assert "INTERRUPTED" in out and "stopped (Ctrl-C) while this action ran" in out
    statuses, [enrollment] = _recorded()
    assert statuses == ["INTERRUPTED"]
    assert enrollment["status"] == "INTERRUPTED" and enrollment["current"] == "1"
