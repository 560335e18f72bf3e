"""What many test modules share: the repository's folders and the CLI run in-process.

Importable as ``helpers`` from every test module (``tests/`` is on ``sys.path`` because
``tests/conftest.py`` lives there).
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ACTIONS = ROOT / "actions"
EVENTS = ROOT / "tests" / "events"
DOCS = ROOT / "docs"
RUNTIME = ROOT / "runtime"


def hsrun(*args: str | os.PathLike[str], input: str | None = None) -> tuple[int, str, str]:
    """``hsrun ARGS`` through typer's CliRunner in this process: exit code, stdout, stderr.

    ``input`` is fed to stdin. The terminal is wide (250 columns) so that rich does not wrap
    what a test looks for.
    """
    from typer.testing import CliRunner

    from runtime.cli import app

    env = {"COLUMNS": "250"}
    result = CliRunner().invoke(app, [os.fspath(a) for a in args], input=input, env=env)
    return result.exit_code, result.stdout, result.stderr
