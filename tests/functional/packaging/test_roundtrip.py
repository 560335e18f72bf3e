"""A packaged action runs like the original, through the real runner."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from helpers import EVENTS, ROOT

from runtime.contract import load_action
from runtime.invoke import run_action
from runtime.packaging import package_action


def package_with_manifest(action: Path, out_dir: Path) -> Path:
    packaged = package_action(load_action(action), out_dir)
    manifest = action.with_suffix(".toml")
    if manifest.exists():  # the packaged file runs with the same editor settings
        shutil.copy(manifest, packaged.source_path.with_suffix(".toml"))
    return packaged.source_path


def same_run(original: Path, packaged: Path, event: dict[str, Any]) -> None:
    before = run_action(original, event)
    after = run_action(packaged, event)
    assert before.status == after.status == "SUCCESS", (before.error, after.error)
    assert after.outputs == before.outputs
    assert after.alerts == before.alerts


@pytest.mark.parametrize("name", ["format_phone", "lead_score"])
def test_example_actions_round_trip(tmp_path: Path, name: str) -> None:
    packaged = package_with_manifest(ROOT / "actions" / f"{name}.py", tmp_path / "dist")
    event = json.loads((EVENTS / f"{name}.json").read_text())
    same_run(ROOT / "actions" / f"{name}.py", packaged, event)


def test_an_action_with_helpers_round_trips(tmp_path: Path) -> None:
    src = tmp_path / "actions"
    src.mkdir()
    (src / "_text.py").write_text(
        "import re\n\nSPACES = re.compile(r'\\s+')\n\n\n"
        "def squash(value):\n    return SPACES.sub(' ', value or '').strip()\n"
    )
    (src / "_names.py").write_text(
        "from _text import squash\n\n\ndef company(value):\n    return squash(value).title()\n"
    )
    (src / "enrich.py").write_text(
        "import _names\nfrom _text import squash as clean\n\n\n"
        "def main(event):\n"
        '    raw = event["inputFields"].get("name")\n'
        '    print("enriching", raw)\n'
        '    return {"outputFields": {"company": _names.company(raw), "raw": clean(raw)}}\n'
    )
    (src / "enrich.toml").write_text(
        'object_type = "COMPANY"\n[inputs]\nname = "name"\n'
        '[outputs]\ncompany = "string"\nraw = "string"\n'
    )
    packaged = package_with_manifest(src / "enrich.py", tmp_path / "dist")
    event = {
        "origin": {"portalId": 12345678, "actionDefinitionId": 1},
        "object": {"objectType": "COMPANY", "objectId": 7},
        "inputFields": {"name": "  acme   rockets inc "},
        "callbackId": "ap-12345678-1-1-0",
    }
    same_run(src / "enrich.py", packaged, event)
    assert run_action(packaged, event).outputs == {
        "company": "Acme Rockets Inc",
        "raw": "acme rockets inc",
    }


def test_an_api_action_round_trips_against_the_fake_portal(
    tmp_path: Path, hubspot: Any, run_action: Any
) -> None:
    packaged = package_with_manifest(ROOT / "actions" / "archive_contact.py", tmp_path / "dist")
    app = hubspot.private_app("ci", scopes=["crm.objects.contacts.write"])
    for action in (ROOT / "actions" / "archive_contact.py", packaged):
        contact = hubspot.create("contacts", {"email": f"{action.parent.name}@example.com"})
        result = run_action(action, object_id=contact.id, secrets={"TEST_SECRET": app.token})
        assert result.status == "SUCCESS", result.error
        assert result.outputs == {"archived": True, "contact_id": str(contact.id)}
