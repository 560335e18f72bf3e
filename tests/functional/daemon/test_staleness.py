"""A daemon whose code changed under it stops serving, and the command runs here instead."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from daemon_support import Daemons, Hsrun, gone, wait_until

import runtime.journal
from runtime.daemon._server import CodeSnapshot


@pytest.fixture
def touched() -> Iterator[Path]:
    """A loaded hsrun source file whose mtime moves forward (and back afterwards)."""
    path = Path(runtime.journal.__file__).resolve()
    before = os.stat(path)
    try:
        yield path
    finally:
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def _touch(path: Path) -> None:
    found = os.stat(path)
    os.utime(path, ns=(found.st_atime_ns, found.st_mtime_ns + 1_000_000_000))


def test_a_snapshot_names_the_loaded_file_that_changed(touched: Path) -> None:
    snapshot = CodeSnapshot()
    snapshot.keep_loaded()
    assert snapshot.changed() is None
    _touch(touched)
    assert snapshot.changed() == str(touched)


def test_a_snapshot_notices_an_installed_distribution(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "path", [*sys.path, str(tmp_path)])
    snapshot = CodeSnapshot()
    snapshot.keep_loaded()
    (tmp_path / "newlib-1.0.dist-info").mkdir()  # what pip install leaves behind
    assert snapshot.changed() == "the installed distributions"


def test_an_edited_hsrun_file_retires_the_daemon_and_the_command_runs_here(
    hsrun: Hsrun, daemons: Daemons, touched: Path
) -> None:
    status = daemons.start(hsrun)
    assert hsrun.run("history").returncode == 0
    assert hsrun.served() == 1
    _touch(touched)
    result = hsrun.run("history")
    assert result.returncode == 0, result.stderr
    assert wait_until(lambda: gone(status.pid))  # it knew it was stale, and stopped
    assert hsrun.status() is None
