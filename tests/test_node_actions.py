"""The Node.js example actions, tested the way a user tests theirs: the plugin's fixtures,
offline, ``run_action("actions/x.js", ...)`` exactly as for a .py action."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from runtime.contract import load_event
from runtime.invoke import Runner, RunOptions
from runtime.invoke.batch import read_events, run_batch

ROOT = Path(__file__).resolve().parent.parent
ACTIONS = ROOT / "actions"
EVENTS = ROOT / "tests" / "events"

pytestmark = pytest.mark.usefixtures("node_runtimes")


def test_format_phone_js_matches_its_python_twin(run_action: Any) -> None:
    for name in ("format_phone.js", "format_phone.py"):
        result = run_action(f"actions/{name}", inputs={"phone": "(555) 010-2233"})
        assert result.status == "SUCCESS", result.error
        assert result.outputs == {"phone_e164": "+15550102233", "phone_valid": "yes"}
        assert "formatted '(555) 010-2233' for US: +15550102233" in result.log_text


def test_archive_contact_js(hubspot: Any, run_action: Any) -> None:
    contact = hubspot.create("contacts", {"email": "ada@example.com"})
    app = hubspot.private_app("ci", scopes=["crm.objects.contacts.write"])
    result = run_action(
        "actions/archive_contact.js", object_id=contact.id, secrets={"TEST_SECRET": app.token}
    )
    assert result.status == "SUCCESS", result.error
    assert result.outputs == {"archived": True, "contact_id": str(contact.id)}
    assert hubspot.get("contacts", contact.id, archived=True).archived
    assert [(c["method"], c["status"]) for c in hubspot.calls(app="ci")] == [("DELETE", 204)]
    assert result.libraries["@hubspot/api-client"].startswith("10.")


def test_archive_contact_js_is_retried_on_a_rate_limit(hubspot: Any, run_action: Any) -> None:
    contact = hubspot.create("contacts", {"email": "ada@example.com"})
    app = hubspot.private_app(
        "busy", scopes=["crm.objects.contacts.read", "crm.objects.contacts.write"]
    )
    for _ in range(100):  # a Starter portal's app may make 100 calls per 10 s
        assert hubspot.request("GET", f"/crm/v3/objects/contacts/{contact.id}", token=app.token)
    result = run_action(
        "actions/archive_contact.js", object_id=contact.id, secrets={"TEST_SECRET": app.token}
    )
    assert result.status == "RETRY_SCHEDULED"
    assert result.error.http_status == 429  # @hubspot/api-client's err.code
    assert result.retry_in_s[0] == 60
    assert "failed: 429" in result.log_text
    assert not hubspot.get("contacts", contact.id).archived


def test_archive_contact_js_without_write_scope_fails(hubspot: Any, run_action: Any) -> None:
    contact = hubspot.create("contacts", {"email": "ada@example.com"})
    app = hubspot.private_app("ro", scopes=["crm.objects.contacts.read"])
    result = run_action(
        "actions/archive_contact.js", object_id=contact.id, secrets={"TEST_SECRET": app.token}
    )
    assert result.status == "FAILED"  # a 403 is not retried
    assert result.error.http_status == 403
    assert "failed: 403" in result.log_text


def test_associate_deals_waits_for_promises_left_after_callback(
    hubspot: Any, run_action: Any
) -> None:
    contact = hubspot.create("contacts", {"email": "ada@example.com"})
    deals = [hubspot.create("deals", {"dealname": f"deal {n}"}) for n in (1, 2)]
    app = hubspot.private_app(
        "ci", scopes=["crm.objects.contacts.write", "crm.objects.deals.write"]
    )
    event = load_event(EVENTS / "associate_deals.json")
    result = run_action(
        "actions/associate_deals.js",
        event,
        inputs={"deal_ids": ";".join(str(d.id) for d in deals)},
        object_id=contact.id,
        secrets={"TEST_SECRET": app.token},
    )
    assert result.status == "SUCCESS", result.error
    assert result.runtime == "NODE20X"
    assert result.outputs == {"deal_count": 2}
    # callback() came first; the associations were still made, and their logs kept.
    assert sorted(hubspot.associated("contacts", contact.id, "deals")) == sorted(
        str(d.id) for d in deals
    )
    for deal in deals:
        assert f"associated contact {contact.id} with deal {deal.id}" in result.log_text


@pytest.mark.parametrize("warm", [False, True])
def test_format_phone_js_in_a_batch(warm: bool) -> None:
    events = read_events(EVENTS / "format_phone.jsonl")
    with Runner(RunOptions(warm=warm)) as runner:
        prepared = [runner.prepare(ACTIONS / "format_phone.js", event) for event in events]
        results = list(run_batch(runner, prepared, concurrency=2))
    results.sort(key=lambda r: r.event["object"]["objectId"])
    assert [r.status for r in results] == ["SUCCESS"] * 4
    assert [r.outputs["phone_valid"] for r in results] == ["yes", "yes", "no", "yes"]
    assert all(r.warm is warm for r in results)
