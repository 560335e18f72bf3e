"""`hsrun libs status | remove | install` and `hsrun invoke` with a library folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import EVENTS, hsrun
from libs_support import FAKE_VERSION, OWN_REQUESTS, make_fake_libs
from typer.testing import CliRunner

from runtime.config import get_settings

cli = CliRunner()


def console(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The console script as a user runs it (its launcher prespawns the action's process)."""
    return subprocess.run(
        [sys.executable, "-m", "runtime", *args],
        cwd=cwd,
        env={**os.environ, "HSRUN_DAEMON": "0", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_status_without_a_set_names_hsruns_own_versions() -> None:
    code, out, _ = hsrun("libs", "status")
    assert code == 0
    assert "No HubSpot library set is installed" in out
    assert f"hsrun's own environment: requests {OWN_REQUESTS}" in out.replace("\n", " ")
    assert "hsrun libs install" in out


def test_status_lists_the_installed_set(project_fake_libs: Path) -> None:
    code, out, _ = hsrun("libs", "status")
    assert code == 0
    assert "requests  2.28.2+fake  (HubSpot's list)" in out
    assert "Actions import from it first" in out
    code, out, _ = hsrun("libs", "status", "--json")
    data = json.loads(out)
    assert data["installed"]["packages"] == {"requests": "2.28.2+fake"}
    assert data["in_use"] == str(project_fake_libs.resolve())


def test_status_says_when_hsrun_libs_turns_the_set_off(
    project_fake_libs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HSRUN_LIBS", "off")
    _, out, _ = hsrun("libs", "status")
    assert "Actions run with hsrun's own environment" in out
    assert "HSRUN_LIBS turns the installed set off" in out


def test_remove_deletes_the_set(project_fake_libs: Path) -> None:
    code, out, _ = hsrun("libs", "remove")
    assert code == 0 and "Removed" in out
    assert not project_fake_libs.exists()
    assert list(project_fake_libs.parent.iterdir()) == [project_fake_libs.parent / ".lock"]
    code, out, _ = hsrun("libs", "remove")
    assert code == 0 and "nothing to remove" in out


def test_an_unreachable_index_changes_nothing(
    project_fake_libs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A real pip against an index nobody listens on (port 9, loopback): offline and quick.
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    for name in ("PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_NO_INDEX"):
        monkeypatch.delenv(name, raising=False)
    code, _, err = hsrun("libs", "install")
    assert code == 10
    assert "could not reach the package index" in err
    assert "nothing was changed" in err
    # The set in place is untouched, and no half-filled folder is left behind.
    assert (project_fake_libs / "requests" / "__init__.py").exists()
    assert sorted(p.name for p in project_fake_libs.parent.iterdir()) == [".lock", "python39"]


def test_invoke_uses_the_projects_set(project_fake_libs: Path, version_action: Path) -> None:
    code, out, _ = hsrun("invoke", str(version_action), "--json")
    record = json.loads(out)
    assert code == 0, record["error"]
    assert record["outputs"]["version"] == FAKE_VERSION
    assert record["libraries"]["requests"] == "2.28.2+fake"
    assert record["libraries_folder"] == str(project_fake_libs.resolve())


@pytest.mark.parametrize(
    ("env", "expected"),
    [({}, FAKE_VERSION), ({"HSRUN_LIBS": "0"}, OWN_REQUESTS)],
    ids=["installed-set", "opted-out"],
)
def test_the_console_script_prespawns_with_the_same_folder(
    project_fake_libs: Path, version_action: Path, env: dict[str, str], expected: str
) -> None:
    done = console(version_action.parent.parent, "invoke", str(version_action), "--json", **env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["outputs"]["version"] == expected


def test_a_missing_hsrun_libs_folder_is_an_error(version_action: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    done = console(tmp_path, "invoke", str(version_action), HSRUN_LIBS=str(missing))
    assert done.returncode == 2
    assert f"HSRUN_LIBS={missing}: no such folder" in done.stderr


def test_batch_runs_use_the_projects_set(
    project_fake_libs: Path, version_action: Path, tmp_path: Path
) -> None:
    events = tmp_path / "events.jsonl"
    event = json.loads((EVENTS / "archive_contact.json").read_text())
    events.write_text("\n".join(json.dumps(event) for _ in range(3)) + "\n")
    code, out, _ = hsrun("invoke", str(version_action), "--events", str(events), "--json")
    assert code == 0
    assert {run["outputs"]["version"] for run in json.loads(out)["runs"]} == {FAKE_VERSION}


def test_a_hand_made_folder_is_described_from_its_packages(tmp_path: Path) -> None:
    make_fake_libs(get_settings().libs_path)
    _, out, _ = hsrun("libs", "status", "--json")
    assert json.loads(out)["installed"]["requested"] == []


def test_the_launcher_starts_the_actions_process_before_importing_the_cli(
    tmp_path: Path,
) -> None:
    # The action's process (with the library folder's modules) must start while the CLI is
    # still being imported. To see the order without timing anything, the CLI's import
    # waits for the action's process to have imported the library folder, then fails.
    libs, stubs, action = tmp_path / "libs", tmp_path / "stubs", tmp_path / "act.py"
    libs.mkdir()
    stubs.mkdir()
    marker = tmp_path / "preloaded"
    (libs / "requests.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    (stubs / "typer.py").write_text(
        "import os, time\n"
        "deadline = time.monotonic() + 30\n"
        f"while not os.path.exists({str(marker)!r}) and time.monotonic() < deadline:\n"
        "    time.sleep(0.01)\n"
        "raise ImportError('the CLI is not needed for this test')\n"
    )
    # It names requests: the launcher's process pre-imports what the action imports.
    action.write_text("import requests\n\ndef main(event):\n    pass\n")
    # HSRUN_FAST=0: the full CLI (the one-shot path imports no typer at all).
    done = console(
        tmp_path,
        "invoke",
        str(action),
        HSRUN_LIBS=str(libs),
        PYTHONPATH=str(stubs),
        HSRUN_FAST="0",
    )
    assert "the CLI is not needed for this test" in done.stderr
    assert marker.exists()  # imported by a process started before the CLI's import ended
