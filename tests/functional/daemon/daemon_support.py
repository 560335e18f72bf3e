"""Helpers for the daemon tests: hsrun as a user runs it, and daemons that never outlive a test."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

from helpers import gone, wait_until

from runtime.config import Settings, get_settings
from runtime.daemon import DaemonStatus, daemon_status, start_daemon, stop_daemon


def all_gone(status: DaemonStatus) -> bool:
    """Whether a daemon and its zygote have exited."""
    return gone(status.pid) and (status.zygote_pid is None or gone(status.zygote_pid))


@dataclass
class Hsrun:
    """``hsrun`` run as a user would, in ``cwd``, on the state folder ``home``.

    Commands run in subprocesses; the daemon is started, queried and stopped through the
    library (the CLI's own ``daemon`` commands have a test of their own).
    """

    home: Path
    cwd: Path
    env: dict[str, str] = field(default_factory=dict)
    idle_s: float | None = None

    def environ(self, **extra: str) -> dict[str, str]:
        env = {**os.environ, **self.env, "HSRUN_HOME": str(self.home)}
        env.pop("HSRUN_DAEMON", None)
        return {**env, **extra}

    def argv(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "runtime", *args]

    def run(self, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.argv(*args),
            cwd=self.cwd,
            env=self.environ(**extra),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def here(self, *args: str) -> subprocess.CompletedProcess[str]:
        """The same command with the daemon bypassed."""
        return self.run(*args, HSRUN_DAEMON="0")

    def settings(self) -> Settings:
        settings = replace(get_settings(), home=self.home.resolve())
        return settings if self.idle_s is None else replace(settings, daemon_idle_s=self.idle_s)

    def status(self) -> DaemonStatus | None:
        return daemon_status(self.settings())

    def served(self) -> int:
        status = self.status()
        assert status is not None, "no daemon is running"
        return status.served


class Daemons:
    """Starts daemons and makes sure none outlives the test."""

    def __init__(self) -> None:
        self.started: list[tuple[Hsrun, DaemonStatus]] = []

    def start(self, hsrun: Hsrun) -> DaemonStatus:
        status = start_daemon(hsrun.settings())
        self.started.append((hsrun, status))
        return status

    def stop_all(self) -> list[int]:
        """Stop every daemon started; the pids that were still running afterwards."""
        survivors = []
        for hsrun, status in self.started:
            stop_daemon(hsrun.settings())
            for pid in (status.pid, status.zygote_pid):
                if pid is not None and not wait_until(lambda pid=pid: gone(pid), 5.0):
                    survivors.append(pid)
                    os.kill(pid, 9)
        return survivors
