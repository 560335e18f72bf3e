"""`hsrun invoke` touches the local portal only when the run needs it.

A run that makes no HubSpot call and enrolls no record never reads ``portal.json``, so it
costs the same whatever the portal's size; one that calls HubSpot gets the portal as before.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from typer.testing import CliRunner

from runtime.cli import app
from runtime.fake_hubspot import attach

ROOT = Path(__file__).resolve().parents[3]
cli = CliRunner()

PURE = 'def main(event):\n    return {"outputFields": {"ok": True}}\n'
CALLER = """\
import requests

def main(event):
    r = requests.get("https://api.hubapi.com/crm/v3/objects/contacts")
    return {"outputFields": {"status": r.status_code}}
"""


def _invoke(action: Path) -> dict[str, object]:
    result = cli.invoke(app, ["invoke", str(action), "--json"])
    assert result.exit_code == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_a_pure_action_never_reads_the_portal(tmp_path: Path) -> None:
    portal_file = Path(os.environ["HSRUN_HOME"]) / "portal.json"
    portal_file.parent.mkdir(parents=True, exist_ok=True)
    # Not JSON: reading it would warn (see test_a_damaged_portal_file), saving would replace it.
    portal_file.write_text("not read")
    action = tmp_path / "pure.py"
    action.write_text(PURE)
    result = cli.invoke(app, ["invoke", str(action), "--json"])
    assert result.exit_code == 0, result.stderr
    assert "Warning" not in result.stderr and "portal" not in result.stderr
    assert json.loads(result.stdout)["api_calls"] == []
    assert portal_file.read_text() == "not read"


def test_an_action_calling_hubspot_gets_the_portal(tmp_path: Path) -> None:
    assert cli.invoke(app, ["portal", "seed", "--demo"]).exit_code == 0
    action = tmp_path / "caller.py"
    action.write_text(CALLER)
    record = _invoke(action)
    assert record["outputs"] == {"status": 401}  # HubSpot's answer without a token
    calls = record["api_calls"]
    assert isinstance(calls, list) and len(calls) == 1
    from runtime.config import get_settings

    with attach(get_settings()) as portal:
        assert portal.portal.calls_between(0, float("inf"))  # the call was logged and saved
