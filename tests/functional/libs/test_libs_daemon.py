"""Commands the daemon runs use the library set as it is now, installed or removed since."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from libs_support import FAKE_VERSION, OWN_REQUESTS, make_fake_libs

from runtime.config import Settings, get_settings
from runtime.daemon import DaemonStatus, daemon_status, start_daemon, stop_daemon


@pytest.fixture
def daemon() -> Iterator[Settings]:
    settings = get_settings()
    status = start_daemon(settings)
    try:
        yield settings
    finally:
        stop_daemon(settings)
        _wait_gone(status)


def _wait_gone(status: DaemonStatus) -> None:
    for pid in (status.pid, status.zygote_pid):
        if pid is None:
            continue
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass


def _served(settings: Settings) -> int:
    status = daemon_status(settings)
    assert status is not None, "no daemon is running"
    return status.served


def _invoke(action: Path, **env: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "runtime", "invoke", str(action), "--json"],
        cwd=action.parent,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return str(json.loads(done.stdout)["outputs"]["version"])


def test_the_daemon_follows_installs_and_removals(daemon: Settings, version_action: Path) -> None:
    before = _served(daemon)
    assert _invoke(version_action) == OWN_REQUESTS
    make_fake_libs(daemon.libs_path)  # installed while the daemon runs
    assert _invoke(version_action) == FAKE_VERSION
    assert _invoke(version_action, HSRUN_LIBS="0") == OWN_REQUESTS
    shutil.rmtree(daemon.libs_path)  # and removed again
    assert _invoke(version_action) == OWN_REQUESTS
    assert _served(daemon) == before + 4  # every command ran in the daemon
    # Its zygote followed the folder, so the runs forked from it had the right imports.
    log = (daemon.home / "daemon.log").read_text()
    assert f"the library folder is now {daemon.libs_path.resolve()}" in log
    assert "the library folder is now none" in log
