"""``deploy_action`` end to end against the fake portal, in-process and over loopback HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from runtime.contract.manifest import ActionManifest, load_action
from runtime.errors import CheckFailedError, DeployError
from runtime.fake_hubspot import FakePortal, serve
from runtime.fake_hubspot.automation.models import Flow, flows_of
from runtime.packaging import package_action
from runtime.packaging.deploy import (
    DRIFT_EDITED,
    DRIFT_FOREIGN,
    DeployTarget,
    deploy_action,
)
from runtime.secrets import SecretValue

ACTION = '''"""Normalise the enrolled contact's company name."""
import os

from _text import squash


def main(event):
    token = os.getenv("HUBSPOT_TOKEN")
    name = squash(event["inputFields"]["company"])
    return {"outputFields": {"company": name, "has_token": bool(token)}}
'''
HELPER = "import re\n\n\ndef squash(value):\n    return re.sub(r'\\s+', ' ', value or '').strip()\n"
MANIFEST = """object_type = "CONTACT"
secrets = ["HUBSPOT_TOKEN"]

[inputs]
company = "company"

[outputs]
company = "string"
has_token = "bool"
"""
FOREIGN_CODE = "exports.main = async (event, callback) => callback({outputFields: {}});\n"


@pytest.fixture
def action(tmp_path: Path) -> ActionManifest:
    folder = tmp_path / "actions"
    folder.mkdir()
    (folder / "tidy.py").write_text(ACTION, encoding="utf-8")
    (folder / "_text.py").write_text(HELPER, encoding="utf-8")
    (folder / "tidy.toml").write_text(MANIFEST, encoding="utf-8")
    return load_action(folder / "tidy.py")


def contact_flow(code: str = FOREIGN_CODE) -> dict[str, Any]:
    """A contact workflow: custom code (action 1, written in HubSpot), then a delay (2)."""
    return {
        "type": "CONTACT_FLOW",
        "objectTypeId": "0-1",
        "flowType": "WORKFLOW",
        "name": "Tidy company names",
        "isEnabled": True,
        "startActionId": "1",
        "actions": [
            {
                "type": "CUSTOM_CODE",
                "actionId": "1",
                "runtime": "NODE20X",
                "sourceCode": code,
                "secretNames": [],
                "inputFields": [
                    {"name": "source", "value": {"type": "STATIC_VALUE", "staticValue": "ui"}}
                ],
                "outputFields": [],
                "connection": {"edgeType": "STANDARD", "nextActionId": "2"},
            },
            {
                "type": "SINGLE_CONNECTION",
                "actionId": "2",
                "actionTypeId": "0-1",
                "actionTypeVersion": 0,
                "fields": {"delta": "60", "time_unit": "MINUTES"},
            },
        ],
        "blockedDates": [],
        "timeWindows": [],
        "customProperties": {},
        "dataSources": [],
        "suppressionListIds": [],
        "canEnrollFromSalesforce": False,
    }


@pytest.fixture(params=["inprocess", "server"])
def base_url(request: pytest.FixtureRequest, hubspot: FakePortal) -> Iterator[str]:
    if request.param == "server":
        with serve(hubspot) as server:
            yield server.url
    else:
        yield "https://api.hubapi.com"  # intercepted: the `hubspot` fixture is the portal


@pytest.fixture
def target(hubspot: FakePortal, base_url: str) -> DeployTarget:
    app = hubspot.private_app("deploy", scopes=["automation"])
    return DeployTarget(base_url, SecretValue(app.token), "the test portal", "DEPLOY_TOKEN")


@pytest.fixture
def flow(hubspot: FakePortal) -> Flow:
    return flows_of(hubspot).create(contact_flow())


def deployed(hubspot: FakePortal, flow: Flow) -> dict[str, Any]:
    """Action 1 of ``flow`` as the portal holds it now."""
    action = flows_of(hubspot).get(flow.id).action("1")
    assert action is not None
    return action


def edit_in_hubspot(hubspot: FakePortal, flow: Flow, code: str) -> None:
    """What a user saving the action in HubSpot's editor does: a PUT with the new code."""
    with hubspot.lock:
        current = flows_of(hubspot).get(flow.id).to_api()
        current["actions"][0]["sourceCode"] = code
        flows_of(hubspot).update(flow.id, current)


def test_first_deploy_over_code_written_in_hubspot_needs_force(
    hubspot: FakePortal, action: ActionManifest, target: DeployTarget, flow: Flow
) -> None:
    with pytest.raises(DeployError) as refused:
        deploy_action(action, flow_id=flow.id, action_id=1, target=target)
    message = str(refused.value)
    assert refused.value.exit_code == 7
    assert f"action 1 of flow {flow.id} on the test portal {DRIFT_FOREIGN}" in message
    assert "nothing was written" in message and "--force" in message
    assert flows_of(hubspot).get(flow.id).revision == 1

    report = deploy_action(action, flow_id=flow.id, action_id="1", target=target, force=True)
    assert report.written and report.forced and report.drift == DRIFT_FOREIGN
    assert (report.revision_before, report.revision_after) == ("1", "2")
    changes = {c.field: (c.before, c.after) for c in report.changes}
    assert changes["runtime"] == ("NODE20X", "PYTHON39")
    assert changes["secrets"] == ("(none)", "HUBSPOT_TOKEN")
    assert changes["inputs"] == (
        'source = {"type": "STATIC_VALUE", "staticValue": "ui"}',
        "company = property company",
    )
    assert changes["outputs"] == ("(none)", "company: STRING; has_token: BOOL")
    assert "-exports.main" in report.code_diff and "+from _text" not in report.code_diff

    action_now = deployed(hubspot, flow)
    # The flow's wiring is the flow's: the connection and the next action stay as they were.
    assert action_now["connection"] == {"edgeType": "STANDARD", "nextActionId": "2"}
    after = flows_of(hubspot).get(flow.id)
    assert after.actions[1] == contact_flow()["actions"][1]
    assert after.body["isEnabled"] is True and after.name == "Tidy company names"


def test_deployed_code_is_byte_identical_to_hsrun_package(
    hubspot: FakePortal, action: ActionManifest, target: DeployTarget, flow: Flow, tmp_path: Path
) -> None:
    deploy_action(action, flow_id=flow.id, action_id="1", target=target, force=True)
    packaged = package_action(action, tmp_path / "dist")
    code = deployed(hubspot, flow)["sourceCode"]
    assert code.encode("utf-8") == packaged.source_path.read_bytes()
    assert "def squash(value):" in code  # the helper was inlined
    assert code.splitlines()[-1] == f"# hsrun:sha256={packaged.bundle.sha256}"


def test_redeploy_without_drift(
    hubspot: FakePortal, action: ActionManifest, target: DeployTarget, flow: Flow
) -> None:
    deploy_action(action, flow_id=flow.id, action_id="1", target=target, force=True)
    again = deploy_action(action, flow_id=flow.id, action_id="1", target=target)
    assert again.up_to_date and not again.written and again.drift is None
    assert flows_of(hubspot).get(flow.id).revision == 2  # nothing was PUT

    source = action.source_path
    source.write_text(ACTION.replace('"company": name', '"company": name.title()'), "utf-8")
    changed = deploy_action(load_action(source), flow_id=flow.id, action_id="1", target=target)
    assert changed.written and changed.drift is None and not changed.forced
    assert changed.revision_after == "3" and changed.changes == ()
    assert '+    return {"outputFields": {"company": name.title()' in changed.code_diff
    assert "name.title()" in deployed(hubspot, flow)["sourceCode"]


def test_code_edited_in_hubspot_is_drift(
    hubspot: FakePortal, action: ActionManifest, target: DeployTarget, flow: Flow
) -> None:
    deploy_action(action, flow_id=flow.id, action_id="1", target=target, force=True)
    ours = deployed(hubspot, flow)["sourceCode"]
    edited = ours.replace("def main(event):", "def main(event):\n    print('hotfix')")
    edit_in_hubspot(hubspot, flow, edited)

    with pytest.raises(DeployError, match="was edited in HubSpot since hsrun deployed it"):
        deploy_action(action, flow_id=flow.id, action_id="1", target=target)
    assert deployed(hubspot, flow)["sourceCode"] == edited  # the hotfix survives

    preview = deploy_action(action, flow_id=flow.id, action_id="1", target=target, dry_run=True)
    assert preview.drift == DRIFT_EDITED and not preview.written
    assert "-    print('hotfix')" in preview.code_diff

    forced = deploy_action(action, flow_id=flow.id, action_id="1", target=target, force=True)
    assert forced.forced and deployed(hubspot, flow)["sourceCode"] == ours


def test_dry_run_writes_nothing(
    hubspot: FakePortal, action: ActionManifest, target: DeployTarget, flow: Flow
) -> None:
    before = flows_of(hubspot).get(flow.id).to_api()
    report = deploy_action(
        action, flow_id=flow.id, action_id="1", target=target, dry_run=True, force=True
    )
    assert report.dry_run and not report.written and not report.forced
    assert report.revision_after is None and report.code_diff
    assert flows_of(hubspot).get(flow.id).to_api() == before
    assert [c["method"] for c in hubspot.calls(app="deploy")] == ["GET"]


def test_an_empty_action_is_not_drift(
    hubspot: FakePortal, action: ActionManifest, target: DeployTarget
) -> None:
    empty = flows_of(hubspot).create(contact_flow(code=""))
    report = deploy_action(action, flow_id=empty.id, action_id="1", target=target)
    assert report.written and report.drift is None


def test_a_flow_changed_between_read_and_write_is_refused(
    hubspot: FakePortal, action: ActionManifest, target: DeployTarget, flow: Flow
) -> None:
    def someone_saves_meanwhile(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        if response.request.method == "GET":
            with hubspot.lock:
                current = flows_of(hubspot).get(flow.id).to_api()
                flows_of(hubspot).update(flow.id, dict(current, name="Renamed meanwhile"))

    with requests.Session() as session:
        session.hooks["response"].append(someone_saves_meanwhile)
        with pytest.raises(DeployError) as refused:
            deploy_action(
                action, flow_id=flow.id, action_id="1", target=target, force=True, session=session
            )
    message = str(refused.value)
    assert refused.value.exit_code == 7
    assert f"cannot deploy to action 1 of flow {flow.id} on the test portal" in message
    assert "the flow changed while deploying" in message and "409 CONFLICT" in message
    assert "Nothing was written" in message and "run the deploy again" in message
    after = flows_of(hubspot).get(flow.id)
    assert after.name == "Renamed meanwhile" and after.revision == 2
    assert deployed(hubspot, flow)["sourceCode"] == FOREIGN_CODE


@pytest.mark.parametrize(
    ("flow_id", "action_id", "fragment"),
    [
        ("999", "1", "flow 999 does not exist there (404 OBJECT_NOT_FOUND: Flow 999 does not"),
        ("{flow}", "7", "has no action 7; nothing was written. Its custom code actions: 1"),
        ("{flow}", "2", "action 2 of flow {flow} on the test portal is a SINGLE_CONNECTION"),
        ("my-flow", "1", "flow id 'my-flow' is not a number"),
    ],
)
def test_missing_flow_or_action(
    action: ActionManifest,
    target: DeployTarget,
    flow: Flow,
    flow_id: str,
    action_id: str,
    fragment: str,
) -> None:
    with pytest.raises(DeployError) as refused:
        deploy_action(
            action, flow_id=flow_id.format(flow=flow.id), action_id=action_id, target=target
        )
    assert fragment.format(flow=flow.id) in str(refused.value)
    assert refused.value.exit_code == 7


def test_tokens_without_the_scope_or_unknown(
    hubspot: FakePortal, action: ActionManifest, base_url: str, flow: Flow
) -> None:
    crm = hubspot.private_app("crm", scopes=["crm.objects.contacts.write"])
    no_scope = DeployTarget(base_url, SecretValue(crm.token), "the test portal", "CRM_TOKEN")
    with pytest.raises(DeployError) as denied:
        deploy_action(action, flow_id=flow.id, action_id="1", target=no_scope, force=True)
    message = str(denied.value)
    assert "the token in CRM_TOKEN lacks the 'automation' scope" in message
    assert "403 MISSING_SCOPES" in message and f"flow {flow.id}" in message
    assert crm.token not in message and crm.token not in repr(no_scope)

    revoked = DeployTarget(base_url, SecretValue("pat-na1-" + "0" * 36), "the test portal", "OLD")
    with pytest.raises(DeployError, match=r"the token in OLD was refused \(401 INVALID_AUTH"):
        deploy_action(action, flow_id=flow.id, action_id="1", target=revoked, force=True)
    assert flows_of(hubspot).get(flow.id).revision == 1


def test_an_action_failing_check_is_refused_before_any_call(
    hubspot: FakePortal, action: ActionManifest, target: DeployTarget, flow: Flow
) -> None:
    action.source_path.write_text("def main(event):\n    match event:\n        case _: pass\n")
    with pytest.raises(CheckFailedError) as refused:
        deploy_action(
            load_action(action.source_path), flow_id=flow.id, action_id="1", target=target
        )
    assert str(refused.value).startswith("refusing to deploy: ")
    assert "HS1" in str(refused.value) and "Nothing was deployed." in str(refused.value)
    assert hubspot.calls(app="deploy") == []


def test_a_flow_on_another_object_type_is_noted(
    hubspot: FakePortal, action: ActionManifest, target: DeployTarget
) -> None:
    deals = contact_flow()
    deals.update(type="PLATFORM_FLOW", objectTypeId="0-3")
    for key in ("suppressionListIds", "canEnrollFromSalesforce"):
        del deals[key]
    flow = flows_of(hubspot).create(deals)
    report = deploy_action(action, flow_id=flow.id, action_id="1", target=target, dry_run=True)
    assert report.notes and "enrolls 0-3 records" in report.notes[0]
