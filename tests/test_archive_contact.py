"""The example action, tested the way a user tests theirs: the plugin's fixtures, offline."""

from __future__ import annotations

from typing import Any


def test_archive_contact(hubspot: Any, run_action: Any) -> None:
    contact = hubspot.create("contacts", {"email": "ada@example.com"})
    app = hubspot.private_app("ci", scopes=["crm.objects.contacts.write"])
    result = run_action(
        "actions/archive_contact.py", object_id=contact.id, secrets={"TEST_SECRET": app.token}
    )
    assert result.status == "SUCCESS"
    assert result.outputs == {"archived": True, "contact_id": str(contact.id)}
    assert hubspot.get("contacts", contact.id, archived=True).archived
    assert [(c["method"], c["status"]) for c in hubspot.calls(app="ci")] == [("DELETE", 204)]


def test_read_scope_only_fails_with_hubspots_403(hubspot: Any, run_action: Any) -> None:
    contact = hubspot.create("contacts", {"email": "ada@example.com"})
    app = hubspot.private_app("ro", scopes=["crm.objects.contacts.read"])
    result = run_action(
        "actions/archive_contact.py", object_id=contact.id, secrets={"TEST_SECRET": app.token}
    )
    assert result.status == "FAILED"  # a 403 is not retried
    assert result.error.type == "ForbiddenException"
    assert "failed: 403" in result.log_text
    assert '"category":"MISSING_SCOPES"' in result.log_text.replace(" ", "")
    assert "crm.objects.contacts.write" in result.log_text
    assert not hubspot.get("contacts", contact.id).archived


def test_a_deleted_apps_token_gets_hubspots_401(hubspot: Any, run_action: Any) -> None:
    contact = hubspot.create("contacts", {"email": "ada@example.com"})
    app = hubspot.private_app("gone", scopes=["crm.objects.contacts.write"])
    hubspot.apps.delete("gone")
    result = run_action(
        "actions/archive_contact.py", object_id=contact.id, secrets={"TEST_SECRET": app.token}
    )
    assert result.status == "FAILED"
    assert "failed: 401" in result.log_text
    assert "Authentication credentials not found" in result.log_text


def test_rate_limited_archive_is_retried_by_hubspot(hubspot: Any, run_action: Any) -> None:
    contact = hubspot.create("contacts", {"email": "ada@example.com"})
    app = hubspot.private_app(
        "busy", scopes=["crm.objects.contacts.read", "crm.objects.contacts.write"]
    )
    # A Starter portal's app may make 100 calls per 10 s: use them all up first.
    for _ in range(100):
        answer = hubspot.request("GET", f"/crm/v3/objects/contacts/{contact.id}", token=app.token)
        assert answer.status == 200
    result = run_action(
        "actions/archive_contact.py", object_id=contact.id, secrets={"TEST_SECRET": app.token}
    )
    assert result.status == "RETRY_SCHEDULED"
    assert result.error.http_status == 429
    assert result.retry_in_s[0] == 60
    assert "TEN_SECONDLY_ROLLING" in result.log_text
    assert not hubspot.get("contacts", contact.id).archived


def test_lead_score_reads_its_inputs_from_the_enrolled_contact(
    hubspot: Any, run_action: Any
) -> None:
    contact = hubspot.create(
        "contacts",
        {
            "email": "grace@navy.example",
            "jobtitle": "Director of Research",
            "numemployees": "1000+",
            "hs_analytics_num_visits": "4",
        },
    )
    result = run_action("actions/lead_score.py", object_id=contact.id)
    assert result.status == "SUCCESS", result.error
    assert result.event["inputFields"]["numemployees"] == "1000+"
    assert result.outputs == {"score": 74, "tier": "hot"}


def test_date_inputs_arrive_as_epoch_milliseconds(
    hubspot: Any, run_action: Any, tmp_path: Any
) -> None:
    action = tmp_path / "created.py"
    action.write_text(
        "def main(event):\n"
        "    return {'outputFields': {'created': int(event['inputFields']['createdate'])}}\n"
    )
    (tmp_path / "created.toml").write_text(
        '[inputs]\ncreatedate = "createdate"\n[outputs]\ncreated = "datetime"\n'
    )
    contact = hubspot.create("contacts", {"email": "ada@example.com"})
    result = run_action(action, object_id=contact.id)
    assert result.status == "SUCCESS", result.error
    assert result.event["inputFields"]["createdate"].isdigit()
    assert result.alerts == []
