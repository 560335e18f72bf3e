"""The example workflow, flows/lead_routing.json, end to end against the fake portal."""

from __future__ import annotations

from typing import Any


def test_warm_lead_goes_down_the_warm_arm(hubspot: Any, run_workflow: Any) -> None:
    contact = hubspot.create(
        "contacts",
        {"email": "ada@example.com", "firstname": "Ada", "numemployees": "500-1000",
         "phone": "(415) 555-0100", "country": "US"},
    )  # fmt: skip
    e = run_workflow("flows/lead_routing.json", object_id=contact.id)
    assert e.status == "COMPLETED"
    assert e.path == ["1", "2", "4", "6", "7", "8", "9"]
    assert e.outputs["1"] == {"score": 40, "tier": "warm"}
    record = hubspot.get("contacts", contact.id).properties
    assert record["lifecyclestage"] == "marketingqualifiedlead"
    assert record["message"] == "Follow up with Ada (warm, score 40) at +14155550100"
    # The delay of one day passed on the virtual clock: the note was written a day later.
    delayed = next(s for s in e.steps if s.event == "DELAYED")
    written = next(s for s in e.steps if s.action_id == "9")
    assert written.at - delayed.at == 86400
