"""`hsrun ui` as a real process on loopback, and a real browser (Debian's chromium driven by
Playwright through its executable path) for the page tests."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ui_support import CHROMIUM, CHROMIUM_FLAGS, ROOT, Dashboard


@pytest.fixture
def dashboard() -> Iterator[Dashboard]:
    process = subprocess.Popen(
        [sys.executable, "-m", "runtime", "ui", "--no-open", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "HSRUN_DAEMON": "0"},
    )
    assert process.stdout is not None
    url = ""
    for _ in range(5):
        line = process.stdout.readline()
        if line.startswith("Open: "):
            url = line.removeprefix("Open: ").strip()
            break
    assert url, process.stderr.read() if process.stderr else "no URL printed"
    match = re.fullmatch(r"(http://127\.0\.0\.1:\d+)/\?token=(\S+)", url)
    assert match, url
    board = Dashboard(base=match.group(1), url=url, token=match.group(2), process=process)
    try:
        yield board
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            out, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise AssertionError("hsrun ui did not stop on Ctrl-C") from None
        assert "Stopped." in out


def _chromium_missing() -> str | None:
    if Path(CHROMIUM).is_file() or shutil.which(CHROMIUM):
        return None
    return (
        f"no chromium at {CHROMIUM} (apt-get install chromium; .ci/run installs it, "
        "HSRUN_TEST_CHROMIUM points elsewhere)"
    )


@pytest.fixture(scope="session")
def _browser_context_factory() -> Iterator[Any]:
    missing = _chromium_missing()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests must run in CI: {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        folders: list[str] = []

        def new_context() -> Any:
            # A fresh profile per test: no cookies, no cache, nothing from another test.
            folder = tempfile.mkdtemp(prefix="hsrun-ui-chromium-")
            folders.append(folder)
            return playwright.chromium.launch_persistent_context(
                folder,
                executable_path=CHROMIUM,
                headless=True,
                args=CHROMIUM_FLAGS,
                viewport={"width": 1280, "height": 860},
            )

        try:
            yield new_context
        finally:
            for folder in folders:
                shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def page(_browser_context_factory: Any) -> Iterator[Any]:
    """A Playwright page in a fresh chromium profile."""
    context = _browser_context_factory()
    try:
        context.grant_permissions(["clipboard-read", "clipboard-write"])
        context.set_default_timeout(60_000)  # a shared, busy machine is slow, not broken
        yield context.pages[0] if context.pages else context.new_page()
    finally:
        context.close()
