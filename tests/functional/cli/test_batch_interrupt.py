"""Ctrl-C during `hsrun invoke --events`: a real SIGINT to a real batch process.

The first Ctrl-C stops scheduling, kills the runs in flight (recorded as INTERRUPTED, not
FAILED), prints the summary of what ran and exits 130 — without the daemon and through it.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from helpers import ctrl_c_when, gone, wait_until

from runtime.config import get_settings
from runtime.journal import Journal

ROOT = Path(__file__).resolve().parents[3]
EVENTS = 12
CONCURRENCY = 2

SLOW_ACTION = """\
import os, time

def main(event):
    folder = event["inputFields"]["marker"]
    open(os.path.join(folder, str(os.getpid())), "w").close()
    time.sleep(60)
    return {"outputFields": {}}
"""


def _write_batch(tmp_path: Path) -> tuple[Path, Path, Path]:
    project = tmp_path / "proj"
    (project / "actions").mkdir(parents=True)
    markers = tmp_path / "markers"
    markers.mkdir()
    action = project / "actions" / "slow.py"
    action.write_text(SLOW_ACTION)
    events = project / "events.jsonl"
    event = {
        "origin": {"portalId": 12345678, "actionDefinitionId": 1},
        "object": {"objectType": "CONTACT", "objectId": 1},
        "inputFields": {"marker": str(markers)},
        "callbackId": "ap-12345678-1-1-0",
    }
    events.write_text("\n".join(json.dumps(event) for _ in range(EVENTS)) + "\n")
    return action, events, markers


def _interrupt_batch(tmp_path: Path, env: dict[str, str]) -> tuple[int, str, str, Path]:
    action, events, markers = _write_batch(tmp_path)
    code, out, err = ctrl_c_when(
        [
            sys.executable,
            "-m",
            "runtime",
            "invoke",
            str(action),
            "--events",
            str(events),
            "--concurrency",
            str(CONCURRENCY),
        ],
        cwd=action.parent.parent,
        env=env,
        ready=lambda: len(os.listdir(markers)) >= CONCURRENCY,
        what="the batch never got its first runs going",
    )
    return code, out, err, markers


def _check_interrupted(code: int, out: str, err: str, markers: Path) -> None:
    assert code == 130, err
    assert "INTERRUPTED" in out  # the summary of what ran
    assert "not started (interrupted)" in out
    pids = [int(name) for name in os.listdir(markers)]
    assert len(pids) < EVENTS  # scheduling stopped at the first Ctrl-C
    # Killed, not left running (with --live they would keep writing to HubSpot).
    assert wait_until(lambda: all(gone(pid) for pid in pids), 5.0)
    with Journal(get_settings().journal_path) as journal:
        runs = journal.history(limit=100)
    statuses = {run.status for run in runs}
    assert statuses == {"INTERRUPTED"}, statuses
    assert len(runs) == len(pids)
    assert all(run.error and "Ctrl-C" in run.error.message for run in runs)


#: The markers are files the action writes where the test can see them: a plain process
#: (the kernel sandbox gives the action a private /tmp and its own pid numbers).
PLAIN = {"HSRUN_ISOLATION": "process"}


def test_ctrl_c_stops_a_batch_without_the_daemon(tmp_path: Path) -> None:
    env = {**os.environ, "HSRUN_DAEMON": "0", **PLAIN}
    _check_interrupted(*_interrupt_batch(tmp_path, env))


@pytest.mark.slow
def test_ctrl_c_stops_a_batch_run_by_the_daemon(tmp_path: Path) -> None:
    from runtime.daemon import daemon_status, start_daemon, stop_daemon

    settings = get_settings()
    status = start_daemon(settings)
    try:
        before = status.served
        env = {**{k: v for k, v in os.environ.items() if k != "HSRUN_DAEMON"}, **PLAIN}
        result = _interrupt_batch(tmp_path, env)
        running = daemon_status(settings)
        assert running is not None and running.served == before + 1  # the daemon ran it
    finally:
        stop_daemon(settings)
        for pid in (status.pid, status.zygote_pid):
            if pid is not None:
                wait_until(lambda pid=pid: gone(pid), 5.0)
    _check_interrupted(*result)
