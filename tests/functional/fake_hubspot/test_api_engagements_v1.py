"""Legacy engagements v1 over the same activity records as the v3 object APIs."""

from __future__ import annotations

from typing import Any

Api = Any


def test_a_v1_note_is_a_v3_note_with_its_contact(api: Api, app: Any) -> None:
    contact = api.portal.create("contacts", {"email": "ada@example.com"})
    body = {
        "engagement": {"active": True, "type": "NOTE", "timestamp": 1_767_225_600_000},
        "associations": {"contactIds": [int(contact.id)]},
        "metadata": {"body": "Called Ada"},
    }
    created = api.call("POST", "/engagements/v1/engagements", app, json=body)
    assert created.status_code == 200
    answer = created.json()
    assert set(answer) == {"engagement", "associations", "attachments", "metadata"}
    engagement = answer["engagement"]
    assert engagement["type"] == "NOTE" and engagement["portalId"] == api.portal.portal_id
    assert engagement["timestamp"] == 1_767_225_600_000
    assert answer["associations"]["contactIds"] == [int(contact.id)]
    note = api.portal.get("notes", engagement["id"])
    assert note["hs_note_body"] == "Called Ada"
    assert api.portal.associated("contacts", contact.id, "notes") == [str(engagement["id"])]
    read = api.call("GET", f"/engagements/v1/engagements/{engagement['id']}", app).json()
    assert read["metadata"] == {"body": "Called Ada"}


def test_v1_errors_are_hubspot_shaped(api: Api, app: Any) -> None:
    no_metadata = {"engagement": {"type": "NOTE"}}
    response = api.call("POST", "/engagements/v1/engagements", app, json=no_metadata)
    # HubSpot's own words (hubspot-php#362).
    assert response.status_code == 400 and response.json()["message"] == "metadata cannot be null"
    bad_type = {"engagement": {"type": "FAX"}, "metadata": {}}
    assert api.call("POST", "/engagements/v1/engagements", app, json=bad_type).status_code == 400
    missing = api.call("GET", "/engagements/v1/engagements/424242", app)
    assert missing.status_code == 404
    assert api.portal.records("notes") == []


def _create(api: Api, app: Any, kind: str, metadata: dict[str, Any], **links: list[int]) -> Any:
    body = {
        "engagement": {"active": True, "type": kind, "timestamp": 1_767_225_600_000},
        "associations": links,
        "metadata": metadata,
    }
    answer = api.call("POST", "/engagements/v1/engagements", app, json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()["engagement"]["id"]


def test_v1_engagements_are_listed_page_by_page_across_types(api: Api, app: Any) -> None:
    made = [
        _create(api, app, "NOTE", {"body": "one"}),
        _create(api, app, "TASK", {"subject": "two"}),
        _create(api, app, "CALL", {"title": "three"}),
        _create(api, app, "NOTE", {"body": "four"}),
    ]
    api.portal.create("contacts", {"email": "not-an-engagement@example.com"})
    seen: list[int] = []
    offset = 0
    while True:
        page = api.call(
            "GET", f"/engagements/v1/engagements/paged?limit=3&offset={offset}", app
        ).json()
        assert set(page) == {"results", "hasMore", "offset"}
        seen.extend(r["engagement"]["id"] for r in page["results"])
        offset = page["offset"]
        if not page["hasMore"]:
            break
    assert seen == made
    types = [
        r["engagement"]["type"]
        for r in api.call("GET", "/engagements/v1/engagements/paged", app).json()["results"]
    ]
    assert types == ["NOTE", "TASK", "CALL", "NOTE"]


def test_v1_patch_changes_named_fields_put_replaces_delete_archives(api: Api, app: Any) -> None:
    contact = api.portal.create("contacts", {"email": "ada@example.com"})
    task = _create(
        api,
        app,
        "TASK",
        {"subject": "Call Ada", "body": "about renewal"},
        contactIds=[int(contact.id)],
    )
    path = f"/engagements/v1/engagements/{task}"
    patched = api.call("PATCH", path, app, json={"metadata": {"subject": "Call Ada back"}})
    assert patched.status_code == 200
    assert patched.json()["metadata"] == {"subject": "Call Ada back", "body": "about renewal"}
    assert api.portal.get("tasks", task)["hs_task_subject"] == "Call Ada back"  # the v3 record
    replaced = api.call(
        "PUT",
        path,
        app,
        json={"engagement": {"type": "TASK"}, "metadata": {"subject": "Done"}},
    ).json()
    assert replaced["metadata"] == {"subject": "Done"}  # body cleared
    assert replaced["associations"]["contactIds"] == [int(contact.id)]  # kept
    wrong = api.call("PATCH", path, app, json={"engagement": {"type": "NOTE"}})
    assert wrong.status_code == 400
    assert api.call("DELETE", path, app).status_code == 204
    assert api.call("GET", path, app).status_code == 404
    assert api.portal.get("tasks", task, archived=True).archived
    assert api.call("DELETE", "/engagements/v1/engagements/424242", app).status_code == 404
