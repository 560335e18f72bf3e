"""The runner imports from a library folder first, in every way it starts an action."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from helpers import gone, wait_until
from libs_support import FAKE_DIST_VERSION, FAKE_VERSION, OWN_REQUESTS, make_fake_libs

from runtime.contract.record import RunResult
from runtime.invoke import Runner, RunOptions, _early, _process

MODES = {
    "zygote": {"zygote": True},
    "direct": {"zygote": False},
    "warm": {"warm": True},
}


@pytest.mark.parametrize("mode", MODES)
def test_the_action_imports_requests_from_the_folder(
    mode: str, fake_libs: Path, version_action: Path
) -> None:
    with Runner(RunOptions(timeout_s=10, libs=fake_libs, **MODES[mode])) as runner:
        first = runner.run(version_action)
        second = runner.run(version_action)
    assert first.status == "SUCCESS", first.error
    assert first.outputs["version"] == second.outputs["version"] == FAKE_VERSION
    # Warm runs share one process (module state survives), cold runs never do.
    assert second.outputs["runs"] == (2 if mode == "warm" else 1)


def test_the_record_names_the_folder_and_the_versions_that_ran(
    fake_libs: Path, version_action: Path
) -> None:
    with Runner(RunOptions(timeout_s=10, libs=fake_libs)) as runner:
        result = runner.run(version_action)
    assert result.libraries_folder == str(fake_libs.resolve())
    assert result.libraries["requests"] == FAKE_DIST_VERSION
    # Libraries the folder lacks still come from hsrun's environment, and say so.
    assert "urllib3" in result.libraries
    assert RunResult.from_dict(result.to_dict()).libraries == result.libraries


def test_records_written_before_library_sets_still_load(version_action: Path) -> None:
    with Runner(RunOptions(timeout_s=10, project_libs=False)) as runner:
        data = runner.run(version_action).to_dict()
    del data["libraries"], data["libraries_folder"]
    loaded = RunResult.from_dict(data)
    assert (loaded.libraries, loaded.libraries_folder) == ({}, None)


def test_one_runner_keeps_each_folders_libraries_apart(
    fake_libs: Path, version_action: Path
) -> None:
    with Runner(RunOptions(timeout_s=10)) as runner:
        runner.start()  # a zygote with hsrun's own libraries, started first
        own = runner.run(version_action)
        fake = runner.run(version_action, options=RunOptions(timeout_s=10, libs=fake_libs))
        own_again = runner.run(version_action)
    assert own.outputs["version"] == own_again.outputs["version"] == OWN_REQUESTS
    assert fake.outputs["version"] == FAKE_VERSION
    assert own.libraries_folder is None and fake.libraries_folder == str(fake_libs.resolve())


def test_the_projects_installed_set_is_used_by_default(
    project_fake_libs: Path, version_action: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Runner(RunOptions(timeout_s=10)) as runner:
        assert runner.run(version_action).outputs["version"] == FAKE_VERSION
        monkeypatch.setenv("HSRUN_LIBS", "0")
        assert runner.run(version_action).outputs["version"] == OWN_REQUESTS
        monkeypatch.delenv("HSRUN_LIBS")
        opted_out = RunOptions(timeout_s=10, project_libs=False)
        assert runner.run(version_action, options=opted_out).outputs["version"] == OWN_REQUESTS


def test_hsrun_libs_may_name_another_folder(
    fake_libs: Path, version_action: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HSRUN_LIBS", str(fake_libs))
    with Runner(RunOptions(timeout_s=10)) as runner:
        result = runner.run(version_action)
    assert result.outputs["version"] == FAKE_VERSION


def test_the_pytest_fixture_uses_the_projects_set(
    project_fake_libs: Path, version_action: Path, run_action: Any
) -> None:
    result = run_action(version_action, timeout_s=10)
    assert result.outputs["version"] == FAKE_VERSION
    assert result.libraries_folder == str(project_fake_libs.resolve())


def test_a_prespawned_child_is_used_only_for_its_own_folder(
    fake_libs: Path, version_action: Path
) -> None:
    direct = RunOptions(timeout_s=10, zygote=False, libs=fake_libs)
    # Started for hsrun's own libraries, as a launcher guessing wrong would: not used.
    _process.prespawn(libs=None)
    wrong = _early._started
    assert wrong is not None
    with Runner(direct) as runner:
        assert runner.run(version_action).outputs["version"] == FAKE_VERSION
    assert _early._started is None
    assert wait_until(lambda: gone(wrong.pid), 5.0)  # stopped, not left running
    # Started for the same folder: taken, and it imported from the folder.
    _process.prespawn(libs=str(fake_libs.resolve()))
    assert _early._started is not None
    with Runner(direct) as runner:
        result = runner.run(version_action)
    assert result.outputs["version"] == FAKE_VERSION
    assert _early._started is None


def test_tests_with_an_isolated_state_folder_run_the_projects_set(
    tmp_path: Path, version_action: Path, run_action: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Where `hsrun libs install` puts the set: the project's .hsrun/, whatever HSRUN_HOME says
    # (the suite's conftest points HSRUN_HOME at a temporary folder, as generated tests do).
    installed = make_fake_libs(tmp_path / ".hsrun" / "libs" / "python39")
    assert Path(os.environ["HSRUN_HOME"]).resolve() != (tmp_path / ".hsrun").resolve()
    result = run_action(version_action, timeout_s=10)
    assert result.outputs["version"] == FAKE_VERSION  # what `hsrun invoke` runs
    assert result.libraries_folder == str(installed.resolve())
    monkeypatch.setenv("HSRUN_LIBS", "0")  # the explicit opt-out
    assert run_action(version_action, timeout_s=10).outputs["version"] == OWN_REQUESTS
