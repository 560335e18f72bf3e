"""End to end: a secret never reaches a sink in any form the masker knows (as is, escaped
by ``json.dumps`` or ``repr``, URL-encoded, cut in the middle, used as an output name),
through the CLI, the journal's bytes and the portal's call log and ``portal.json``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from runtime.secrets import _crypto

SECRET = 'tok"en\\välue-4411/x&y'
SHORT = "q7"

ACTION = """\
import json, os, requests

def main(event):
    secret, short = os.environ["TEST_SECRET"], os.environ["PIN"]
    print(json.dumps({"k": secret}))
    print({"k": secret})
    print(repr(secret.encode()))
    print("pin", short, "end")
    try:
        requests.get("https://api.hubapi.com/crm/v3/objects/contacts",
                     params={"hapikey": secret, "limit": 1}, timeout=10)
    except Exception as exc:
        print("call failed", type(exc).__name__)
    kind = event["inputFields"].get("kind")
    if kind == "name":
        return {"outputFields": {secret: "x" * 70000}}
    if kind == "cut":
        return ["padding " * 8 + secret]
    return {"outputFields": {secret: 1, "echo": secret}}
"""


def forms(value: str) -> list[str]:
    found = {
        value,
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        repr(value)[1:-1],
        quote(value, safe=""),
        quote_plus(value, safe=""),
    }
    # The distinctive middle of the value, in case a sink cut it.
    found |= {f[3:-3] for f in list(found)}
    return sorted(found)


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    root = tmp_path / "project"
    (root / "actions").mkdir(parents=True)
    (root / "actions" / "forms.py").write_text(ACTION)
    (root / "actions" / "forms.toml").write_text(
        'secrets = ["TEST_SECRET", "PIN"]\n[inputs]\nkind = "kind"\n'
    )
    env = {
        **os.environ,
        "HSRUN_HOME": str(root / ".hsrun"),
        "HSRUN_CONFIG_DIR": str(tmp_path / "config"),
        "HSRUN_SECRETS_KEY": _crypto.encode_key(_crypto.new_key()),
    }
    return root, env


def test_every_sink_is_clean_of_every_form(project: tuple[Path, dict[str, str]]) -> None:
    root, env = project

    def hsrun(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "runtime", *args],
            cwd=root,
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )

    assert hsrun("secrets", "set", "TEST_SECRET", "--from-stdin", stdin=SECRET).returncode == 0
    assert hsrun("secrets", "set", "PIN", "--from-stdin", stdin=SHORT).returncode == 0
    hsrun("portal", "seed", "--demo")
    action = "actions/forms.py"
    runs = [
        hsrun("invoke", action, "--json"),
        hsrun("invoke", action),
        hsrun("invoke", action, "--input", "kind=name", "--json"),
        hsrun("invoke", action, "--input", "kind=name"),
        hsrun("invoke", action, "--input", "kind=cut", "--json"),
    ]
    ok = json.loads(runs[0].stdout)
    assert ok["status"] == "SUCCESS", runs[0]
    assert ok["output_types"] and all(
        name == "[TEST_SECRET]" or name == "echo" for name in ok["output_types"]
    )
    assert "pin [PIN] end" in [line["text"] for line in ok["logs"]]
    assert any("[REDACTED]" in call.get("query", "") for call in ok["api_calls"])
    too_large = json.loads(runs[2].stdout)
    assert too_large["error"]["type"] == "OUTPUT_VALUES_TOO_LARGE"
    runs += [hsrun("history", "--json"), hsrun("show", ok["run_id"]), hsrun("portal", "logs")]
    texts = [run.stdout + run.stderr for run in runs]
    texts += [
        path.read_bytes().decode("utf-8", "replace")
        for path in (root / ".hsrun").rglob("*")
        if path.is_file() and path.name != "secrets.json"
    ]
    for form in forms(SECRET):
        for text in texts:
            assert form not in text, (form, text[:3000])
