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


def test_server_and_client_fixtures_share_the_portal(
    hubspot: Any, hubspot_server: Any, hubspot_client: Any
) -> None:
    app = hubspot.private_app("ci", scopes=["crm.objects.contacts.read"])
    contact = hubspot.create("contacts", {"email": "ada@example.com"})
    over_http = hubspot_client(app, host=hubspot_server.url).crm.contacts.basic_api
    in_process = hubspot_client(app.token).crm.contacts.basic_api
    assert over_http.get_by_id(contact.id).id == in_process.get_by_id(contact.id).id
    assert len(hubspot.calls(app="ci")) == 2


def test_inputs_come_from_the_enrolled_record(hubspot: Any, run_action: Any) -> None:
    contact = hubspot.create("contacts", {"email": "grace@example.com", "phone": "555 010 2233"})
    app = hubspot.private_app("ci", scopes=["crm.objects.contacts.write"])
    result = run_action(
        "actions/archive_contact.py", object_id=contact.id, secrets={"TEST_SECRET": app.token}
    )
    assert result.event["inputFields"]["email"] == "grace@example.com"


def test_a_success_resting_on_an_unemulated_call_is_flagged(
    hubspot: Any, run_action: Any, tmp_path: Any
) -> None:
    action = tmp_path / "legacy.py"
    action.write_text(
        "import requests\n\n"
        "def main(event):\n"
        "    r = requests.get('https://api.hubapi.com/reports/v2/nothing-here',\n"
        "                     headers={'Authorization': 'Bearer x'})\n"
        "    return {'outputFields': {'found': r.status_code != 404}}\n",
        encoding="utf-8",
    )
    result = run_action(action, object_id=1, inputs={})
    assert result.status == "SUCCESS", result.error
    alerts = [a for a in result.alerts if a.code == "API_NOT_EMULATED"]
    assert [a.message.split(" is ")[0] for a in alerts] == ["GET /reports/v2/nothing-here"]
    from rich.console import Console

    from runtime.invoke.render import panel

    console = Console(width=200, record=True)
    console.print(panel(result))
    assert "is not emulated by the fake portal" in console.export_text()


def test_an_action_cannot_reach_the_control_routes(
    hubspot: Any, run_action: Any, tmp_path: Any
) -> None:
    hubspot.create("contacts", {"email": "kept@example.com"})
    action = tmp_path / "wipe.py"
    action.write_text(
        "import requests\n\n"
        "def main(event):\n"
        "    r = requests.post('https://api.hubapi.com/_hsrun/reset')\n"
        "    return {'outputFields': {'status': r.status_code}}\n",
        encoding="utf-8",
    )
    result = run_action(action, object_id=1, inputs={})
    assert result.outputs == {"status": 404}
    assert hubspot.find("contacts", email="kept@example.com")
    assert any(a.code == "API_NOT_EMULATED" for a in result.alerts)
