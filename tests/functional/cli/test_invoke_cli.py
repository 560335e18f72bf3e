"""`hsrun invoke`, `history`, `show` through the real CLI."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import ACTIONS, EVENTS, ROOT, hsrun
from typer.testing import CliRunner

from runtime.cli import app

cli = CliRunner()


def test_invoke_shows_hubspots_test_panel() -> None:
    code, out, _ = hsrun(
        "invoke",
        str(ACTIONS / "format_phone.py"),
        "--input",
        "phone=(555) 010-2233",
        "--input",
        "country=US",
    )
    assert code == 0
    assert "✔ Success" in out
    assert "phone_e164" in out and '"+15550102233"' in out
    assert "Memory: " in out and "/128 MB  Runtime: " in out


def test_invoke_json_is_the_run_record() -> None:
    code, out, _ = hsrun(
        "invoke",
        str(ACTIONS / "lead_score.py"),
        "--event",
        str(EVENTS / "lead_score.json"),
        "--json",
    )
    assert code == 0
    record = json.loads(out)
    assert record["status"] == "SUCCESS"
    assert record["outputs"] == {"score": 77, "tier": "hot"}
    assert record["callback_id"] == "ap-12345678-987654321-2-0"
    assert record["version"] == 1


def test_invoke_lambda_format() -> None:
    code, out, _ = hsrun(
        "invoke",
        str(ACTIONS / "lead_score.py"),
        "--event",
        str(EVENTS / "lead_score.json"),
        "--format",
        "lambda",
    )
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("START RequestId: ")
    assert lines[-3].startswith("END RequestId: ")
    assert lines[-2].startswith("REPORT RequestId: ")
    assert "\tBilled Duration: " in lines[-2] and "\tMemory Size: 128 MB\t" in lines[-2]
    # Then the handler's response, as sam local invoke prints it.
    assert lines[-1] == '{"outputFields": {"score": 77, "tier": "hot"}}'


def test_exit_codes_follow_the_status(tmp_path: Path) -> None:
    loop = tmp_path / "loop.py"
    loop.write_text("def main(event):\n    while True:\n        pass\n")
    fail = tmp_path / "fail.py"
    fail.write_text("def main(event):\n    raise ValueError('nope')\n")
    assert hsrun("invoke", str(loop), "--timeout", "0.3")[0] == 3
    code, out, _ = hsrun("invoke", str(fail))
    assert code == 1
    assert "ValueError: nope" in out


def test_history_and_show(tmp_path: Path) -> None:
    fail = tmp_path / "fail.py"
    fail.write_text("def main(event):\n    raise ValueError('nope')\n")
    hsrun("invoke", str(ACTIONS / "format_phone.py"), "--input", "phone=5550102233")
    hsrun("invoke", str(fail))
    code, out, _ = hsrun("history", "--status", "FAILED", "--since", "1h", "--json")
    assert code == 0
    runs = json.loads(out)
    assert [r["action"] for r in runs] == [str(fail)]
    run_id = runs[0]["run_id"]
    code, out, _ = hsrun("show", run_id[:6], "--format", "lambda")
    assert code == 0
    assert "[ERROR] ValueError: nope" in out
    code, out, _ = hsrun("history", "--action", "format_phone")
    assert code == 0 and "SUCCESS" in out and "FAILED" not in out


def test_show_unknown_run() -> None:
    code, _, err = hsrun("show", "abcdef")
    assert code == 2
    assert "no run 'abcdef'" in err


def test_malformed_event_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "event.json"
    bad.write_text("{not json")
    code, _, err = hsrun("invoke", str(ACTIONS / "lead_score.py"), "--event", str(bad))
    assert code == 2
    assert f"Error: {bad}: not valid JSON (line 1, column 2" in err


def test_malformed_manifest_names_file_key_and_expectation(tmp_path: Path) -> None:
    action = tmp_path / "act.py"
    action.write_text("def main(event):\n    return {}\n")
    action.with_suffix(".toml").write_text('[outputs]\nscore = "integer"\n')
    code, _, err = hsrun("invoke", str(action))
    assert code == 2
    assert f"invalid manifest {action.with_suffix('.toml')}" in err
    assert "key 'outputs.score.type': expected one of string|number" in err


def test_missing_action_file(tmp_path: Path) -> None:
    code, _, err = hsrun("invoke", str(tmp_path / "nope.py"))
    assert code == 2
    assert "action file not found" in err


def test_bad_input_flag() -> None:
    code, _, err = hsrun("invoke", str(ACTIONS / "format_phone.py"), "--input", "phone")
    assert code == 2
    assert "--input takes NAME=VALUE" in err


def test_secrets_from_an_env_file(tmp_path: Path) -> None:
    action = tmp_path / "act.py"
    action.write_text(
        "import os\ndef main(event):\n    print(os.environ['TOKEN'])\n"
        "    return {'outputFields': {'n': len(os.environ['TOKEN'])}}\n"
    )
    action.with_suffix(".toml").write_text('secrets = ["TOKEN"]\n')
    env = tmp_path / "secrets.env"
    env.write_text("TOKEN=pat-na1-from-env-file\nUNUSED=zzz\n")
    code, out, _ = hsrun("invoke", str(action), "--env-file", str(env), "--json")
    assert code == 0
    record = json.loads(out)
    assert record["outputs"] == {"n": len("pat-na1-from-env-file")}
    assert record["logs"][0]["text"] == "[TOKEN]"
    assert "pat-na1-from-env-file" not in out


def test_missing_secret_in_env_file(tmp_path: Path) -> None:
    action = tmp_path / "act.py"
    action.write_text("def main(event):\n    pass\n")
    action.with_suffix(".toml").write_text('secrets = ["TOKEN"]\n')
    env = tmp_path / "secrets.env"
    env.write_text("OTHER=1\n")
    code, _, err = hsrun("invoke", str(action), "--env-file", str(env))
    assert code == 6
    assert "TOKEN" in err and str(env) in err


def test_batch_runs_every_event(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    base = json.loads((EVENTS / "format_phone.json").read_text())
    lines = []
    for n in range(20):
        base["inputFields"]["phone"] = f"555010{n:04d}"
        lines.append(json.dumps(base))
    events.write_text("\n".join(lines) + "\n")
    code, out, _ = hsrun(
        "invoke",
        str(ACTIONS / "format_phone.py"),
        "--events",
        str(events),
        "--concurrency",
        "4",
        "--json",
    )
    assert code == 0
    report = json.loads(out)
    assert report["summary"]["count"] == 20
    assert report["summary"]["by_status"] == {"SUCCESS": 20}
    assert report["summary"]["p95_ms"] >= report["summary"]["p50_ms"] > 0
    code, out, _ = hsrun("history", "--limit", "100", "--json")
    assert len(json.loads(out)) == 20


def test_batch_names_the_bad_line(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text((EVENTS / "format_phone.json").read_text().replace("\n", "") + "\n{oops\n")
    code, _, err = hsrun("invoke", str(ACTIONS / "format_phone.py"), "--events", str(events))
    assert code == 2
    assert f"{events}:2: not valid JSON" in err


def test_a_killed_hsrun_leaves_an_interrupted_run_and_no_orphan(tmp_path: Path) -> None:
    action = tmp_path / "slow.py"
    pidfile = tmp_path / "pid"
    action.write_text(
        "import os, time\ndef main(event):\n"
        f"    open({str(pidfile)!r}, 'w').write(str(os.getpid()))\n"
        "    while True:\n        time.sleep(0.01)\n"
    )
    # A plain process, so that its pid file can be written and its pid watched from here
    # (tests/functional/invoke/test_sandbox.py covers the kernel sandbox).
    env = {**os.environ, "HSRUN_HOME": os.environ["HSRUN_HOME"], "HSRUN_ISOLATION": "process"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "runtime", "invoke", str(action)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    journal = Path(os.environ["HSRUN_HOME"]) / "journal.db"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if journal.exists() and pidfile.exists():
            try:
                with sqlite3.connect(journal) as db:
                    if db.execute("SELECT count(*) FROM runs").fetchone()[0]:
                        break
            except sqlite3.OperationalError:  # the table is being created
                pass
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    code, out, _ = hsrun("history", "--status", "INTERRUPTED", "--json")
    assert code == 0
    runs = json.loads(out)
    assert [r["status"] for r in runs] == ["INTERRUPTED"]
    with sqlite3.connect(journal) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # The action dies with hsrun: nothing else would ever stop it.
    pid = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    stat = Path(f"/proc/{pid}/stat")
    assert not stat.exists() or stat.read_text().rsplit(")", 1)[-1].split()[0] == "Z"


def test_a_corrupt_journal_is_reported_and_left_alone() -> None:
    journal = Path(os.environ["HSRUN_HOME"]) / "journal.db"
    journal.parent.mkdir(parents=True, exist_ok=True)
    journal.write_bytes(b"this is not a database" * 100)
    code, _, err = hsrun("history")
    assert code == 8
    assert "journal" in err and "move it aside" in err
    assert journal.read_bytes() == b"this is not a database" * 100


@pytest.mark.parametrize("command", ["invoke", "history", "show"])
def test_help(command: str) -> None:
    code, out, _ = hsrun(command, "--help")
    assert code == 0
    if command == "invoke":
        assert "Exit codes: 0 SUCCESS, 1 FAILED, 3 TIMEOUT" in " ".join(out.split())


def test_invoke_takes_secrets_from_the_encrypted_store(tmp_path: Path) -> None:
    action = tmp_path / "act.py"
    action.write_text(
        "import os\ndef main(event):\n"
        "    print('token', os.getenv('TEST_SECRET'), os.getenv('OTHER_TOKEN'))\n"
        "    return {'outputFields': {'n': len(os.environ['TEST_SECRET'])}}\n"
    )
    action.with_suffix(".toml").write_text('secrets = ["TEST_SECRET"]\n')
    for name, value in (("TEST_SECRET", "pat-na1-stored-value"), ("OTHER_TOKEN", "pat-na1-other")):
        done = cli.invoke(app, ["secrets", "set", name, "--from-stdin"], input=value + "\n")
        assert done.exit_code == 0, done.stderr
    code, out, _ = hsrun("invoke", str(action), "--json")
    assert code == 0
    record = json.loads(out)
    assert record["outputs"] == {"n": len("pat-na1-stored-value")}
    # the selected secret is masked; the unselected one never reached the action
    assert record["logs"][0]["text"] == "token [TEST_SECRET] None"
    # The same code hsrun check uses, worded the store's way.
    hints = [c for c in record["checks"] if c["code"] == "HS301"]
    assert len(hints) == 1 and hints[0]["subject"] == "OTHER_TOKEN"
    assert "a stored secret that the manifest does not select" in hints[0]["message"]
    assert "pat-na1-stored-value" not in out


def test_a_stored_secret_is_matched_by_name_not_by_substring(tmp_path: Path) -> None:
    # TOKEN and TOKEN_B both stored; the action reads both, selects neither.
    action = tmp_path / "act.py"
    action.write_text(
        "import os\ndef main(event):\n    os.getenv('TOKEN_B')\n    os.getenv('TOKEN')\n"
    )
    for name in ("TOKEN", "TOKEN_B"):
        done = cli.invoke(app, ["secrets", "set", name, "--from-stdin"], input="v\n")
        assert done.exit_code == 0, done.stderr
    code, out, _ = hsrun("invoke", str(action), "--json")
    assert code == 0
    checks = json.loads(out)["checks"]
    by_line = {c["line"]: (c["subject"], c["message"]) for c in checks if c["code"] == "HS301"}
    assert by_line[3][0] == "TOKEN_B" and "reads TOKEN_B," in by_line[3][1]
    assert by_line[4][0] == "TOKEN" and "reads TOKEN," in by_line[4][1]
    code, panel, _ = hsrun("invoke", str(action))
    assert "HS301 line 3: the action reads TOKEN_B" in " ".join(panel.split())
    assert "line 3: line 3:" not in panel


def test_invoke_names_a_secret_missing_from_the_store(tmp_path: Path) -> None:
    action = tmp_path / "act.py"
    action.write_text("def main(event):\n    pass\n")
    action.with_suffix(".toml").write_text('secrets = ["TEST_SECRET"]\n')
    code, _, err = hsrun("invoke", str(action))
    assert code == 6
    assert "TEST_SECRET" in err and "hsrun secrets set TEST_SECRET" in err


def _python39() -> str | None:
    found = shutil.which("python3.9")
    if found and subprocess.run([found, "-c", "pass"], capture_output=True).returncode == 0:
        return found
    return None


def test_invoke_under_hubspots_python_version() -> None:
    # Probed here, not at collection: the grammar check in tests/unit runs everywhere.
    if _python39() is None:
        pytest.skip("no working python3.9 on this machine")
    code, out, _ = hsrun(
        "invoke",
        str(ACTIONS / "format_phone.py"),
        "--input",
        "phone=5550102233",
        "--python",
        "python3.9",
        "--json",
    )
    assert code == 0, out
    assert json.loads(out)["outputs"]["phone_e164"] == "+15550102233"


def test_invoke_unknown_interpreter() -> None:
    code, _, err = hsrun("invoke", str(ACTIONS / "format_phone.py"), "--python", "python2.0")
    assert code == 2
    assert "no such interpreter" in err


def test_the_state_folder_is_private(tmp_path: Path) -> None:
    hsrun("invoke", str(ACTIONS / "format_phone.py"), "--input", "phone=5550102233")
    home = Path(os.environ["HSRUN_HOME"])
    assert home.stat().st_mode & 0o777 == 0o700
    for path in home.iterdir():
        assert path.stat().st_mode & 0o077 == 0, path


def test_a_state_folder_that_is_a_file_or_cannot_be_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    afile = tmp_path / "afile"
    afile.write_text("")
    monkeypatch.setenv("HSRUN_HOME", str(afile))
    code, _, err = hsrun("history")
    assert code == 2 and "is a file, not a folder" in err
    monkeypatch.setenv("HSRUN_HOME", str(afile / "sub"))
    code, _, err = hsrun("invoke", str(ACTIONS / "format_phone.py"), "--input", "phone=1")
    assert code not in (0, 70)
    assert err.startswith("Error: ") and "Not a directory" in err and "Traceback" not in err


def test_a_damaged_run_record_does_not_hide_the_others() -> None:
    hsrun("invoke", str(ACTIONS / "format_phone.py"), "--input", "phone=5550102233")
    hsrun("invoke", str(ACTIONS / "format_phone.py"), "--input", "phone=5550102234")
    code, out, _ = hsrun("history", "--json")
    first, second = (r["run_id"] for r in json.loads(out))
    journal = Path(os.environ["HSRUN_HOME"]) / "journal.db"
    with sqlite3.connect(journal) as db:
        db.execute("UPDATE runs SET record = 'not json' WHERE id = ?", (first,))
    code, out, err = hsrun("history", "--json")
    assert code == 0
    assert [r["run_id"] for r in json.loads(out)] == [second]
    assert "1 damaged run record(s)" in err
    code, _, err = hsrun("show", first)
    assert code == 8
    assert f"run {first}" in err and "damaged" in err


@pytest.mark.parametrize(
    "damage",
    ["garbage", '{"version": 1, "collections": []}', '{"version": 1, "collections": {"apps": 5}}'],
)
def test_a_damaged_portal_file(damage: str, tmp_path: Path) -> None:
    portal = Path(os.environ["HSRUN_HOME"]) / "portal.json"
    portal.parent.mkdir(parents=True, exist_ok=True)
    portal.write_text(damage)
    # an action that never calls HubSpot runs without touching the portal at all
    code, _, err = hsrun("invoke", str(ACTIONS / "format_phone.py"), "--input", "phone=1")
    assert code == 0, err
    assert "Traceback" not in err
    # one that calls HubSpot runs; its calls are refused, and hsrun says why
    caller = tmp_path / "caller.py"
    caller.write_text(
        "import requests\n"
        "def main(event):\n"
        "    r = requests.get('https://api.hubapi.com/crm/v3/objects/contacts')\n"
        "    return {'outputFields': {'status': r.status_code}}\n"
    )
    code, out, err = hsrun("invoke", str(caller), "--json")
    assert code == 0, err
    assert json.loads(out)["outputs"]["status"] == 503
    assert "portal reset" in err and "Traceback" not in err
    # one that enrolls a record cannot: a clear error, the file left as it was
    code, _, err = hsrun("invoke", str(ACTIONS / "lead_score.py"), "--object-id", "4")
    assert code == 7 and "portal reset" in err and "Traceback" not in err
    assert portal.read_text() == damage
    assert hsrun("portal", "reset", "-y")[0] == 0
    assert hsrun("portal", "info")[0] == 0


def test_input_and_object_id_vary_a_recorded_event() -> None:
    code, out, _ = hsrun(
        "invoke",
        str(ACTIONS / "lead_score.py"),
        "--event",
        str(EVENTS / "lead_score.json"),
        "--input",
        "email=changed@x.com",
        "--object-id",
        "5",
        "--json",
    )
    assert code == 0
    event = json.loads(out)["event"]
    assert event["inputFields"]["email"] == "changed@x.com"
    assert event["inputFields"]["jobtitle"] == "VP Engineering"  # the rest as recorded
    assert event["object"]["objectId"] == 5


def test_warm_batch_runs_concurrently_without_sharing_a_process(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    line = (EVENTS / "format_phone.json").read_text().replace("\n", "")
    events.write_text((line + "\n") * 60)
    code, out, _ = hsrun(
        "invoke",
        str(ACTIONS / "format_phone.py"),
        "--events",
        str(events),
        "--warm",
        "--concurrency",
        "4",
        "--json",
    )
    assert code == 0, out
    assert json.loads(out)["summary"]["by_status"] == {"SUCCESS": 60}


def test_commands_that_would_prompt_refuse_without_a_terminal() -> None:
    code, _, err = hsrun("portal", "reset")
    assert code == 2 and "--yes" in err
    code, _, err = hsrun("secrets", "set", "TEST_SECRET")
    assert code == 2 and "--from-stdin" in err
    code, _, err = hsrun(
        "portal", "apps", "create", "ci", "--scopes", "automation", "--save-secret", "bad-name"
    )
    assert code == 6 and "bad-name" in err
    code, out, _ = hsrun("portal", "apps", "list")
    assert "ci" not in out  # the app was not created, so its token was not lost


def test_a_misspelt_scope_is_flagged_when_the_app_is_created() -> None:
    code, _, err = hsrun(
        "portal",
        "apps",
        "create",
        "ci",
        "--scopes",
        "crm.objects.contacts.wrte,crm.objects.contacts.read,automation",
    )
    assert code == 2  # an error, and no app was created
    assert "'crm.objects.contacts.wrte' is not a HubSpot scope" in err
    assert "(did you mean crm.objects.contacts.write?)" in err
    assert "contacts.read'" not in err and "automation'" not in err
    assert "ci" not in hsrun("portal", "apps", "list")[1]
    code, _, err = hsrun("portal", "apps", "create", "ci", "--scopes", "crm.objects.company.read")
    assert code == 2 and "(did you mean crm.objects.companies.read?)" in err
    code, _, _ = hsrun(
        "portal",
        "apps",
        "create",
        "ci",
        "--scopes",
        "crm.objects.contacts.read,"
        "crm.objects.line_items.write,crm.schemas.deals.read,tickets,automation",
    )
    assert code == 0
    assert hsrun("portal", "apps", "create", "x", "--scopes", "new.scope", "--any-scope")[0] == 0


def test_an_undeclared_input_gets_the_closest_declared_name() -> None:
    code, _, err = hsrun(
        "invoke", str(ACTIONS / "lead_score.py"), "--input", "jobtitel=CTO", "--json"
    )
    assert code == 0
    assert "--input jobtitel is not declared under [inputs]" in err
    assert "(did you mean jobtitle?)" in err
