"""End to end: a known secret value never leaves the action unmasked.

It must not appear in the run journal, anything else under .hsrun/, the CLI's output (plain
and --json, success and failure, history and show) or the argv of the action's process or its
parent; and the action's process must see only the secret its manifest selects, never the
store's key.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import hsrun

from runtime.secrets import _crypto

SECRET = "tok-8c1f-KNOWN-SECRET-VALUE"
OTHER = "other-unselected-VALUE-77"

LEAKY = """\
import logging
import os
import sys


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().decode("utf-8", "replace")
    except OSError:
        return ""


def main(event):
    secret = os.environ["TEST_SECRET"]
    argv = " ".join(sys.argv) + _cmdline("self") + _cmdline(os.getppid())
    print(f"token is {secret}")
    logging.getLogger().warning("warning with %s", secret)
    if event["inputFields"].get("fail"):
        raise ValueError(f"refused token {secret}")
    return {"outputFields": {
        "echo": secret,
        "in_argv": secret in argv,
        "sees_key": any(n.startswith("HSRUN_") for n in os.environ),
        "env_names": ",".join(sorted(os.environ)),
    }}
"""

MANIFEST = """\
secrets = ["TEST_SECRET"]

[inputs]
fail = "fail"

[outputs]
echo = "string"
in_argv = "bool"
sees_key = "bool"
env_names = "string"
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    (root / "actions").mkdir(parents=True)
    (root / "actions" / "leaky.py").write_text(LEAKY)
    (root / "actions" / "leaky.toml").write_text(MANIFEST)
    monkeypatch.chdir(root)
    monkeypatch.setenv("HSRUN_HOME", str(root / ".hsrun"))
    monkeypatch.setenv("HSRUN_CONFIG_DIR", str(tmp_path / "config"))
    # The key sits in hsrun's own environment: it must still not reach the action.
    monkeypatch.setenv("HSRUN_SECRETS_KEY", _crypto.encode_key(_crypto.new_key()))
    for var in ("HSRUN_SECRETS_PASSPHRASE", "HSRUN_SECRETS_BACKEND", "HSRUN_SECRETS_FILE"):
        monkeypatch.delenv(var, raising=False)
    return root


Run = tuple[int, str, str]  # exit code, stdout, stderr


def hsrun_processes(*commands: list[str]) -> list[Run]:
    """Real ``hsrun`` processes, as a user runs ``hsrun invoke``, all at once (they are
    independent, and the journal takes concurrent writers).

    Separate processes also keep this test's memory out of the action's: a child started
    from a large parent can inherit its peak-memory figure.
    """
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "runtime", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ),
        )
        for args in commands
    ]
    runs = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        runs.append((proc.returncode, out, err))
    return runs


def test_a_known_secret_never_reaches_a_sink(project: Path) -> None:
    key = os.environ["HSRUN_SECRETS_KEY"]
    (project / "secrets.env").write_text(f"TEST_SECRET={SECRET}\nOTHER_SECRET={OTHER}\n")
    runs = [hsrun("secrets", "import", "secrets.env")]
    (project / "secrets.env").unlink()

    action = "actions/leaky.py"
    invokes = hsrun_processes(
        ["invoke", action, "--json"],
        ["invoke", action],
        ["invoke", action, "--input", "fail=yes", "--json"],
        ["invoke", action, "--input", "fail=yes"],
        ["invoke", action, "--format", "lambda"],
        ["invoke", action, "--input", "fail=yes", "--format", "lambda"],
    )
    runs += invokes
    assert [code for code, _, _ in runs] == [0, 0, 0, 1, 1, 0, 1], runs
    ok_json, failed_json = invokes[0], invokes[2]

    ok, failed = json.loads(ok_json[1]), json.loads(failed_json[1])
    runs += [
        hsrun("history", "--json"),
        hsrun("show", ok["run_id"], "--json"),
        hsrun("show", failed["run_id"]),
        hsrun("secrets", "list", "--json"),
        hsrun("secrets", "audit"),
    ]
    assert all(code == 0 for code, _, _ in runs[7:]), runs[7:]

    # The action really did see and print the value: masking, not absence, hides it.
    assert ok["outputs"]["echo"] == "[TEST_SECRET]"
    assert any("token is [TEST_SECRET]" in line["text"] for line in ok["logs"])
    assert "refused token [TEST_SECRET]" in json.dumps(failed["error"])
    # --format lambda ends with the response: the outputs, or the error document, masked.
    ok_lambda, failed_lambda = invokes[4][1], invokes[5][1]
    assert json.loads(ok_lambda.splitlines()[-1])["outputFields"]["echo"] == "[TEST_SECRET]"
    error = json.loads(failed_lambda.splitlines()[-1])
    assert error["errorMessage"] == "refused token [TEST_SECRET]"
    # Only the selected secret, no key, and nothing in any argv.
    names = ok["outputs"]["env_names"].split(",")
    assert "TEST_SECRET" in names
    assert "OTHER_SECRET" not in names
    assert ok["outputs"]["sees_key"] is False
    assert ok["outputs"]["in_argv"] is False

    for _, stdout, stderr in runs:
        for text in (stdout, stderr):
            assert SECRET not in text
            assert OTHER not in text
            assert key not in text
    state_files = [p for p in (project / ".hsrun").rglob("*") if p.is_file()]
    assert any(p.name.startswith("journal") for p in state_files)
    for path in state_files:
        data = path.read_bytes()
        assert SECRET.encode() not in data, path
        assert OTHER.encode() not in data, path
        assert key.encode() not in data, path
