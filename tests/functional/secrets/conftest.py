"""The ``hsrun secrets`` CLI, run through typer's CliRunner in a throwaway project."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from runtime.cli import app


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with one action selecting TEST_SECRET; state and config in tmp_path."""
    root = tmp_path / "project"
    actions = root / "actions"
    actions.mkdir(parents=True)
    (actions / "archive_contact.py").write_text(
        "import os\n\ndef main(event):\n    return {'outputData': {}}\n"
    )
    (actions / "archive_contact.toml").write_text('secrets = ["TEST_SECRET"]\n')
    monkeypatch.chdir(root)
    monkeypatch.setenv("HSRUN_HOME", str(root / ".hsrun"))
    monkeypatch.setenv("HSRUN_CONFIG_DIR", str(tmp_path / "config"))
    for var in (
        "HSRUN_SECRETS_KEY",
        "HSRUN_SECRETS_PASSPHRASE",
        "HSRUN_SECRETS_BACKEND",
        "HSRUN_SECRETS_FILE",
        "HSRUN_AWS_SECRETS_PREFIX",
    ):
        monkeypatch.delenv(var, raising=False)
    return root


@pytest.fixture
def hsrun(project: Path) -> Callable[..., Result]:
    """Run ``hsrun ARGS...``; keyword ``input`` feeds stdin."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), input=input)

    return invoke
