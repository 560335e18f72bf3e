"""``hsrun workflow`` through the CLI, on the project's persistent fake portal."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers import ROOT, hsrun

from runtime.config import get_settings
from runtime.fake_hubspot import PortalFile
from runtime.fake_hubspot.automation.models import flows_of


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project holding the example flow and its actions, with the demo portal."""
    (tmp_path / "flows").mkdir()
    shutil.copy(ROOT / "flows" / "lead_routing.json", tmp_path / "flows")
    shutil.copytree(ROOT / "actions", tmp_path / "actions")
    monkeypatch.chdir(tmp_path)
    assert hsrun("portal", "seed", "--demo")[0] == 0
    return tmp_path


def _contact(email: str) -> str:
    portal, _ = PortalFile(get_settings()).load()
    return next(c.id for c in portal.records("contacts") if c.properties.get("email") == email)


def test_run_show_list_and_history(project: Path) -> None:
    contact = _contact("alan.turing@acme.example")
    code, out, err = hsrun(
        "workflow", "run", "flows/lead_routing.json", "--object-id", contact, "--json"
    )
    assert code == 0, err
    [enrollment] = json.loads(out)
    assert enrollment["status"] == "COMPLETED"
    assert enrollment["path"] == ["1", "2", "5", "6", "7", "8", "9"]
    portal, _ = PortalFile(get_settings()).load()
    assert "Follow up with Alan" in portal.get("contacts", contact).properties["message"]

    code, out, _ = hsrun("workflow", "show", enrollment["id"][:6])
    assert code == 0
    for text in (
        "OBJECT", "ACTION", "EVENT", "TIME", "BRANCH_TAKEN", "default branch 'Cold'",
        "1. Custom code (actions/lead_score.py)", "6. Delay", "9. Set property (message)",
    ):  # fmt: skip
        assert text in out
    code, out, _ = hsrun("workflow", "show", enrollment["id"], "--step", "1")
    assert code == 0, out
    assert "Success" in out or "SUCCESS" in out, out
    assert "cold" in out
    code, out, _ = hsrun("workflow", "list")
    assert enrollment["id"] in out and "Lead routing" in out
    assert enrollment["flow"] == "flows/lead_routing.json"
    code, out, _ = hsrun("workflow", "list", "--flow", "./flows/../flows/lead_routing.json")
    assert enrollment["id"] in out
    code, out, _ = hsrun("history", "--json")
    marked = [r for r in json.loads(out) if r.get("workflow")]
    assert {r["workflow"]["actionId"] for r in marked} == {"1", "7", "8"}
    assert {r["workflow"]["enrollment"] for r in marked} == {enrollment["id"]}


def test_many_records_from_a_jsonl_file(project: Path) -> None:
    ids = [_contact(e) for e in ("alan.turing@acme.example", "ada.lovelace@acme.example")]
    (project / "contacts.jsonl").write_text(
        "".join(json.dumps({"objectId": i}) + "\n" for i in ids)
    )
    code, out, err = hsrun(
        "workflow", "run", "flows/lead_routing.json", "--objects", "contacts.jsonl",
        "--until", "2h", "--concurrency", "2",
    )  # fmt: skip
    assert code == 0, err
    assert out.count("WAITING") == 2 and "resumes at action 7" in out
    assert "2 enrollment(s)" in out


def test_enroll_matching_and_unknown_records(project: Path) -> None:
    code, out, err = hsrun(
        "workflow", "enroll-matching", "flows/lead_routing.json", "--until", "1h", "--json"
    )
    assert code == 0, err
    enrolled = {e["object_id"] for e in json.loads(out)}
    # The demo's customer (Ada) does not meet the trigger; the leads with an email do.
    assert _contact("alan.turing@acme.example") in enrolled
    assert _contact("ada.lovelace@acme.example") not in enrolled
    # Waiting in the delay (resumable): still enrolled.
    code, out, err = hsrun("workflow", "enroll-matching", "flows/lead_routing.json", "--json")
    assert code == 0 and json.loads(out) == []
    alan = _contact("alan.turing@acme.example")
    assert f"not enrolled: {alan} (still enrolled)" in err
    # Once they finished: enrolled before, and the flow does not re-enroll.
    assert hsrun("workflow", "resume")[0] == 0
    code, out, err = hsrun("workflow", "enroll-matching", "flows/lead_routing.json", "--json")
    assert code == 0 and json.loads(out) == []
    assert f"not enrolled: {alan} (enrolled before and the flow does not re-enroll)" in err
    code, _, err = hsrun("workflow", "run", "flows/lead_routing.json", "--object-id", "999999")
    assert code == 2 and "no live contact with id 999999" in err


def test_an_injected_fault_is_retried_and_recorded(project: Path) -> None:
    contact = _contact("alan.turing@acme.example")
    # Action 1 reads the contact through the API before scoring; the 1st call gets a 503.
    source = (project / "actions" / "lead_score.py").read_text()
    (project / "actions" / "lead_score.py").write_text(
        "import os\nimport requests\n"
        + source.replace(
            "def main(event):\n",
            "def main(event):\n    requests.get('https://api.hubapi.com/crm/v3/objects/contacts/'"
            " + str(event['object']['objectId']),"
            " headers={'Authorization': 'Bearer ' + (os.getenv('T') or '')}).raise_for_status()\n",
        )
    )
    code, out, err = hsrun(
        "portal", "apps", "create", "reader", "--scopes", "crm.objects.contacts.read",
        "--save-secret", "T",
    )  # fmt: skip
    assert code == 0, err
    manifest = project / "actions" / "lead_score.toml"
    manifest.write_text('secrets = ["T"]\n' + manifest.read_text())
    code, out, err = hsrun(
        "workflow", "run", "flows/lead_routing.json", "--object-id", contact,
        "--inject", "503@1", "--json",
    )  # fmt: skip
    assert code == 0, out
    [enrollment] = json.loads(out)
    assert [s["event"] for s in enrollment["steps"] if s["action_id"] == "1"] == [
        "RETRY_SCHEDULED", "SUCCEEDED",
    ]  # fmt: skip
    code, out, _ = hsrun("workflow", "show", enrollment["id"])
    assert code == 0 and "RETRY_SCHEDULED" in out and "HTTP 503" in out


def test_a_bad_fault_spec_is_refused(project: Path) -> None:
    code, _, err = hsrun(
        "workflow", "run", "flows/lead_routing.json", "--object-id",
        _contact("alan.turing@acme.example"), "--inject", "bad",
    )  # fmt: skip
    assert code == 2 and "STATUS@N" in err


def test_check(project: Path) -> None:
    code, out, _ = hsrun("workflow", "check", "flows/lead_routing.json")
    assert code == 0 and "no problems found" in out
    doc = json.loads((project / "flows" / "lead_routing.json").read_text())
    doc["actions"][1]["staticBranches"][0]["connection"]["nextActionId"] = "42"
    doc["actions"][-1]["fields"]["value"]["dataKey"] = "notes"
    (project / "broken.json").write_text(json.dumps(doc))
    code, out, _ = hsrun("workflow", "check", "broken.json")
    assert code == 1
    assert "action 2: WF101 error: connects to action 42" in out
    assert "action 3: WF102 warning" in out  # nothing reaches 3 any more
    assert "action 9: WF104 error: reads output 'notes' of action 8" in out


def test_pull_deploy_round_trip_on_the_local_portal(project: Path) -> None:
    portal, _ = PortalFile(get_settings()).load()
    (flow,) = flows_of(portal).flows.values()
    flow_id = str(flow.id)
    code, out, err = hsrun("workflow", "pull", flow_id)
    assert code == 0, err
    pulled = project / "flows" / "archive_contacts_hsrun_demo.json"
    source = project / "actions" / "archive_contacts_hsrun_demo_1.py"
    assert f"wrote {source}" in out
    doc = json.loads(pulled.read_text())
    assert doc["actions"][0]["hsrunSource"] == "actions/archive_contacts_hsrun_demo_1.py"
    assert 'email = "email"' in source.with_suffix(".toml").read_text()
    # The pulled code is an ordinary action: edit it, deploy it back.
    source.write_text(source.read_text().replace("return", "print('edited')\n    return"))
    code, _, err = hsrun(
        "portal", "apps", "create", "deploy", "--scopes", "automation",
        "--save-secret", "HUBSPOT_DEPLOY_TOKEN",
    )  # fmt: skip
    assert code == 0, err
    code, out, err = hsrun("deploy", str(source), "--flow", flow_id, "--action-id", "1", "--force")
    assert code == 0, err
    code, out, err = hsrun("workflow", "pull", flow_id, "--force")
    assert code == 0, err
    assert "print('edited')" in source.read_text()
    assert "hsrun:sha256" not in source.read_text()  # the marker stays in the portal
    # And the flow runs from the portal by its id (inline code) and from the pulled file.
    contact = _contact("alan.turing@acme.example")
    for spec in (flow_id, str(pulled)):
        code, out, err = hsrun("workflow", "run", spec, "--object-id", contact, "--json")
        assert code == 0, err
        [enrollment] = json.loads(out)
        assert enrollment["outputs"]["1"] == {"email": "alan.turing@acme.example"}
