"""`hsrun invoke` of Node.js actions through the real CLI: panel, --format lambda, --json,
--warm batches, history and show."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from runtime.cli import app

ROOT = Path(__file__).resolve().parents[3]
ACTIONS = ROOT / "actions"
EVENTS = ROOT / "tests" / "events"

pytestmark = pytest.mark.usefixtures("node_runtimes")


def hsrun(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_invoke_js_shows_the_panel_with_the_node_version() -> None:
    code, out, _ = hsrun(
        "invoke", str(ACTIONS / "format_phone.js"), "--input", "phone=(555) 010-2233"
    )
    assert code == 0
    assert "Success" in out
    assert '"+15550102233"' in out
    assert "node 24." in out
    assert "HS501" not in out  # the run itself is the check


def test_format_lambda_prints_nodes_start_end_report_and_invoke_error(tmp_path: Path) -> None:
    action = tmp_path / "boom.js"
    action.write_text(
        "exports.main = async () => { console.log('about to fail');\n"
        "  throw new TypeError('boom'); };\n"
    )
    code, out, _ = hsrun("invoke", str(action), "--format", "lambda")
    assert code != 0
    lines = out.splitlines()
    assert lines[0].startswith("START RequestId: ")
    assert lines[1].split("\t")[2:] == ["INFO", "about to fail"]
    stamp, request_id, level, text, payload = lines[2].split("\t")
    assert stamp.endswith("Z")
    assert request_id == lines[0].split()[2]
    assert (level, text) == ("ERROR", "Invoke Error ")
    error = json.loads(payload)
    assert (error["errorType"], error["errorMessage"]) == ("TypeError", "boom")
    assert error["stack"][0] == "TypeError: boom"
    assert lines[3].startswith("END RequestId: ")
    assert lines[4].startswith("REPORT RequestId: ") and "Init Duration" in lines[4]
    response = json.loads(lines[5])  # the error document Node's runtime answers with
    assert (response["errorType"], response["errorMessage"]) == ("TypeError", "boom")
    assert response["trace"][0] == "TypeError: boom"


def test_json_record_and_history(tmp_path: Path) -> None:
    code, out, _ = hsrun(
        "invoke", str(ACTIONS / "format_phone.js"), "--input", "phone=12", "--json"
    )
    record: dict[str, Any] = json.loads(out)
    assert code == 0
    assert record["status"] == "SUCCESS"
    assert record["runtime"] == "NODE24X"
    assert record["outputs"] == {"phone_e164": "", "phone_valid": "no"}
    code, out, _ = hsrun("show", record["run_id"], "--json")
    assert code == 0
    assert json.loads(out)["outputs"] == record["outputs"]


@pytest.mark.parametrize("warm", [False, True])
def test_a_batch_of_events(warm: bool) -> None:
    args = [
        "invoke",
        str(ACTIONS / "format_phone.js"),
        "--events",
        str(EVENTS / "format_phone.jsonl"),
        "--json",
    ]
    code, out, _ = hsrun(*args, *(["--warm"] if warm else []))
    assert code == 0, out
    report = json.loads(out)
    assert report["summary"]["by_status"] == {"SUCCESS": 4}
    assert sorted(r["outputs"]["phone_valid"] for r in report["runs"]) == [
        "no",
        "yes",
        "yes",
        "yes",
    ]


def test_the_no_callback_switch_from_the_command_line(tmp_path: Path) -> None:
    action = tmp_path / "silent.js"
    action.write_text("exports.main = (event, callback) => { console.log('no callback'); };\n")
    action.with_suffix(".toml").write_text('runtime = "NODE20X"\n')
    code, out, _ = hsrun("invoke", str(action), "--json")
    assert json.loads(out)["status"] == "SUCCESS"
    args = ["invoke", str(action), "--json", "--timeout", "1", "--node-no-callback", "timeout"]
    code, out, _ = hsrun(*args)
    assert json.loads(out)["status"] == "TIMEOUT"
    code, _, err = hsrun("invoke", str(action), "--node-no-callback", "never")
    assert code == 2
    assert "node_no_callback is succeed or timeout" in err
