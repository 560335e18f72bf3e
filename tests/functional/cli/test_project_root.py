"""Which project's state a command uses: found as git finds its repository.

`hsrun invoke ../proj/actions/x.py` from another folder uses ``../proj/.hsrun`` (and says so),
never a new ``.hsrun/`` in the working folder; outside any project it says where it creates one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from runtime.config import get_settings

ACTION = 'def main(event):\n    return {"outputFields": {"ok": True}}\n'


def _project(root: Path) -> Path:
    (root / "actions").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'proj'\n")
    action = root / "actions" / "ping.py"
    action.write_text(ACTION)
    return action


def _hsrun(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "HSRUN_HOME"}  # as a user runs it
    return subprocess.run(
        [sys.executable, "-m", "runtime", *args],
        cwd=cwd,
        env={**env, "HSRUN_DAEMON": "0"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_an_action_in_another_folder_uses_its_projects_state(tmp_path: Path) -> None:
    action = _project(tmp_path / "proj")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = _hsrun(elsewhere, "invoke", "../proj/actions/ping.py", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "SUCCESS"
    state = (tmp_path / "proj" / ".hsrun").resolve()
    assert (state / "journal.db").exists()  # the run is in the project's history
    assert not (elsewhere / ".hsrun").exists()  # no second, silent state folder
    assert f"Using the state folder of {action.parent.parent.resolve()}" in done.stderr
    history = _hsrun(tmp_path / "proj" / "actions", "history", "--json")
    assert [run["status"] for run in json.loads(history.stdout)] == ["SUCCESS"]


def test_inside_the_project_nothing_is_said(tmp_path: Path) -> None:
    _project(tmp_path / "proj")
    done = _hsrun(tmp_path / "proj", "invoke", "actions/ping.py", "--json")
    assert done.returncode == 0, done.stderr
    assert "state folder" not in done.stderr


def test_outside_any_project_the_new_state_folder_is_named(tmp_path: Path) -> None:
    loose = tmp_path / "loose"
    loose.mkdir()
    (loose / "ping.py").write_text(ACTION)
    done = _hsrun(loose, "invoke", "ping.py", "--json")
    assert done.returncode == 0, done.stderr
    assert "no project found" in done.stderr
    assert f"creating the state folder {(loose / '.hsrun').resolve()}" in done.stderr


def test_the_walk_starts_at_the_action_then_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    action = _project(tmp_path / "proj")
    other = tmp_path / "other"
    (other / "deep").mkdir(parents=True)
    (other / ".hsrun").mkdir()  # an existing state folder marks a project too
    monkeypatch.delenv("HSRUN_HOME")
    monkeypatch.chdir(other / "deep")
    assert get_settings(action=action).home == (tmp_path / "proj" / ".hsrun").resolve()
    assert get_settings().home == (other / ".hsrun").resolve()
    assert get_settings(action=action).libs_path.is_relative_to((tmp_path / "proj").resolve())
