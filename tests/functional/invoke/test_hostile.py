"""Actions that misbehave: each gets a clear message and a result, and the runner keeps going."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from runtime.invoke import Runner, RunOptions
from runtime.invoke._session import count_group

FAST = RunOptions(timeout_s=1.0)
#: Tests that watch the action's processes from here (pid files, process groups) run it as
#: a plain process; tests/functional/invoke/test_sandbox.py covers the same in namespaces.
PLAIN = "process"


def pid_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[-1].split()[0] != b"Z"
    except OSError:
        return False


@pytest.mark.slow
def test_timeout_kills_the_process_and_keeps_its_logs(
    runner: Runner, write_action: Callable[..., Path], tmp_path: Path
) -> None:
    pidfile = tmp_path / "pid"
    action = write_action(
        f"""
        import os
        def main(event):
            open({str(pidfile)!r}, "w").write(str(os.getpid()))
            print("working on it", flush=True)
            while True:
                pass
        """
    )
    started = time.monotonic()
    result = runner.run(action, options=RunOptions(timeout_s=0.5, isolation=PLAIN))
    assert time.monotonic() - started < 4
    assert result.status == "TIMEOUT"
    assert result.error is not None
    # Lambda names the configured limit, not the time elapsed (its execution-environment
    # guide: a 3 s function with a 3004.92 ms REPORT logs "Task timed out after 3.00 seconds").
    assert result.error.message == "Task timed out after 0.50 seconds"
    assert [line.text for line in result.logs] == ["working on it"]
    assert result.exit_code == 3
    pid = int(pidfile.read_text())
    assert not pid_alive(pid)


@pytest.mark.slow
def test_timeout_catches_an_action_that_swallows_signals(
    runner: Runner, write_action: Callable[..., Path]
) -> None:
    action = write_action(
        """
        import signal, time
        def main(event):
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM):
                signal.signal(sig, signal.SIG_IGN)
            while True:
                try:
                    time.sleep(10)
                except BaseException:
                    pass
        """
    )
    assert runner.run(action, options=RunOptions(timeout_s=0.3)).status == "TIMEOUT"


def test_peak_memory_is_the_true_peak(runner: Runner, write_action: Callable[..., Path]) -> None:
    base = write_action("def main(event):\n    return {'outputFields': {}}\n", name="base")
    big = write_action(
        """
        def main(event):
            block = bytearray(64 * 1024 * 1024)
            del block  # freed before returning: only a true peak still sees it
            return {"outputFields": {}}
        """,
        name="big",
    )
    baseline = runner.run(base).memory_mb
    peak = runner.run(big).memory_mb
    assert abs((peak - baseline) - 64) <= 6.4, (baseline, peak)


@pytest.mark.slow
def test_memory_bomb_is_killed_at_the_limit(
    runner: Runner, write_action: Callable[..., Path]
) -> None:
    action = write_action(
        """
        def main(event):
            hoard = []
            while True:
                hoard.append(bytearray(8 * 1024 * 1024))
        """
    )
    result = runner.run(action, options=FAST)
    assert result.status == "MEMORY_EXCEEDED"
    assert result.memory_mb > 128
    assert result.error is not None
    # Lambda's words, then hsrun's measurement apart from them.
    assert result.error.type == "Runtime.OutOfMemory"
    assert result.error.message == (
        f"RequestId: {result.request_id} Error: Runtime exited with error: signal: killed"
    )
    assert any("exceeded the 128 MB limit" in a.message for a in result.alerts)
    assert result.exit_code == 4


@pytest.mark.slow
def test_memory_limit_is_configurable(runner: Runner, write_action: Callable[..., Path]) -> None:
    action = write_action(
        "def main(event):\n    x = bytearray(80 * 1024 * 1024)\n    return {'outputFields': {}}\n"
    )
    assert runner.run(action, options=RunOptions(memory_mb=64)).status == "MEMORY_EXCEEDED"
    assert runner.run(action, options=RunOptions(memory_mb=256)).status == "SUCCESS"


@pytest.mark.slow
def test_fork_bomb_is_stopped_and_leaves_nothing_behind(
    runner: Runner, write_action: Callable[..., Path], tmp_path: Path
) -> None:
    pidfile = tmp_path / "pid"
    action = write_action(
        f"""
        import os, time
        def main(event):
            open({str(pidfile)!r}, "w").write(str(os.getpid()))
            while True:
                try:
                    os.fork()
                except OSError:
                    time.sleep(0.01)
        """
    )
    result = runner.run(action, options=RunOptions(timeout_s=5, isolation=PLAIN))
    assert result.status == "FAILED"
    assert result.error is not None
    assert result.error.type == "Runtime.ProcessLimitExceeded"
    pgid = int(pidfile.read_text())
    deadline = time.monotonic() + 3
    while count_group(pgid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert count_group(pgid) == 0


def test_segfault(runner: Runner, write_action: Callable[..., Path]) -> None:
    action = write_action("import ctypes\ndef main(event):\n    ctypes.string_at(0)\n")
    result = runner.run(action)
    assert result.status == "FAILED"
    assert result.error is not None
    assert result.error.type == "Runtime.ExitError"
    assert result.error.message == (
        f"RequestId: {result.request_id} Error: "
        "Runtime exited with error: signal: segmentation fault"
    )


def test_sys_exit(runner: Runner, write_action: Callable[..., Path]) -> None:
    action = write_action("import sys\ndef main(event):\n    print('bye')\n    sys.exit(3)\n")
    result = runner.run(action)
    assert result.status == "FAILED"
    assert result.error is not None
    assert result.error.message == (
        f"RequestId: {result.request_id} Error: Runtime exited with error: exit status 3"
    )
    assert result.log_text == "bye"


def test_os_exit_keeps_logs_and_memory(runner: Runner, write_action: Callable[..., Path]) -> None:
    action = write_action(
        "import os\ndef main(event):\n    print('going', flush=True)\n    os._exit(4)\n"
    )
    result = runner.run(action)
    assert result.status == "FAILED"
    assert result.error is not None
    assert result.error.message == (
        f"RequestId: {result.request_id} Error: Runtime exited with error: exit status 4"
    )
    assert result.log_text == "going"
    assert result.memory_mb > 0


@pytest.mark.slow
def test_100_mb_of_output_is_capped_and_said(
    runner: Runner, write_action: Callable[..., Path]
) -> None:
    action = write_action(
        """
        import sys
        def main(event):
            chunk = "x" * 1023 + "\\n"
            for _ in range(100 * 1024):
                sys.stdout.write(chunk)
            return {"outputFields": {"done": True}}
        """
    )
    result = runner.run(action, options=RunOptions(timeout_s=15))
    assert result.status == "SUCCESS"
    assert result.outputs == {"done": True}
    assert result.logs_truncated
    assert result.log_bytes_dropped > 99 * 1024 * 1024
    assert "bytes were not kept" in result.logs[-1].text
    assert sum(len(line.text) for line in result.logs[:-1]) <= 256 * 1024


def test_the_runner_keeps_working_after_hostile_actions(
    runner: Runner, write_action: Callable[..., Path]
) -> None:
    crash = write_action("import ctypes\ndef main(event):\n    ctypes.string_at(0)\n", name="c")
    fine = write_action("def main(event):\n    return {'outputFields': {'ok': 1}}\n", name="f")
    runner.run(crash)
    assert runner.run(fine).outputs == {"ok": 1}


def test_background_processes_die_with_a_cold_run(
    runner: Runner, write_action: Callable[..., Path], tmp_path: Path
) -> None:
    pidfile = tmp_path / "pid"
    action = write_action(
        f"""
        import subprocess
        def main(event):
            child = subprocess.Popen(["sleep", "30"])
            open({str(pidfile)!r}, "w").write(str(child.pid))
            return {{"outputFields": {{}}}}
        """
    )
    assert runner.run(action, options=RunOptions(isolation=PLAIN)).status == "SUCCESS"
    pid = int(pidfile.read_text())
    deadline = time.monotonic() + 3
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not pid_alive(pid)


@pytest.mark.slow
def test_direct_mode_without_zygote_enforces_the_same_limits(
    write_action: Callable[..., Path],
) -> None:
    loop = write_action("def main(event):\n    while True: pass\n", name="loop")
    bomb = write_action(
        "def main(event):\n    x = []\n    while True: x.append(bytearray(8 << 20))\n", name="bomb"
    )
    with Runner(RunOptions(zygote=False, timeout_s=0.5)) as direct:
        assert direct.run(loop).status == "TIMEOUT"
        assert direct.run(bomb).status == "MEMORY_EXCEEDED"
    assert os.getpid()  # the test process itself is untouched


@pytest.mark.slow
def test_a_large_parent_does_not_inflate_the_actions_memory(
    write_action: Callable[..., Path],
) -> None:
    # A big test suite runs actions too: its own memory must not count as the action's.
    action = write_action("def main(event):\n    return {'outputFields': {}}\n")
    ballast = bytearray(200 * 1024 * 1024)
    try:
        for zygote in (False, True):
            with Runner(RunOptions(zygote=zygote)) as fresh:
                result = fresh.run(action)
            assert result.status == "SUCCESS"
            assert result.memory_mb < 100, (zygote, result.memory_mb)
    finally:
        del ballast


def test_a_crash_still_reports_memory(write_action: Callable[..., Path]) -> None:
    action = write_action("import ctypes\ndef main(event):\n    ctypes.string_at(0)\n")
    for zygote in (False, True):
        with Runner(RunOptions(zygote=zygote)) as fresh:
            result = fresh.run(action)
        assert result.status == "FAILED"
        assert result.memory_mb > 5, zygote
