"""``hsrun deploy`` through the CLI, onto the project's persistent fake portal."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers import ACTIONS, hsrun

from runtime.config import get_settings
from runtime.fake_hubspot import PortalFile
from runtime.fake_hubspot.automation.models import flows_of


@pytest.fixture
def action(tmp_path: Path) -> Path:
    for suffix in (".py", ".toml"):
        shutil.copy(ACTIONS / f"archive_contact{suffix}", tmp_path / f"archive_contact{suffix}")
    return tmp_path / "archive_contact.py"


@pytest.fixture
def demo_flow_id() -> str:
    """The demo portal, and a deploy app whose token is the default deploy secret."""
    assert hsrun("portal", "seed", "--demo")[0] == 0
    code, _, err = hsrun(
        "portal", "apps", "create", "deploy", "--scopes", "automation",
        "--save-secret", "HUBSPOT_DEPLOY_TOKEN",
    )  # fmt: skip
    assert code == 0, err
    portal, _ = PortalFile(get_settings()).load()
    (flow,) = flows_of(portal).flows.values()
    return str(flow.id)


def flow_state(flow_id: str) -> tuple[int, str]:
    """The flow's revision and action 1's code, read from ``.hsrun/portal.json``."""
    portal, _ = PortalFile(get_settings()).load()
    flow = flows_of(portal).get(flow_id)
    action = flow.action("1")
    assert action is not None
    return flow.revision, str(action["sourceCode"])


def test_init_to_deploy_on_the_local_portal(demo_flow_id: str, tmp_path: Path) -> None:
    code, _, err = hsrun("init", "greet", "--root", str(tmp_path))
    assert code == 0, err
    action = tmp_path / "actions" / "greet.py"
    args = ("deploy", str(action), "--flow", demo_flow_id, "--action-id", "1")
    _, original = flow_state(demo_flow_id)

    code, out, _ = hsrun(*args, "--dry-run")
    assert code == 0
    assert f"-> flow {demo_flow_id} (Archive contacts (hsrun demo)), action 1" in out
    assert '-    email = event.get("inputFields").get("email")' in out
    assert '+    text = event["inputFields"].get("text") or ""' in out
    assert "inputs: email = property email -> text = property email" in out
    assert "outputs: email: STRING -> normalized: STRING; is_empty: BOOL" in out
    assert "Drift: the deployed action was not deployed by hsrun" in out
    assert f"Dry run: nothing written (flow {demo_flow_id} stays at revision 1)" in out
    assert flow_state(demo_flow_id) == (1, original)

    code, _, err = hsrun(*args)
    assert code == 7 and "was not deployed by hsrun" in err and "--force" in err
    assert flow_state(demo_flow_id) == (1, original)

    code, out, err = hsrun(*args, "--force")
    assert code == 0, err
    assert f"Deployed: flow {demo_flow_id} is now at revision 2" in out

    assert hsrun("package", str(action), "-o", str(tmp_path / "dist"))[0] == 0
    packaged = (tmp_path / "dist" / "greet.py").read_text(encoding="utf-8")
    assert flow_state(demo_flow_id) == (2, packaged)

    code, out, _ = hsrun(*args)
    assert code == 0 and "Already up to date" in out
    assert flow_state(demo_flow_id)[0] == 2


def test_drift_is_refused_and_json_reports_it(action: Path, demo_flow_id: str) -> None:
    args = ("deploy", str(action), "--flow", demo_flow_id, "--action-id", "1")
    assert hsrun(*args, "--force")[0] == 0
    with PortalFile(get_settings()).transaction() as portal:  # an edit saved in HubSpot
        flow = flows_of(portal).get(demo_flow_id).to_api()
        flow["actions"][0]["sourceCode"] = flow["actions"][0]["sourceCode"].replace(
            "archived contact", "ARCHIVED contact"
        )
        flows_of(portal).update(demo_flow_id, flow)

    code, _, err = hsrun(*args)
    assert code == 7 and "was edited in HubSpot since hsrun deployed it" in err
    code, out, _ = hsrun(*args, "--dry-run", "--json")
    report = json.loads(out)
    assert code == 0 and report["drift"].startswith("was edited in HubSpot")
    assert report["written"] is False and report["revisionBefore"] == "3"
    assert '-    print(f"ARCHIVED contact' in report["codeDiff"]


def test_token_problems_exit_7_and_say_what_to_do(action: Path, demo_flow_id: str) -> None:
    args = ("deploy", str(action), "--flow", demo_flow_id, "--action-id", "1", "--force")
    code, _, err = hsrun(*args, "--token-secret", "NOPE")
    assert code == 7 and "has no secret NOPE" in err
    assert "hsrun portal apps create deploy --scopes automation --save-secret NOPE" in err

    code, _, err = hsrun(
        "portal", "apps", "create", "crm", "--scopes", "crm.objects.contacts.read",
        "--save-secret", "CRM_TOKEN",
    )  # fmt: skip
    assert code == 0, err
    code, _, err = hsrun(*args, "--token-secret", "CRM_TOKEN")
    assert code == 7 and "lacks the 'automation' scope" in err and "403 MISSING_SCOPES" in err

    assert hsrun("portal", "apps", "delete", "deploy")[0] == 0
    code, _, err = hsrun(*args)
    assert code == 7 and "the token in HUBSPOT_DEPLOY_TOKEN was refused (401" in err
    assert flow_state(demo_flow_id)[0] == 1


def test_missing_flow_and_action(action: Path, demo_flow_id: str) -> None:
    code, _, err = hsrun("deploy", str(action), "--flow", "424242", "--action-id", "1")
    assert code == 7 and "flow 424242 does not exist" in err
    assert "hsrun portal flows list" in err
    code, _, err = hsrun("deploy", str(action), "--flow", demo_flow_id, "--action-id", "9")
    assert code == 7 and f"flow {demo_flow_id} on the local fake portal has no action 9" in err


def test_live_reads_its_own_secret_and_never_a_token_from_argv(action: Path) -> None:
    code, _, err = hsrun("deploy", str(action), "--flow", "1", "--action-id", "1", "--live")
    assert code == 7 and "has no secret HUBSPOT_LIVE_DEPLOY_TOKEN" in err
    assert "private app with the 'automation' scope in HubSpot" in err
    code, _, err = hsrun("deploy", str(action), "--flow", "1", "--action-id", "1", "--token", "x")
    assert code == 2 and "No such option" in err
