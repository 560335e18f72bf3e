"""Workflows v4 flows over HTTP, in-process and against the loopback server.

``hubspot-api-client`` 12 has no v4 flows client, so the calls go through ``requests`` and the
client's generic ``api_request`` (which uses ``requests`` and ``base_url``, contract §5.2).
"""

from __future__ import annotations

import json
from typing import Any

import hubspot as hubspot_sdk
import pytest
from helpers import hsrun

from runtime.fake_hubspot import FakePortal, PrivateApp
from runtime.fake_hubspot.seed import demo_flow

Api = Any  # the `api` fixture (conftest.Api): the portal in-process or over HTTP

FLOWS = "/automation/v4/flows"


@pytest.fixture
def auto(hubspot: FakePortal) -> PrivateApp:
    return hubspot.private_app("workflows", scopes=["automation"])


def deal_flow(name: str = "Deal zip sync") -> dict[str, Any]:
    return {
        "type": "PLATFORM_FLOW",
        "objectTypeId": "0-3",
        "flowType": "WORKFLOW",
        "name": name,
        "isEnabled": False,
        "blockedDates": [],
        "timeWindows": [],
        "customProperties": {},
        "dataSources": [],
        "actions": [],
    }


def test_create_get_update_delete(api: Api, auto: PrivateApp) -> None:
    created = api.call("POST", FLOWS, auto, json=demo_flow())
    assert created.status_code == 201
    assert created.headers["Content-Type"] == "application/json;charset=utf-8"
    flow = created.json()
    assert flow["revisionId"] == "1" and flow["type"] == "CONTACT_FLOW"
    assert flow["actions"][0]["sourceCode"] == demo_flow()["actions"][0]["sourceCode"]
    got = api.call("GET", f"{FLOWS}/{flow['id']}", auto).json()
    assert got == flow
    got["actions"][0]["sourceCode"] += "# edited\n"
    put = api.call("PUT", f"{FLOWS}/{flow['id']}", auto, json=got)
    assert put.status_code == 200 and put.json()["revisionId"] == "2"
    assert put.json()["actions"][0]["sourceCode"].endswith("# edited\n")
    assert api.call("DELETE", f"{FLOWS}/{flow['id']}", auto).status_code == 204
    gone = api.call("GET", f"{FLOWS}/{flow['id']}", auto)
    assert gone.status_code == 404 and gone.json()["category"] == "OBJECT_NOT_FOUND"


def test_stale_revision_is_a_409_in_hubspots_envelope(api: Api, auto: PrivateApp) -> None:
    flow = api.call("POST", FLOWS, auto, json=deal_flow()).json()
    url = f"{FLOWS}/{flow['id']}"
    assert api.call("PUT", url, auto, json=dict(flow, name="First")).status_code == 200
    stale = api.call("PUT", url, auto, json=dict(flow, name="Second"))
    body = stale.json()
    assert stale.status_code == 409
    assert list(body) == ["status", "message", "correlationId", "context", "category"]
    assert body["category"] == "CONFLICT" and body["context"]["revisionId"] == ["2"]
    assert stale.headers["X-HubSpot-Correlation-Id"] == body["correlationId"]
    assert api.call("GET", url, auto).json()["name"] == "First"
    missing = api.call("PUT", url, auto, json={k: v for k, v in flow.items() if k != "revisionId"})
    assert missing.status_code == 400
    assert missing.json()["message"] == "Some required fields were not set: [revisionId]"


def test_create_validation_errors(api: Api, auto: PrivateApp) -> None:
    body = {k: v for k, v in demo_flow().items() if k not in ("timeWindows", "dataSources")}
    answer = api.call("POST", FLOWS, auto, json=body)
    assert answer.status_code == 400
    error = answer.json()
    assert error["category"] == "VALIDATION_ERROR"
    assert error["message"] == "Some required fields were not set: [dataSources, timeWindows]"
    assert [e["in"] for e in error["errors"]] == ["dataSources", "timeWindows"]
    bad_json = api.call(
        "POST", FLOWS, auto, data=b"{", headers={"Content-Type": "application/json"}
    )
    assert bad_json.status_code == 400 and bad_json.json()["message"].startswith("Invalid input")


def test_list_pages_forward(api: Api, auto: PrivateApp) -> None:
    ids = [api.call("POST", FLOWS, auto, json=deal_flow(f"f{i}")).json()["id"] for i in range(3)]
    page = api.call("GET", FLOWS, auto, params={"limit": 2}).json()
    assert [r["id"] for r in page["results"]] == ids[:2]
    assert set(page["results"][0]) == {
        "id",
        "isEnabled",
        "flowType",
        "revisionId",
        "objectTypeId",
        "createdAt",
        "updatedAt",
        "name",
    }
    nxt = page["paging"]["next"]
    assert nxt["after"] == ids[1] and nxt["link"].startswith(api.base_url)
    last = api.call("GET", FLOWS, auto, params={"after": nxt["after"], "limit": 2}).json()
    assert [r["id"] for r in last["results"]] == ids[2:] and "paging" not in last
    everything = api.call("GET", FLOWS, auto).json()  # default limit 100
    assert len(everything["results"]) == 3


def test_batch_read(api: Api, auto: PrivateApp) -> None:
    flow = api.call("POST", FLOWS, auto, json=deal_flow()).json()
    inputs = [{"type": "FLOW_ID", "flowId": flow["id"]}]
    found = api.call("POST", f"{FLOWS}/batch/read", auto, json={"inputs": inputs})
    assert found.status_code == 200
    assert found.json()["status"] == "COMPLETE" and found.json()["results"] == [flow]
    inputs.append({"type": "FLOW_ID", "flowId": "424242"})
    partial = api.call("POST", f"{FLOWS}/batch/read", auto, json={"inputs": inputs})
    assert partial.status_code == 207
    assert partial.json()["errors"][0]["context"] == {"flowIds": ["424242"]}
    wrong = api.call("POST", f"{FLOWS}/batch/read", auto, json={"inputs": [{"flowId": "1"}]})
    assert wrong.status_code == 400


def test_automation_scope_is_required(api: Api, hubspot: FakePortal) -> None:
    crm = hubspot.private_app("crm", scopes=["crm.objects.contacts.write"])
    for method, path in [("GET", FLOWS), ("POST", FLOWS), ("PUT", f"{FLOWS}/1")]:
        denied = api.call(method, path, crm, json={})
        assert denied.status_code == 403
        body = denied.json()
        assert body["category"] == "MISSING_SCOPES"
        assert body["errors"][0]["context"] == {"requiredGranularScopes": ["automation"]}
    anonymous = api.call("GET", FLOWS)
    assert anonymous.status_code == 401 and anonymous.json()["category"] == "INVALID_AUTHENTICATION"


def test_the_official_clients_generic_request(api: Api, auto: PrivateApp) -> None:
    client = hubspot_sdk.Client.create(access_token=auto.token, base_url=api.base_url)
    created = client.api_request({"method": "POST", "path": FLOWS, "body": deal_flow()})
    assert created.status_code == 201
    listed = client.api_request({"method": "GET", "path": FLOWS})
    assert [r["id"] for r in listed.json()["results"]] == [created.json()["id"]]
    assert api.portal.calls(app="workflows")[-1]["path"] == FLOWS


# -- hsrun portal flows ------------------------------------------------------------------------


def test_portal_flows_commands(tmp_path: Any) -> None:
    path = tmp_path / "flow.json"
    path.write_text(json.dumps(deal_flow("From a file")), encoding="utf-8")
    code, out, err = hsrun("portal", "flows", "create", str(path))
    assert code == 0, err
    assert out.startswith("Created flow ") and "(revision 1): From a file" in out
    flow_id = out.split()[2]
    code, out, _ = hsrun("portal", "flows", "list")
    assert code == 0 and f"{flow_id}  rev 1  PLATFORM_FLOW" in out and "From a file" in out
    code, out, _ = hsrun("portal", "flows", "show", flow_id)
    assert code == 0 and json.loads(out)["name"] == "From a file"
    code, out, _ = hsrun("portal", "flows", "list", "--json")
    assert [f["id"] for f in json.loads(out)] == [flow_id]
    assert json.loads(hsrun("portal", "info", "--json")[1])["flows"] == 1


def test_portal_flows_errors_are_portal_errors(tmp_path: Any) -> None:
    path = tmp_path / "flow.json"
    path.write_text(json.dumps({"type": "PLATFORM_FLOW"}), encoding="utf-8")
    code, _, err = hsrun("portal", "flows", "create", str(path))
    assert code == 7 and "HubSpot would answer 400: Some required fields" in err
    assert hsrun("portal", "flows", "list")[1].startswith("No flows")
    code, _, err = hsrun("portal", "flows", "show", "77")
    assert code == 7 and "Flow 77 does not exist" in err


def test_seeded_demo_flow_is_listed() -> None:
    assert hsrun("portal", "seed", "--demo")[0] == 0
    code, out, _ = hsrun("portal", "flows", "list")
    assert code == 0 and "Archive contacts (hsrun demo)  [1:CUSTOM_CODE]" in out
