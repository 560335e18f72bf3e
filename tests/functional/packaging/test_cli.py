"""`hsrun check`, `hsrun package`, `hsrun init` through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import ROOT, hsrun
from typer.testing import CliRunner

from runtime.packaging import verify_marker

OK = 'def main(event):\n    return {"outputFields": {}}\n'

cli = CliRunner()


@pytest.fixture
def actions(tmp_path: Path) -> Path:
    folder = tmp_path / "actions"
    folder.mkdir()
    (folder / "good.py").write_text(OK)
    (folder / "warn.py").write_text("import urllib3\n" + OK)
    (folder / "_helpers.py").write_text("import pandas\n")  # a helper: not checked alone
    return folder


def test_check_passes_with_warnings_only(actions: Path) -> None:
    code, out, _ = hsrun("check", actions)
    assert code == 0
    assert f"{actions / 'warn.py'}:1:1: HS203 [warning] `urllib3`" in out
    assert out.endswith("Checked 2 actions: 0 errors, 1 warning (ok).\n")


def test_check_exits_1_on_errors(actions: Path) -> None:
    (actions / "bad.py").write_text(
        "def main(event):\n    match event:\n        case _:\n            pass\n"
    )
    code, out, _ = hsrun("check", actions)
    assert code == 1
    assert f"{actions / 'bad.py'}:2:5: HS105 [error]" in out
    assert "1 error, 1 warning (failed)" in out


def test_check_json(actions: Path) -> None:
    code, out, _ = hsrun("check", actions / "warn.py", "--format", "json", "--ignore", "HS2")
    assert code == 0
    assert json.loads(out)["summary"] == {"actions": 1, "errors": 0, "warnings": 0, "info": 0}


def test_check_of_a_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = hsrun("check", tmp_path / "nope.py")
    assert code == 2
    assert err.startswith("Error: no such file or folder")


def test_the_example_actions_pass_check() -> None:
    code, out, _ = hsrun("check", ROOT / "actions", "--ignore", "HS305")
    assert code == 0, out


def test_package_writes_the_file_and_the_flow_action(tmp_path: Path, actions: Path) -> None:
    (actions / "_text.py").write_text("def shout(s):\n    return s.upper()\n")
    (actions / "act.py").write_text(
        "from _text import shout\n\n"
        'def main(event):\n    return {"outputFields": {"x": shout("a")}}\n'
    )
    (actions / "act.toml").write_text('[outputs]\nx = "string"\n')
    out_dir = tmp_path / "dist"
    code, out, _ = hsrun("package", actions / "act.py", "-o", out_dir, "--action-id", "3")
    assert code == 0, out
    assert "Packaged" in out and "(inlined _text.py)" in out
    source = (out_dir / "act.py").read_text()
    assert verify_marker(source) is True and "from _text import" not in source
    flow = json.loads((out_dir / "act.action.json").read_text())
    assert flow["actionId"] == "3" and flow["sourceCode"] == source
    assert flow["outputFields"] == [{"name": "x", "type": "STRING"}]

    code, out, _ = hsrun("package", actions / "act.py", "-o", out_dir, "--format", "json")
    assert code == 0
    assert json.loads(out)["helpers"] == ["_text.py"]


def test_package_refuses_an_action_that_fails_check(tmp_path: Path, actions: Path) -> None:
    (actions / "bad.py").write_text("import pandas\n" + OK)
    code, _, err = hsrun("package", actions / "bad.py", "-o", tmp_path / "dist")
    assert code == 1
    assert "fails hsrun check" in err and "HS201" in err
    assert not (tmp_path / "dist").exists()


def test_init_creates_files_and_refuses_to_overwrite(tmp_path: Path) -> None:
    code, out, _ = hsrun("init", "enrich_company", "--root", tmp_path)
    assert code == 0, out
    assert (tmp_path / "actions" / "enrich_company.py").is_file()
    assert f"hsrun invoke {tmp_path / 'actions' / 'enrich_company.py'} --event" in out
    code, _, err = hsrun("init", "enrich_company", "--root", tmp_path)
    assert code == 2
    assert "not overwriting" in err and "enrich_company.py" in err
    code, _, err = hsrun("init", "enrich-company", "--root", tmp_path)
    assert code == 2 and "not a valid action name" in err
