"""Real daemons on temporary state folders, driven through ``python -m runtime``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from daemon_support import Daemons, Hsrun


def _daemons() -> Iterator[Daemons]:
    daemons = Daemons()
    try:
        yield daemons
    finally:
        survivors = daemons.stop_all()
    assert not survivors, f"processes outlived the test: {survivors}"


daemons = pytest.fixture(_daemons)
shared_daemons = pytest.fixture(scope="module")(_daemons)


@pytest.fixture
def hsrun(tmp_path: Path) -> Hsrun:
    """hsrun in tmp_path, on this test's state folder (see the top-level conftest)."""
    return Hsrun(home=Path(os.environ["HSRUN_HOME"]), cwd=tmp_path)
