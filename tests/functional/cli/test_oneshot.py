"""The one-shot `hsrun invoke` (no daemon): the console script runs one action without the
CLI framework, importing only what the run needs, with the same record as the full CLI."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
ACTIONS = ROOT / "actions"

PURE = 'def main(event):\n    return {"outputFields": {"ok": True}}\n'


def _console(*args: str, importtime: bool = True, **env: str) -> subprocess.CompletedProcess[str]:
    """``hsrun ARGS`` as a user runs it, reporting every module it imported (-X importtime)."""
    flags = ["-X", "importtime"] if importtime else []
    return subprocess.run(
        [sys.executable, *flags, "-m", "runtime", *args],
        cwd=ROOT,
        env={**os.environ, "HSRUN_DAEMON": "0", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _imported(stderr: str) -> set[str]:
    return {
        line.rsplit("|", 1)[-1].strip()
        for line in stderr.splitlines()
        if line.startswith("import time:")
    }


def _record(done: subprocess.CompletedProcess[str]) -> dict[str, object]:
    assert done.returncode == 0, done.stderr[-2000:]
    return dict(json.loads(done.stdout))


def test_a_pure_action_imports_neither_cli_framework_nor_portal_nor_crypto(
    tmp_path: Path,
) -> None:
    action = tmp_path / "pure.py"
    action.write_text(PURE)
    done = _console("invoke", str(action), "--json")
    record = _record(done)
    assert record["status"] == "SUCCESS"
    modules = _imported(done.stderr)
    for unwanted in (
        "typer",
        "click",
        "rich",
        "runtime.cli",
        "runtime.fake_hubspot",
        "cryptography",
        "runtime.secrets.local",
        "pydantic",
    ):
        assert unwanted not in modules, unwanted
    assert "runtime.packaging" in modules  # hsrun check's findings still join the record


@pytest.mark.parametrize("name", ["format_phone.py", "format_phone.js"])
def test_the_fast_path_and_the_full_cli_record_the_same_run(name: str) -> None:
    args = (
        "invoke",
        str(ACTIONS / name),
        "-i",
        "phone=(555) 010-2233",
        "--input=country=US",
        "--json",
    )
    fast = _record(_console(*args))
    full = _record(_console(*args, HSRUN_FAST="0"))
    for key in (
        "status",
        "outputs",
        "output_types",
        "alerts",
        "checks",
        "error",
        "memory_limit_mb",
        "timeout_s",
        "libraries_folder",
    ):
        assert fast[key] == full[key], key
    # The same event, but for what HubSpot generates per enrollment (ids, callbackId).
    fast_event, full_event = fast["event"], full["event"]
    assert isinstance(fast_event, dict) and isinstance(full_event, dict)
    assert fast_event["inputFields"] == full_event["inputFields"]
    assert fast_event["origin"] == full_event["origin"]


def test_the_run_is_in_the_journal_when_the_command_has_ended(tmp_path: Path) -> None:
    from runtime.config import get_settings
    from runtime.journal import Journal

    action = tmp_path / "pure.py"
    action.write_text(PURE)
    record = _record(_console("invoke", str(action), "--json"))
    # Read as `hsrun history` does, by another process, once the command has exited.
    with Journal(get_settings().journal_path) as journal:
        stored = journal.get(str(record["run_id"]))
    assert stored.status == "SUCCESS"
    assert stored.outputs == {"ok": True}
    assert stored.checks == record["checks"] != []  # the findings joined the final record


def _panel(text: str) -> list[str]:
    """The panel's lines without what differs from run to run (id, memory, runtime)."""
    text = re.sub(r"run [0-9a-f]{12}", "run ID", text)
    text = re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+Z", "TIME", text)
    text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "ID", text)
    text = re.sub(r"Memory: \d+/128 MB  Runtime: [\d.]+ ms *", "Memory, runtime", text)
    return text.splitlines()


@pytest.mark.parametrize("name", ["format_phone.py", "format_phone.js"])
def test_the_fast_path_draws_the_full_clis_panel(name: str) -> None:
    args = ("invoke", str(ACTIONS / name), "-i", "phone=(555) 010-2233")
    fast = _console(*args, importtime=False)
    full = _console(*args, importtime=False, HSRUN_FAST="0")
    assert fast.returncode == full.returncode == 0
    assert "✔ Success" in fast.stdout
    assert _panel(fast.stdout) == _panel(full.stdout)


def test_an_action_that_calls_hubspot_gets_the_portal(tmp_path: Path) -> None:
    action = tmp_path / "caller.py"
    action.write_text(
        "import requests\n"
        "def main(event):\n"
        "    r = requests.get('https://api.hubapi.com/crm/v3/objects/contacts')\n"
        "    return {'outputFields': {'status': r.status_code}}\n"
    )
    done = _console("invoke", str(action), "--json")
    record = _record(done)
    assert record["outputs"] == {"status": 401}  # HubSpot's answer without a token
    assert len(record["api_calls"]) == 1  # type: ignore[arg-type]
    assert "runtime.fake_hubspot" in _imported(done.stderr)


@pytest.mark.parametrize(
    "args",
    [
        ("--timeout", "0"),  # typer's range check
        ("--format", "xml"),
        ("--bogus",),
    ],
)
def test_what_it_does_not_handle_goes_to_the_full_cli(args: tuple[str, ...]) -> None:
    done = _console("invoke", str(ACTIONS / "format_phone.py"), *args)
    assert done.returncode == 2
    assert "typer" in _imported(done.stderr)


def test_errors_read_as_the_full_clis(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.py")
    fast = _console("invoke", missing)
    full = _console("invoke", missing, HSRUN_FAST="0")
    assert fast.returncode == full.returncode == 2
    assert [line for line in fast.stderr.splitlines() if line.startswith("Error:")] == [
        line for line in full.stderr.splitlines() if line.startswith("Error:")
    ]


@pytest.mark.parametrize(
    ("manifest", "event"),
    [
        ('secrets = ["1BAD", "1BAD"]\nobject_type = "products"\n[outputs]\nn = "integer"\n', None),
        ('[outputs]\ntier = "enumeration"\nok = { type = "bool", options = ["x"] }\n', None),
        ("[inputs]\nn = 1\nextra = [1]\n", None),
        ("", {"origin": {"portalId": "x"}, "object": {}, "callbackId": 5}),
        ("", {"origin": {"portalId": 1}, "object": {"objectId": 1.5}, "inputFields": []}),
        ("", ["not", "an", "object"]),
    ],
    ids=["manifest names", "manifest outputs", "manifest inputs", "event", "event 2", "array"],
)
def test_a_broken_manifest_or_event_reads_as_in_the_full_cli(
    tmp_path: Path, manifest: str, event: object
) -> None:
    action = tmp_path / "pure.py"
    action.write_text(PURE)
    if manifest:
        action.with_suffix(".toml").write_text(manifest)
    args = ["invoke", str(action)]
    if event is not None:
        (tmp_path / "event.json").write_text(json.dumps(event))
        args += ["--event", str(tmp_path / "event.json")]
    fast = _console(*args, importtime=False)
    full = _console(*args, importtime=False, HSRUN_FAST="0")
    assert fast.returncode == full.returncode != 0
    errors = fast.stderr.splitlines()
    assert errors == full.stderr.splitlines()
    assert errors[0].startswith("Error: ") and (
        "invalid" in errors[0] or "JSON object" in errors[0]
    )
    assert "typer" not in _imported(_console(*args).stderr)  # the one-shot path said it


DEALS_READER = """\
import requests

def main(event):
    token = event["inputFields"]["token"]
    r = requests.get(
        "https://api.hubapi.com/crm/v3/objects/deals",
        headers={"Authorization": "Bearer " + token},
    )
    return {"outputFields": {"status": r.status_code}}
"""


@pytest.mark.parametrize("fast", ["1", "0"], ids=["one-shot", "full CLI"])
def test_a_missing_scope_names_the_app_and_the_command_that_adds_it(
    tmp_path: Path, fast: str
) -> None:
    from typer.testing import CliRunner

    from runtime.cli import app

    cli = CliRunner()
    made = cli.invoke(
        app, ["portal", "apps", "create", "ci", "--scopes", "crm.objects.contacts.read"]
    )
    assert made.exit_code == 0, made.stderr
    token = cli.invoke(app, ["portal", "apps", "show-token", "ci"]).stdout.strip()
    action = tmp_path / "deals.py"
    action.write_text(DEALS_READER)
    done = _console("invoke", str(action), "--input", f"token={token}", "--json", HSRUN_FAST=fast)
    assert _record(done)["outputs"] == {"status": 403}
    assert "HubSpot answered 403 MISSING_SCOPES to GET /crm/v3/objects/deals" in done.stderr
    assert "hsrun portal apps scopes ci --scopes crm.objects.contacts.read,crm.objects." in (
        done.stderr
    )


def test_check_findings_are_cached_until_the_action_changes(tmp_path: Path) -> None:
    action = tmp_path / "pure.py"
    action.write_text(PURE)
    first = _console("invoke", str(action), "--json")
    again = _console("invoke", str(action), "--json")
    assert _record(first)["checks"] == _record(again)["checks"] != []  # HS401: `ok` undeclared
    assert "runtime.packaging" in _imported(first.stderr)
    assert "runtime.packaging" not in _imported(again.stderr)  # nothing changed: cached
    action.with_suffix(".toml").write_text('[outputs]\nok = "bool"\n')
    declared = _console("invoke", str(action), "--json")
    assert _record(declared)["checks"] == []  # the manifest changed: checked again
    assert "runtime.packaging" in _imported(declared.stderr)
