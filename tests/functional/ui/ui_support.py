"""Helpers of the dashboard tests: the running `hsrun ui`, the hsrun command, screenshots."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[3]
ACTIONS = ROOT / "actions"
#: Where the browser tests save a screenshot of every page (git-ignored; one is in docs/).
SCREENSHOTS = ROOT / "build" / "screenshots"
CHROMIUM = os.environ.get("HSRUN_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def hsrun(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """A real ``hsrun`` command in the project folder (state from the test's HSRUN_HOME)."""
    done = subprocess.run(
        [sys.executable, "-m", "runtime", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HSRUN_DAEMON": "0"},
    )
    if check:
        assert done.returncode == 0, done.stderr
    return done


@dataclass
class Dashboard:
    """A running ``hsrun ui``: its base URL and the token URL it printed."""

    base: str
    url: str
    token: str
    process: subprocess.Popen[str]
    output: tuple[str, str] | None = None

    def stop(self) -> tuple[str, str]:
        """Ctrl-C, as a user stops it; its stdout and stderr (once stopped, the same)."""
        if self.output is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.output = self.process.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.communicate()
                raise AssertionError("hsrun ui did not stop on Ctrl-C") from None
        return self.output

    def session(self) -> requests.Session:
        """An HTTP session that has opened the token URL (so it holds the cookie)."""
        session = requests.Session()
        answer = session.get(self.url, timeout=30)
        assert answer.status_code == 200 and "hsrun_ui_" in answer.headers["set-cookie"]
        return session

    def csrf(self, session: requests.Session) -> str:
        page = session.get(f"{self.base}/runs", timeout=30).text
        match = re.search(r'name="csrf-token" content="([^"]+)"', page)
        assert match
        return match.group(1)


def screenshot(page: Any, name: str) -> Path:
    """Save the page as ``build/screenshots/NAME.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
