"""The thin client finds the daemon of the state folder the CLI would use."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from runtime._launch import FORWARDED, daemon_enabled, state_home
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


def test_what_is_forwarded_and_how_to_turn_it_off() -> None:
    assert {"invoke", "history", "show", "check", "package"} == FORWARDED
    assert daemon_enabled({})
    assert daemon_enabled({"HSRUN_DAEMON": "1"})
    for off in ("0", "false", "No", " off "):
        assert not daemon_enabled({"HSRUN_DAEMON": off})
