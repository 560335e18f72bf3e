"""Slots: an action's sandbox kept from run to run, as Lambda keeps an execution environment.
Each run still starts cold (a fresh process, an empty /tmp), what it leaves running ends with
it, a run cannot leave anything for the next one, and a closed runner leaves nothing behind."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from runtime.invoke import Runner, RunOptions
from runtime.invoke.sandbox import children, probe

SUPPORT = probe()

STATE = """\
import os

COUNT = 0

def main(event):
    global COUNT
    COUNT += 1
    seen = os.path.exists("/tmp/left-by-an-earlier-run")
    open("/tmp/left-by-an-earlier-run", "w").close()
    return {"outputFields": {"count": COUNT, "seen": seen, "pid": os.getpid()}}
"""


@pytest.mark.parametrize("isolation", ["process", "namespaces"])
def test_every_run_of_a_repeated_action_starts_cold(
    isolation: str, write_action: Callable[..., Path]
) -> None:
    if isolation == "namespaces" and not SUPPORT.namespaces:
        pytest.skip(f"no kernel sandbox here: {SUPPORT.reason}")
    action = write_action(STATE)
    with Runner(RunOptions(timeout_s=5, isolation=isolation)) as runner:
        results = [runner.run(action) for _ in range(4)]
    for result in results:
        assert result.status == "SUCCESS", result
        assert result.outputs["count"] == 1  # module state is fresh in every run
        assert result.isolation == isolation
    if isolation == "namespaces":
        # Each run has a private /tmp: nothing an earlier run wrote is there.
        assert [r.outputs["seen"] for r in results] == [False] * 4
    assert len({r.outputs["pid"] for r in results}) == 4  # a new process every time


@pytest.mark.skipif(not SUPPORT.namespaces, reason="no kernel sandbox here")
def test_a_closed_runner_leaves_no_worker_waiting(write_action: Callable[..., Path]) -> None:
    action = write_action(STATE)
    with Runner(RunOptions(timeout_s=5, isolation="namespaces")) as runner:
        for _ in range(3):
            assert runner.run(action).status == "SUCCESS"
        (zygote,) = runner._zygotes.values()
        assert zygote._proc is not None
        pid = zygote._proc.pid
        waiting = children(pid)
        assert waiting  # the slot: the action's sandbox, kept for the next run
        runner._slots.close()
        deadline = time.monotonic() + 5
        while set(waiting) & set(children(pid)) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not set(waiting) & set(children(pid))


@pytest.mark.skipif(not SUPPORT.namespaces, reason="no kernel sandbox here")
def test_a_slot_is_not_shared_between_actions(write_action: Callable[..., Path]) -> None:
    first = write_action(STATE, name="first")
    second = write_action(
        """\
        import os

        def main(event):
            return {"outputFields": {"here": sorted(os.listdir(os.path.dirname(__file__)))}}
        """,
        name="second",
    )
    with Runner(RunOptions(timeout_s=5, isolation="namespaces")) as runner:
        for _ in range(2):
            runner.run(first)
        result = runner.run(second)
    assert result.status == "SUCCESS", result
    assert "second.py" in json.dumps(result.outputs["here"])
    assert os.path.exists(second)


@pytest.mark.skipif(not SUPPORT.namespaces, reason="no kernel sandbox here")
def test_a_secrets_file_that_appears_after_a_slot_was_made_stays_hidden(
    tmp_path: Path,
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    action = project / "peek.py"
    action.write_text(
        "import os\n\n"
        "def main(event):\n"
        "    path = os.path.join(os.path.dirname(__file__), 'secrets.env')\n"
        "    with open(path) as fh:\n"
        "        text = fh.read()\n"
        "    return {'outputFields': {'seen': text}}\n"
    )
    with Runner(RunOptions(timeout_s=5, isolation="namespaces")) as runner:
        for _ in range(2):
            runner.run(action)  # no file yet: FAILED, in a slot kept for the next run
        (project / "secrets.env").write_text("HUBSPOT_TOKEN=pat-na1-secret\n")
        result = runner.run(action)
    assert "pat-na1-secret" not in json.dumps(result.outputs)
    assert "pat-na1-secret" not in (result.error or {}).get("errorMessage", "")


@pytest.mark.skipif(not SUPPORT.namespaces, reason="no kernel sandbox here")
def test_a_run_that_uncovers_the_slots_tmp_can_leave_nothing(
    write_action: Callable[..., Path],
) -> None:
    action = write_action(
        """\
        import ctypes, os

        def main(event):
            seen = os.listdir("/tmp")
            libc = ctypes.CDLL(None, use_errno=True)
            unmounted = libc.umount2(b"/tmp", 2) == 0  # MNT_DETACH: its own /tmp
            try:
                open("/tmp/left-for-the-next-run", "w").close()
                wrote = True
            except OSError:
                wrote = False
            return {"outputFields": {"seen": seen, "unmounted": unmounted, "wrote": wrote}}
        """
    )
    with Runner(RunOptions(timeout_s=5, isolation="namespaces")) as runner:
        results = [runner.run(action) for _ in range(3)]
    for result in results:
        assert result.status == "SUCCESS", result
        assert result.outputs["unmounted"]
        assert not result.outputs["wrote"]  # the slot's own /tmp is read-only
        assert "left-for-the-next-run" not in result.outputs["seen"]


@pytest.mark.skipif(not SUPPORT.namespaces, reason="no kernel sandbox here")
def test_a_run_that_kills_its_slot_only_costs_the_next_run_a_new_one(
    write_action: Callable[..., Path],
) -> None:
    action = write_action(
        """\
        import os, signal

        def main(event):
            if event["inputFields"].get("kill"):
                os.kill(os.getppid(), signal.SIGKILL)  # the slot's zygote, and so itself
            return {"outputFields": {"pid": os.getpid()}}
        """
    )
    with Runner(RunOptions(timeout_s=5, isolation="namespaces")) as runner:
        assert runner.run(action).status == "SUCCESS"
        runner.run(action, inputs={"kill": "yes"})  # and itself with it, or just after
        after = [runner.run(action) for _ in range(2)]
    for result in after:
        assert result.status == "SUCCESS", result
        assert result.isolation == "namespaces"


@pytest.mark.skipif(not SUPPORT.namespaces, reason="no kernel sandbox here")
def test_ipc_objects_do_not_outlive_their_run(write_action: Callable[..., Path]) -> None:
    # System V shared memory, semaphores and message queues, and POSIX message queues,
    # outlive the process that made them: the next run in the same slot finds none of them,
    # even when the run left a process holding the segment attached.
    action = write_action(
        """\
        import ctypes, os, time

        IPC_CREAT, O_CREAT, O_RDWR = 0o1000, 0o100, 0o2

        def main(event):
            libc = ctypes.CDLL(None, use_errno=True)
            key = 0x4853  # the same key in every run
            found, made = {}, {}
            for kind, get, args in (
                ("shm", libc.shmget, (4096,)),
                ("sem", libc.semget, (1,)),
                ("msg", libc.msgget, ()),
            ):
                found[kind] = get(key, *args, 0) != -1  # no IPC_CREAT: -1 unless it exists
                made[kind] = get(key, *args, IPC_CREAT | 0o600) != -1
            libc.mq_open.restype = ctypes.c_int
            queue = libc.mq_open(b"/hsrun-test", O_RDWR)
            found["mq"] = queue != -1
            made["mq"] = libc.mq_open(b"/hsrun-test", O_RDWR | O_CREAT, 0o600, None) != -1
            # a process of the run keeps the segment attached after the run's end
            libc.shmat.restype = ctypes.c_void_p
            libc.shmat(libc.shmget(key, 4096, 0), None, 0)
            if os.fork() == 0:
                os.setsid()
                time.sleep(30)
                os._exit(0)
            return {"outputFields": {"found": found, "made": made}}
        """
    )
    nothing = {"shm": False, "sem": False, "msg": False, "mq": False}
    everything = {"shm": True, "sem": True, "msg": True, "mq": True}
    with Runner(RunOptions(timeout_s=5, isolation="namespaces")) as runner:
        results = [runner.run(action) for _ in range(4)]
    for result in results:
        assert result.status == "SUCCESS", result
        assert result.outputs == {"found": nothing, "made": everything}


@pytest.mark.skipif(not SUPPORT.namespaces, reason="no kernel sandbox here")
def test_what_a_run_left_does_not_count_against_the_next_ones_process_limit(
    write_action: Callable[..., Path],
) -> None:
    action = write_action(
        """\
        import subprocess

        def main(event):
            count = int(event["inputFields"]["count"])
            started = 0
            for _ in range(count):
                try:
                    subprocess.Popen(["setsid", "sleep", "30"])
                    started += 1
                except OSError:
                    break
            return {"outputFields": {"started": started}}
        """
    )
    with Runner(RunOptions(timeout_s=10, isolation="namespaces", max_processes=40)) as runner:
        first = runner.run(action, inputs={"count": "30"})
        second = runner.run(action, inputs={"count": "30"})
    for result in (first, second):
        assert result.status == "SUCCESS", (result.status, result.error)
        assert result.outputs["started"] == 30


@pytest.mark.skipif(not SUPPORT.namespaces, reason="no kernel sandbox here")
def test_a_run_cannot_reach_into_its_slot_to_change_later_runs(
    write_action: Callable[..., Path],
) -> None:
    # The slot forks every later run: a run that could write its memory could plant code in
    # all of them. Same user, root of the same user namespace, and still refused.
    action = write_action(
        """\
        import ctypes, os

        def main(event):
            slot = os.getppid()
            try:
                os.close(os.open(f"/proc/{slot}/mem", os.O_RDWR))
                memory = "opened"
            except OSError as exc:
                memory = exc.strerror
            libc = ctypes.CDLL(None, use_errno=True)
            attached = libc.ptrace(16, slot, None, None) == 0  # PTRACE_ATTACH
            return {"outputFields": {"memory": memory, "attached": attached}}
        """
    )
    with Runner(RunOptions(timeout_s=5, isolation="namespaces")) as runner:
        results = [runner.run(action) for _ in range(2)]
    for result in results:
        assert result.status == "SUCCESS", result
        assert result.outputs == {"memory": "Permission denied", "attached": False}
