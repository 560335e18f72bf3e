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
