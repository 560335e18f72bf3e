"""The thin client finds the daemon of the state folder the CLI would use."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from runtime._launch import FORWARDED, action_libs, daemon_enabled
from runtime._wire import state_home
from runtime.config import get_settings


@pytest.mark.parametrize(
    ("layout", "home_env", "start"),
    [
        (["proj/actions/"], None, "proj/actions"),
        (["proj/pyproject.toml", "proj/src/"], None, "proj/src"),
        (["proj/.hsrun/", "proj/deep/er/"], None, "proj/deep/er"),
        (["bare/"], None, "bare"),
        (["proj/actions/"], "state", "proj"),
        (["proj/actions/"], "~/hsrun-state", "proj"),
    ],
)
def test_state_home_is_the_settings_home(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    layout: list[str],
    home_env: str | None,
    start: str,
) -> None:
    for entry in layout:
        path = tmp_path / entry
        if entry.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
    monkeypatch.setenv("HOME", str(tmp_path))
    if home_env is None:
        monkeypatch.delenv("HSRUN_HOME", raising=False)
    else:
        monkeypatch.setenv("HSRUN_HOME", home_env)
    monkeypatch.chdir(tmp_path / start)
    assert state_home(os.getcwd(), os.environ) == str(get_settings().home)


@pytest.mark.parametrize(
    ("libs_env", "installed"),
    [(None, False), (None, True), ("off", True), ("../vendored", False), ("~/vendored", True)],
)
def test_action_libs_is_the_settings_folder(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    libs_env: str | None,
    installed: bool,
) -> None:
    # The launcher prespawns a child for the folder it resolves; the runner uses the
    # settings' folder. They must be the same folder, or the prespawn is wasted.
    project = tmp_path / "proj"
    (project / "actions").mkdir(parents=True)
    (project / "vendored").mkdir()
    (tmp_path / "vendored").mkdir()
    if installed:
        (project / ".hsrun" / "libs" / "python39").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("HSRUN_HOME", raising=False)
    if libs_env is None:
        monkeypatch.delenv("HSRUN_LIBS", raising=False)
    else:
        monkeypatch.setenv("HSRUN_LIBS", libs_env)
    monkeypatch.chdir(project / "actions")
    expected = get_settings().action_libs()
    found = action_libs(os.getcwd(), os.environ)
    assert found == (str(expected) if expected is not None else None)
    assert (found is None) == (libs_env == "off" or (libs_env is None and not installed))


def test_what_is_forwarded_and_how_to_turn_it_off() -> None:
    assert {"invoke", "history", "show", "check", "package"} == FORWARDED
    assert daemon_enabled({})
    assert daemon_enabled({"HSRUN_DAEMON": "1"})
    for off in ("0", "false", "No", " off "):
        assert not daemon_enabled({"HSRUN_DAEMON": off})
