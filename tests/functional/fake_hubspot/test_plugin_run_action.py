"""The pytest plugin's fixtures, dogfooded: the user-facing example of issue 4."""

from __future__ import annotations

from typing import Any


def test_archive_contact(hubspot: Any, run_action: Any) -> None:
    contact = hubspot.create("contacts", {"email": "ada@example.com"})
    app = hubspot.private_app("ci", scopes=["crm.objects.contacts.write"])
    result = run_action(
        "actions/archive_contact.py", object_id=contact.id, secrets={"TEST_SECRET": app.token}
    )
    assert result.status == "SUCCESS", result.error
    assert hubspot.get("contacts", contact.id, archived=True).archived
    assert [(c["method"], c["status"]) for c in result.api_calls] == [("DELETE", 204)]
