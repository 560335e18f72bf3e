from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from runtime.invoke import Runner, RunOptions


@pytest.fixture(scope="session")
def node_runner(node_runtimes: dict[str, Any]) -> Iterator[Runner]:
    """One runner (one Node pool) for the session, with a short clock for timeout tests."""
    with Runner(RunOptions(timeout_s=5)) as shared:
        yield shared


@pytest.fixture
def write_js(tmp_path: Path) -> Callable[..., Path]:
    """Write ``name.js`` (and its manifest) into tmp_path; returns the .js path."""

    def write(source: str, manifest: str = "", name: str = "act", runtime: str = "NODE24X") -> Path:
        path = tmp_path / f"{name}.js"
        path.write_text(textwrap.dedent(source))
        path.with_suffix(".toml").write_text(f'runtime = "{runtime}"\n' + textwrap.dedent(manifest))
        return path

    return write
