"""A zygote worker that enters a sandbox and becomes another program (how a runner starts
a sandboxed Node.js child without an interpreter for the sandbox's wrapper)."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator

import pytest

from runtime.invoke._process import Zygote
from runtime.invoke.sandbox import probe
from runtime.invoke.sandbox._enter import python_paths

SUPPORT = probe()
pytestmark = pytest.mark.skipif(
    not SUPPORT.namespaces, reason=f"no kernel sandbox here: {SUPPORT.reason}"
)


@pytest.fixture(scope="module")
def zygote() -> Iterator[Zygote]:
    z = Zygote()
    z.start()
    yield z
    z.close()


def spec() -> dict[str, object]:
    return {"token": "t", "keep": python_paths(), "hide": [], "net": "none", "tmp_mb": 16}


def read_all(fd: int) -> bytes:
    out = b""
    while chunk := os.read(fd, 65536):
        out += chunk
    return out


def test_the_program_runs_inside_the_sandbox_with_its_control_socket(zygote: Zygote) -> None:
    script = (
        "import os, socket, sys;"
        "s = socket.socket(fileno=int(sys.argv[1]));"
        "s.sendall(repr((os.getpid(), os.path.exists(sys.argv[2]), os.environ.get('ONLY')))"
        ".encode())"
    )
    # A file in the machine's /tmp: the sandbox's /tmp is its own.
    with tempfile.NamedTemporaryFile(prefix="hsrun-outside-", dir="/tmp") as outside:
        plan = {
            "argv": [sys.executable, "-I", "-c", script, "{control_fd}", outside.name],
            "env": {"ONLY": "this"},
            "sandbox": spec(),
        }
        child = zygote.spawn(exec_plan=plan)
        assert child.ready is False  # the program says when it is ready, not the fork
        child.channel.sock.settimeout(10)
        answer = child.channel.sock.recv(4096)
        status = child.wait_status(10)
        child.close()
    # PID 2 of its own namespace (init is 1), a private /tmp, only the environment given.
    assert answer == repr((2, False, "this")).encode()
    assert status is not None and os.waitstatus_to_exitcode(status[0]) == 0


def test_a_program_that_cannot_start_fails_with_its_name(zygote: Zygote) -> None:
    plan = {"argv": ["/nonexistent/node", "{control_fd}"], "env": {}, "sandbox": spec()}
    child = zygote.spawn(exec_plan=plan)
    status = child.wait_status(10)
    assert status is not None and os.waitstatus_to_exitcode(status[0]) == 71
    err = read_all(child.err_fd).decode()
    child.close()
    assert "cannot start /nonexistent/node" in err
