"""Pipelines v3 (the default deal and ticket pipelines), legacy owners v2, the hapikey answer."""

from __future__ import annotations

from typing import Any

Api = Any


def test_deal_pipeline_through_the_official_client(api: Api, client: Any) -> None:
    pipelines = client.crm.pipelines.pipelines_api.get_all("deals").results
    assert [(p.id, p.label) for p in pipelines] == [("default", "Sales Pipeline")]
    stages = {s.id: s for s in pipelines[0].stages}
    assert stages["closedwon"].metadata == {"probability": "1.0", "isClosed": "true"}
    # every stage is a value the dealstage property accepts
    for stage_id in stages:
        api.portal.create("deals", {"dealname": stage_id, "dealstage": stage_id})
    one = client.crm.pipelines.pipeline_stages_api.get_by_id("deals", "default", "contractsent")
    assert one.label == "Contract Sent" and one.display_order == 4


def test_ticket_pipeline_raw_shape(api: Api, app: Any) -> None:
    body = api.call("GET", "/crm/v3/pipelines/tickets/0", app).json()
    assert set(body) == {
        "id",
        "label",
        "displayOrder",
        "stages",
        "createdAt",
        "updatedAt",
        "archived",
    }
    assert [(s["id"], s["metadata"]["ticketState"]) for s in body["stages"]] == [
        ("1", "OPEN"),
        ("2", "OPEN"),
        ("3", "OPEN"),
        ("4", "CLOSED"),
    ]
    missing = api.call("GET", "/crm/v3/pipelines/tickets/nope", app)
    assert missing.status_code == 404 and missing.json()["category"] == "OBJECT_NOT_FOUND"


def test_owners_v2_answers_from_the_same_owners(api: Api, app: Any) -> None:
    owner = api.portal.create_owner("sam@example.com", "Sam", "Rivera")
    listed = api.call("GET", "/owners/v2/owners?email=SAM@example.com", app).json()
    assert isinstance(listed, list) and len(listed) == 1
    assert listed[0]["ownerId"] == int(owner["id"]) and listed[0]["email"] == "sam@example.com"
    assert listed[0]["portalId"] == api.portal.portal_id
    one = api.call("GET", f"/owners/v2/owners/{owner['id']}", app).json()
    assert one["firstName"] == "Sam" and isinstance(one["createdAt"], int)


def test_a_hapikey_alone_is_hubspots_401(api: Api, app: Any) -> None:
    # API keys were sunset on 2022-11-30; a developer API key today gets the same 401 as no
    # credentials (a 2025 capture in StackOneHQ/mcp-connectors#153).
    response = api.call("GET", "/crm/v3/objects/contacts?hapikey=abc-123")
    assert response.status_code == 401
    body = response.json()
    assert body["category"] == "INVALID_AUTHENTICATION"
    assert body["message"].startswith("Authentication credentials not found.")


def test_property_groups_read_update_delete(api: Api, app: Any) -> None:
    token = api.portal.private_app(
        "schema", scopes=["crm.schemas.contacts.read", "crm.schemas.contacts.write"]
    )
    base = "/crm/v3/properties/contacts/groups"
    created = api.call("POST", base, token, json={"name": "scoring", "label": "Scoring"})
    assert created.status_code == 201
    patched = api.call("PATCH", f"{base}/scoring", token, json={"label": "Lead scoring"})
    assert patched.status_code == 200 and patched.json()["label"] == "Lead scoring"
    assert api.call("GET", f"{base}/scoring", token).json()["label"] == "Lead scoring"
    api.portal.create_property("contacts", "score", groupName="scoring")
    busy = api.call("DELETE", f"{base}/scoring", token)
    assert busy.status_code == 400 and busy.json()["category"] == "VALIDATION_ERROR"
    assert api.call("DELETE", f"{base}/contactinformation", token).status_code == 400
    api.portal.properties.archive(api.portal._type("contacts"), "score")
    assert api.call("DELETE", f"{base}/scoring", token).status_code == 204
    assert api.call("GET", f"{base}/scoring", token).status_code == 404
