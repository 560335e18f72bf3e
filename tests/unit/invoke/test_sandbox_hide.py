"""What a sandboxed run hides, whatever folder the action is kept in."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime.invoke.sandbox import default_hide


def test_the_home_folder_is_hidden_where_the_action_is_not_kept_in_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    project = tmp_path / "proj"
    hidden = default_hide(
        state=project / ".hsrun", config=home / ".config/hsrun", project=project,
        keep=[str(project / "actions")],
    )  # fmt: skip
    assert str(home) in hidden
    assert str(project / ".hsrun") in hidden and str(project / "secrets.env") in hidden


def test_an_action_kept_in_the_home_folder_itself_stays_visible(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    hidden = default_hide(
        state=tmp_path / ".hsrun", config=tmp_path / ".config/hsrun", project=tmp_path,
        keep=[str(tmp_path)],
    )  # fmt: skip
    assert str(tmp_path) not in hidden
    # The secrets in it are still out of reach.
    assert str(tmp_path / ".hsrun") in hidden and str(tmp_path / ".config/hsrun") in hidden
