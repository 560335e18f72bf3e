"""Input that once made hsrun exit 70 with a traceback: each gets a clear error instead."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from runtime.cli import app

OK = "def main(event):\n    return {'outputFields': {}}\n"


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text(OK)
    return tmp_path


def hsrun(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    return result.exit_code, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"\xff\xfe{\x00}\x00", "UTF-16"),
        (b'{"x": "\xff"}', "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (
            b'{"origin": {"portalId": 1, "actionDefinitionId": 1}, "object": {"objectType": '
            b'"CONTACT", "objectId": ' + b"9" * 5000 + b'}, "inputFields": {}, "callbackId": "x"}',
            "not a usable event",
        ),
    ],
    ids=["utf16", "not-utf8", "deep", "5000-digits"],
)
def test_a_bad_event_file_is_a_usage_error(here: Path, content: bytes, says: str) -> None:
    (here / "event.json").write_bytes(content)
    code, out = hsrun("invoke", "a.py", "--event", "event.json")
    assert code == 2
    assert says in out


def test_a_5000_digit_object_id_is_refused(here: Path) -> None:
    code, out = hsrun("invoke", "a.py", "--object-id", "9" * 5000)
    assert code == 2
    assert "object-id" in out


@pytest.mark.parametrize("kind", ["folder", "fifo", "device", "deep"])
def test_a_manifest_that_is_not_a_toml_file_is_an_error(here: Path, kind: str) -> None:
    manifest = here / "a.toml"
    if kind == "folder":
        manifest.mkdir()
    elif kind == "fifo":
        os.mkfifo(manifest)
    elif kind == "device":
        manifest.symlink_to("/dev/zero")
    else:
        manifest.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n")
    code, out = hsrun("invoke", "a.py")
    assert code == 2
    assert "a.toml" in out
    code, out = hsrun("check", "a.py")
    assert code == 1
    assert "a.toml" in out


def test_a_link_to_a_file_that_is_not_python_is_refused(here: Path) -> None:
    (here / "notes.txt").write_text("import os\n")
    (here / "link.py").symlink_to(here / "notes.txt")
    code, out = hsrun("invoke", "link.py")
    assert code == 2
    assert "which is not a .py file" in out


def test_an_action_name_that_is_not_utf8_is_refused(here: Path) -> None:
    name = os.fsdecode(b"\xff.py")
    (here / name).write_text(OK)
    code, out = hsrun("invoke", name)
    assert code == 2
    assert "not UTF-8" in out


def test_history_takes_a_huge_limit(here: Path) -> None:
    code, out = hsrun("history", "--limit", str(10**20), "--json")
    assert code == 0
    assert json.loads(out) == []


def test_a_python_that_is_not_python_is_a_usage_error(here: Path) -> None:
    code, out = hsrun("invoke", "a.py", "--python", "/bin/true")
    assert code == 2
    assert "did not start" in out


def test_a_full_disk_still_prints_the_result_and_says_what_was_not_saved(
    tmp_path: Path,
) -> None:
    unshare = shutil.which("unshare")
    if os.geteuid() != 0 or unshare is None:
        pytest.skip("needs root and unshare(1) for a small private disk")
    state = tmp_path / "state"
    state.mkdir()
    (tmp_path / "fill.py").write_text(
        "def main(event):\n"
        "    try:\n"
        f"        with open({str(state / 'filler')!r}, 'wb') as fh:\n"
        "            while True:\n"
        "                fh.write(b'x' * 65536)\n"
        "    except OSError:\n"
        "        pass\n"
        "    return {'outputFields': {'done': True}}\n"
    )
    script = f'mount -t tmpfs -o size=2m tmpfs {state} && exec "$@"'
    done = subprocess.run(
        [
            unshare,
            "--mount",
            "sh",
            "-c",
            script,
            "sh",
            sys.executable,
            "-m",
            "runtime",
            "invoke",
            "fill.py",
            "--json",
        ],
        cwd=tmp_path,
        env={**os.environ, "HSRUN_HOME": str(state), "HSRUN_ISOLATION": "process"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["outputs"] == {"done": True}
    assert record["unsaved"] and record["unsaved"][0].startswith("journal:")
    assert "was not fully saved" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_journal_files_are_private(here: Path) -> None:
    code, _ = hsrun("invoke", "a.py")
    assert code == 0
    home = Path(os.environ["HSRUN_HOME"])
    for path in home.glob("journal.db*"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
