"""`hsrun ui` as a real process on loopback, and a real browser (Debian's chromium driven by
Playwright through its executable path) for the page tests."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
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
        out, err = board.stop()
        assert "Stopped." in out
        assert "Traceback" not in err, err


def _chromium_missing() -> str | None:
    if Path(CHROMIUM).is_file() or shutil.which(CHROMIUM):
        return None
    return (
        f"no chromium at {CHROMIUM} (apt-get install chromium; .ci/run installs it, "
        "HSRUN_TEST_CHROMIUM points elsewhere)"
    )


@pytest.fixture(scope="session")
def _browser() -> Iterator[Any]:
    """One chromium for the session (Playwright starts it on a fresh temporary profile)."""
    missing = _chromium_missing()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests must run in CI: {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(_browser: Any) -> Iterator[Any]:
    """A Playwright page in its own browser context: no cookies, storage or cache shared
    with another test."""
    context = _browser.new_context(viewport={"width": 1280, "height": 860})
    try:
        context.grant_permissions(["clipboard-read", "clipboard-write"])
        context.set_default_timeout(60_000)  # a shared, busy machine is slow, not broken
        yield context.new_page()
    finally:
        context.close()
