"""What many test modules share: the repository's folders and the CLI run in-process.

Importable as ``helpers`` from every test module (``tests/`` is on ``sys.path`` because
``tests/conftest.py`` lives there).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ACTIONS = ROOT / "actions"
EVENTS = ROOT / "tests" / "events"
DOCS = ROOT / "docs"
RUNTIME = ROOT / "runtime"


def hsrun(*args: str | os.PathLike[str], input: str | None = None) -> tuple[int, str, str]:
    """``hsrun ARGS`` through typer's CliRunner in this process: exit code, stdout, stderr.

    ``input`` is fed to stdin. The terminal is wide (250 columns) so that rich does not wrap
    what a test looks for.
    """
    from typer.testing import CliRunner

    from runtime.cli import app

    env = {"COLUMNS": "250"}
    result = CliRunner().invoke(app, [os.fspath(a) for a in args], input=input, env=env)
    return result.exit_code, result.stdout, result.stderr


def wait_until(condition: Callable[[], bool], limit_s: float = 10.0) -> bool:
    """Poll ``condition`` until it holds or ``limit_s`` passes (a deadline, not a timing)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def gone(pid: int) -> bool:
    """Whether ``pid`` has exited (a zombie counts: its parent may never reap it)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[-1].split()[0] == b"Z"
    except (OSError, IndexError):
        return True


def ctrl_c_when(
    command: list[str], *, cwd: Path, env: dict[str, str], ready: Callable[[], bool], what: str
) -> tuple[int, str, str]:
    """Start ``command``, press Ctrl-C (a real SIGINT, as the terminal sends) once ``ready()``,
    and return its exit code, stdout and stderr. ``what`` names what never got ready."""
    proc = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert wait_until(ready, 30.0), what
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, out, err
