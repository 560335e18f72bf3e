from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from runtime.invoke import Runner, RunOptions


@pytest.fixture(scope="session")
def runner() -> Iterator[Runner]:
    """One runner (one zygote) for the whole session, as a developer's test run would use."""
    with Runner(RunOptions(timeout_s=5)) as shared:
        shared.start()
        yield shared


@pytest.fixture
def write_action(tmp_path: Path) -> Callable[..., Path]:
    """Write an action (and optionally its manifest) into tmp_path; returns the .py path."""

    def write(source: str, manifest: str | None = None, name: str = "act") -> Path:
        path = tmp_path / f"{name}.py"
        path.write_text(textwrap.dedent(source))
        if manifest is not None:
            path.with_suffix(".toml").write_text(textwrap.dedent(manifest))
        return path

    return write
