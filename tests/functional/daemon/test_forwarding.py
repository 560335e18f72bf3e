"""Commands forwarded to one daemon: same output and exit codes as without it."""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest
from daemon_support import Daemons, Hsrun, gone, wait_until
from helpers import ACTIONS, EVENTS

LEAD_SCORE = (str(ACTIONS / "lead_score.py"), "--event", str(EVENTS / "lead_score.json"))
#: What differs between any two runs of the same action.
VOLATILE = {"run_id", "request_id", "started_at", "runtime_ms", "init_ms", "memory_mb"}


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory, shared_daemons: Daemons) -> Hsrun:
    """One daemon for the whole module (a daemon takes a moment to start)."""
    base = tmp_path_factory.mktemp("daemon")
    hsrun = Hsrun(home=base / "home", cwd=base, env={"HSRUN_CONFIG_DIR": str(base / "config")})
    shared_daemons.start(hsrun)
    return hsrun


def write(folder: Path, name: str, source: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(source))
    return path


def comparable(record: dict[str, Any]) -> dict[str, Any]:
    """A run record without what changes from run to run."""
    out = {k: v for k, v in record.items() if k not in VOLATILE}
    # Lambda's log prefix carries a timestamp and the request id.
    out["logs"] = [line["text"].rsplit("\t", 1)[-1] for line in record["logs"]]
    if record.get("error"):
        message = re.sub(r"\d", "N", record["error"]["message"])  # "timed out after 0.31 s"
        out["error"] = {**record["error"], "message": message}
    return out


def panel(text: str) -> str:
    text = re.sub(r"run [0-9a-f]{12}", "run ID", text)
    text = re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+Z\s+[0-9a-f-]{36}", "TIME REQUEST", text)
    text = re.sub(r"Memory: \d+/128 MB  Runtime: [\d.]+ ms", "Memory: M  Runtime: R", text)
    return re.sub(r" +│", " │", text)  # the padding after a replaced number varies with it


def test_invoke_is_forwarded_with_the_same_output(shared: Hsrun) -> None:
    before = shared.served()
    as_json = shared.run("invoke", *LEAD_SCORE, "--json")
    as_panel = shared.run("invoke", *LEAD_SCORE)
    assert shared.served() == before + 2
    here = shared.here("invoke", *LEAD_SCORE)
    assert shared.served() == before + 2  # HSRUN_DAEMON=0 kept it here
    assert as_json.returncode == as_panel.returncode == here.returncode == 0
    assert json.loads(as_json.stdout)["outputs"] == {"score": 77, "tier": "hot"}
    assert "✔ Success" in as_panel.stdout
    assert panel(as_panel.stdout) == panel(here.stdout)
    assert as_panel.stderr == here.stderr


def test_failed_and_timed_out_runs_keep_their_exit_codes(shared: Hsrun, tmp_path: Path) -> None:
    fail = write(tmp_path, "fail.py", "def main(event):\n    raise ValueError('nope')\n")
    loop = write(tmp_path, "loop.py", "def main(event):\n    while True:\n        pass\n")
    event = ("--event", str(EVENTS / "lead_score.json"), "--json")
    runs = ((str(fail), *event), (str(loop), "--timeout", "0.3", *event))
    before = shared.served()
    failed, timed_out = (shared.run("invoke", *args) for args in runs)
    assert shared.served() == before + 2
    assert (failed.returncode, timed_out.returncode) == (1, 3)
    for via, args in zip((failed, timed_out), runs, strict=True):
        here = shared.here("invoke", *args)
        assert here.returncode == via.returncode
        assert comparable(json.loads(via.stdout)) == comparable(json.loads(here.stdout))
    assert json.loads(failed.stdout)["error"]["message"] == "nope"
    assert json.loads(timed_out.stdout)["status"] == "TIMEOUT"


def test_history_and_show_are_forwarded(shared: Hsrun) -> None:
    shared.run("invoke", *LEAD_SCORE)
    before = shared.served()
    via = shared.run("history", "--limit", "5", "--json")
    run_id = json.loads(via.stdout)[0]["run_id"]
    shown = shared.run("show", run_id[:8], "--format", "lambda")
    assert shared.served() == before + 2
    here = shared.here("history", "--limit", "5", "--json")
    assert (via.returncode, shown.returncode) == (0, 0)
    assert via.stdout == here.stdout
    assert f"RequestId: {json.loads(via.stdout)[0]['request_id']}" in shown.stdout


def test_a_batch_is_forwarded(shared: Hsrun, tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    event = json.loads((EVENTS / "lead_score.json").read_text())
    events.write_text("".join(json.dumps(event) + "\n" for _ in range(3)))
    before = shared.served()
    result = shared.run("invoke", str(ACTIONS / "lead_score.py"), "--events", str(events), "--json")
    assert shared.served() == before + 1
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["summary"]["by_status"] == {"SUCCESS": 3}


def test_the_command_sees_the_clients_folder_and_environment(shared: Hsrun, tmp_path: Path) -> None:
    write(tmp_path, "where.py", "def main(event):\n    return {'outputFields': {}}\n")
    before = shared.served()
    result = subprocess.run(
        shared.argv("invoke", "where.py", "--json"),  # relative to the client's folder
        cwd=tmp_path,
        env=shared.environ(HSRUN_PORTAL_ID="424242"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["event"]["origin"]["portalId"] == 424242
    assert shared.served() == before + 1


def test_actions_are_forked_from_the_daemons_zygote(shared: Hsrun, tmp_path: Path) -> None:
    action = write(
        tmp_path,
        "parent.py",
        "import os\ndef main(event):\n    return {'outputFields': {'parent': os.getppid()}}\n",
    )
    status = shared.status()
    assert status is not None
    # A plain process: in namespaces the action's parent is the sandbox's init.
    record = json.loads(
        shared.run("invoke", str(action), "--json", HSRUN_ISOLATION="process").stdout
    )
    assert record["outputs"]["parent"] == status.zygote_pid
    # A process forked from the daemon would start with the daemon's whole resident set in
    # its peak; one forked from the zygote (HubSpot's libraries only) stays below it.
    with open(f"/proc/{status.pid}/status") as fh:
        daemon_kb = next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))
    assert record["memory_mb"] * 1024 < daemon_kb


def test_the_client_imports_nothing_heavy(shared: Hsrun) -> None:
    before = shared.served()
    result = shared.run("history", "--limit", "1", PYTHONPROFILEIMPORTTIME="1")
    assert shared.served() == before + 1
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    assert "runtime._launch" in imported
    heavy = {"typer", "click", "pydantic", "rich", "runtime.cli", "runtime.invoke", "sqlite3"}
    assert not heavy & imported


def test_commands_that_need_a_terminal_are_not_forwarded(shared: Hsrun) -> None:
    before = shared.served()
    assert shared.run("secrets", "--help").returncode == 0
    assert shared.served() == before


def test_concurrent_clients(shared: Hsrun) -> None:
    before = shared.served()
    clients = [
        subprocess.Popen(
            shared.argv("invoke", *LEAD_SCORE, "--json"),
            cwd=shared.cwd,
            env=shared.environ(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [client.communicate(timeout=60) for client in clients]
    assert [client.returncode for client in clients] == [0, 0, 0]
    assert {json.loads(out)["outputs"]["tier"] for out, _ in outputs} == {"hot"}
    assert shared.served() == before + 3


def test_ctrl_c_cancels_the_command_and_its_action(shared: Hsrun, tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    action = write(
        tmp_path,
        "slow.py",
        f"""\
        import os, time
        def main(event):
            with open({str(pid_file)!r}, "w") as fh:
                fh.write(str(os.getpid()))
            time.sleep(30)
        """,
    )
    before = shared.served()
    client = subprocess.Popen(
        shared.argv("invoke", str(action)),
        cwd=shared.cwd,
        # A plain process, so that its pid file and pid can be watched from here.
        env=shared.environ(HSRUN_ISOLATION="process"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_until(lambda: pid_file.exists() and pid_file.read_text() != "")
        client.send_signal(signal.SIGINT)
        client.communicate(timeout=30)
    finally:
        if client.poll() is None:
            client.kill()
            client.communicate()
    assert client.returncode == 130  # as Ctrl-C on hsrun without a daemon
    assert shared.served() == before + 1
    assert wait_until(lambda: gone(int(pid_file.read_text())), 5.0)
    history = json.loads(shared.run("history", "--status", "INTERRUPTED", "--json").stdout)
    assert [run["action"] for run in history] == [str(action)]


def test_the_state_folder_and_sockets_are_private(shared: Hsrun) -> None:
    assert stat.S_IMODE(os.stat(shared.home).st_mode) == 0o700
    for name in ("daemon.sock", "zygote.sock"):
        mode = os.stat(shared.home / name).st_mode
        assert stat.S_ISSOCK(mode) and stat.S_IMODE(mode) == 0o600
