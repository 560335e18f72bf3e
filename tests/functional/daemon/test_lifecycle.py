"""Starting, stopping and losing a daemon: commands always still run."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from typing import Any

from daemon_support import Daemons, Hsrun, all_gone, gone, wait_until
from helpers import ACTIONS

from runtime._wire import build_id, recv_frame, send_frame

FORMAT_PHONE = (str(ACTIONS / "format_phone.py"), "--input", "phone=5550102233", "--json")


def client_setup(hsrun: Hsrun) -> dict[str, Any]:
    """The Python setup of an hsrun client (this test process has pytest's sys.path)."""
    code = "import json; from runtime._wire import interpreter_setup as s; print(json.dumps(s()))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=hsrun.environ(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    setup: dict[str, Any] = json.loads(result.stdout)
    return setup


def test_start_status_stop(hsrun: Hsrun, daemons: Daemons) -> None:
    assert hsrun.run("daemon", "status").returncode == 1
    started = hsrun.run("daemon", "start")
    assert started.returncode == 0 and "hsrun daemon started: pid " in started.stdout
    status = daemons.start(hsrun)  # already running: the same daemon
    assert f"pid {status.pid}," in started.stdout
    shown = hsrun.run("daemon", "status", "--json")
    assert shown.returncode == 0 and json.loads(shown.stdout)["served"] == 0
    stopped = hsrun.run("daemon", "stop")
    assert stopped.returncode == 0 and f"stopped (pid {status.pid}" in stopped.stdout
    assert wait_until(lambda: all_gone(status))
    assert not (hsrun.home / "daemon.sock").exists()
    assert hsrun.status() is None


def test_it_exits_when_idle(hsrun: Hsrun, daemons: Daemons) -> None:
    hsrun.idle_s = 0.3
    status = daemons.start(hsrun)
    assert status.idle_s == 0.3
    assert wait_until(lambda: all_gone(status))
    assert not (hsrun.home / "daemon.sock").exists()


def test_it_exits_when_its_socket_is_removed(hsrun: Hsrun, daemons: Daemons) -> None:
    status = daemons.start(hsrun)
    (hsrun.home / "daemon.sock").unlink()
    assert wait_until(lambda: all_gone(status))


def test_another_build_is_refused_the_daemon_exits_and_hsrun_runs_here(
    hsrun: Hsrun, daemons: Daemons
) -> None:
    status = daemons.start(hsrun)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(10)
        sock.connect(str(hsrun.home / "daemon.sock"))
        request = {
            "type": "run",
            "v": 1,
            "build": build_id() + " (another checkout)",
            "setup": client_setup(hsrun),
            "address": str(hsrun.home / "daemon.sock"),
            "argv": ["history"],
        }
        send_frame(sock, request, fds=(0, 1, 2))
        reply = recv_frame(sock)
    assert reply is not None and reply["type"] == "refused"
    assert "another hsrun build" in reply["reason"]
    assert wait_until(lambda: gone(status.pid))
    result = hsrun.run("invoke", *FORMAT_PHONE)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["outputs"]["phone_e164"] == "+15550102233"
    assert "daemon" not in result.stderr


def test_a_killed_daemons_socket_is_ignored(hsrun: Hsrun, daemons: Daemons) -> None:
    status = daemons.start(hsrun)
    os.kill(status.pid, signal.SIGKILL)
    assert wait_until(lambda: all_gone(status))
    assert (hsrun.home / "daemon.sock").exists()  # left behind
    result = hsrun.run("invoke", *FORMAT_PHONE)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    # A new daemon takes the stale socket's place.
    assert daemons.start(hsrun).pid != status.pid
    assert hsrun.run("invoke", *FORMAT_PHONE).returncode == 0
    assert hsrun.served() == 1
