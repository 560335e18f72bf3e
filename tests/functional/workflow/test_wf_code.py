"""Custom code in a workflow: chained outputs, failures, and HubSpot's retries on a clock."""

from __future__ import annotations

from typing import Any

import pytest
from wf_support import code, flow, set_prop, static

from runtime.contract.retry import retry_schedule

CREATE_THEN_UPDATE = """
import os
import requests

def main(event):
    headers = {"Authorization": "Bearer " + os.environ["TOKEN"]}
    base = "https://api.hubapi.com/crm/v3/objects"
    made = requests.post(base + "/deals", json={"properties": {"dealname": "Follow-up"}},
                         headers=headers)
    made.raise_for_status()
    oid = event["object"]["objectId"]
    done = requests.patch(f"{base}/contacts/{oid}",
                          json={"properties": {"hs_lead_status": "OPEN"}}, headers=headers)
    done.raise_for_status()
    return {"outputFields": {"deal_id": made.json()["id"]}}
"""

ALWAYS_RATE_LIMITED = """
import os
import requests

def main(event):
    answer = requests.get("https://api.hubapi.com/crm/v3/objects/contacts/"
                          + str(event["object"]["objectId"]),
                          headers={"Authorization": "Bearer " + os.environ["TOKEN"]})
    answer.raise_for_status()
    return {"outputFields": {"ok": "yes"}}
"""


def _app(hubspot: Any) -> Any:
    return hubspot.private_app(
        "wf",
        scopes=[
            "crm.objects.contacts.read",
            "crm.objects.contacts.write",
            "crm.objects.deals.write",
        ],
    )


def test_outputs_chain_through_inputs_branches_and_set_property(
    hubspot: Any, run_workflow: Any
) -> None:
    c = hubspot.create("contacts", {"email": "ada@example.com", "hs_analytics_num_visits": "41"})
    doc = flow(
        code("1", "def main(event):\n    n = int(event['inputFields']['visits'])\n"
                  "    return {'outputFields': {'double': n * 2, 'big': n > 40}}\n",
             inputs={"visits": {"type": "OBJECT_PROPERTY",
                                "propertyName": "hs_analytics_num_visits"}},
             outputs={"double": "NUMBER", "big": "BOOL"}, nxt="2"),
        {"type": "STATIC_BRANCH", "actionId": "2",
         "inputValue": {"type": "FIELD_DATA", "actionId": "1", "dataKey": "big"},
         "staticBranches": [{"branchValue": "true",
                             "connection": {"edgeType": "STANDARD", "nextActionId": "3"}}]},
        code("3", "def main(event):\n    f = event['inputFields']\n"
                  "    return {'outputFields': {'text': repr(f['double']) + ' ' + f['who']}}\n",
             inputs={"double": {"type": "FIELD_DATA", "actionId": "1", "dataKey": "double"},
                     "who": static("{{ enrolled_object.email }}")},
             outputs={"text": "STRING"}, nxt="4"),
        set_prop("4", "message", {"type": "FIELD_DATA", "actionId": "3", "dataKey": "text"}),
    )  # fmt: skip
    e = run_workflow(doc, object_id=c.id)
    assert e.path == ["1", "2", "3", "4"]
    assert e.outputs["1"] == {"double": 82, "big": True}
    assert e.output_types["1"] == {"double": "number", "big": "bool"}
    # Outputs reach later code as strings, as HubSpot passes values on.
    assert hubspot.get("contacts", c.id).properties["message"] == "'82' ada@example.com"


def test_a_failed_action_continues_by_default(hubspot: Any, run_workflow: Any) -> None:
    c = hubspot.create("contacts", {"email": "ada@example.com"})
    doc = flow(
        code("1", "def main(event):\n    raise ValueError('bad data')\n",
             outputs={"x": "STRING"}, nxt="2"),
        set_prop("2", "message", {"type": "FIELD_DATA", "actionId": "1", "dataKey": "x"}, "3"),
        set_prop("3", "firstname", static("after")),
    )  # fmt: skip
    e = run_workflow(doc, object_id=c.id)
    assert e.events("1") == ["FAILED"] and "ValueError: bad data" in e.steps[1].message
    assert e.path == ["1", "2", "3"] and e.status == "COMPLETED"
    props = hubspot.get("contacts", c.id).properties
    assert "message" not in props  # no output: nothing written
    assert props["firstname"] == "after"
    stopped = run_workflow(doc, object_id=c.id, on_failure="stop")
    assert stopped.status == "STOPPED" and stopped.path == ["1"]


@pytest.mark.hubspot_faults(",".join(f"429@{n}" for n in range(1, 40)))
def test_three_days_of_429s_give_up_on_the_virtual_clock(hubspot: Any, run_workflow: Any) -> None:
    c = hubspot.create("contacts", {"email": "ada@example.com"})
    doc = flow(
        code("1", ALWAYS_RATE_LIMITED, outputs={"ok": "STRING"}, secrets=["TOKEN"], nxt="2"),
        set_prop("2", "firstname", static("continued")),
    )
    e = run_workflow(doc, object_id=c.id, secrets={"TOKEN": _app(hubspot).token})
    events = e.events("1")
    attempts = len(retry_schedule()) + 1
    assert events == ["RETRY_SCHEDULED"] * (attempts - 1) + ["FAILED"]
    retries = [s for s in e.steps if s.event == "RETRY_SCHEDULED"]
    # One minute after the failure, then growing gaps capped at 8 hours, within 3 days.
    assert retries[0].details["resumeAt"] - retries[0].at == 60
    last = next(s for s in e.steps if s.action_id == "1" and s.event == "FAILED")
    assert 2.5 * 86400 < last.at - e.steps[0].at <= 3 * 86400
    assert "gave up" in last.message
    assert e.path == ["1", "2"]
    assert hubspot.get("contacts", c.id).properties["firstname"] == "continued"
    # Every attempt sent the same event (same callbackId).
    runs = {s.details["runId"] for s in e.steps if s.action_id == "1"}
    assert len(runs) == attempts


def test_an_injected_429_reveals_a_non_idempotent_retry(hubspot: Any, run_workflow: Any) -> None:
    c = hubspot.create("contacts", {"email": "ada@example.com"})
    doc = flow(code("1", CREATE_THEN_UPDATE, outputs={"deal_id": "STRING"}, secrets=["TOKEN"]))
    # Call 1 creates the deal, call 2 (the update) gets a 429: HubSpot retries the action.
    e = run_workflow(doc, object_id=c.id, secrets={"TOKEN": _app(hubspot).token}, inject="429@2")
    assert e.events("1") == ["RETRY_SCHEDULED", "ALERT", "SUCCEEDED"]
    [alert] = e.alerts
    assert alert["code"] == "NON_IDEMPOTENT_RETRY"
    assert "POST /crm/v3/objects/deals" in alert["message"]
    assert len(hubspot.records("deals")) == 2  # the double-deal bug, made visible
    assert hubspot.get("contacts", c.id).properties["hs_lead_status"] == "OPEN"


def test_a_retry_that_repeats_no_write_raises_no_alert(hubspot: Any, run_workflow: Any) -> None:
    c = hubspot.create("contacts", {"email": "ada@example.com"})
    doc = flow(code("1", CREATE_THEN_UPDATE, outputs={"deal_id": "STRING"}, secrets=["TOKEN"]))
    # The create itself fails: nothing was written before the retry.
    e = run_workflow(doc, object_id=c.id, secrets={"TOKEN": _app(hubspot).token}, inject="503@1")
    assert e.events("1") == ["RETRY_SCHEDULED", "SUCCEEDED"]
    assert e.alerts == []
    assert len(hubspot.records("deals")) == 1


@pytest.mark.usefixtures("node_runtimes")
def test_the_engine_runs_node_and_python_steps_alike(hubspot: Any, run_workflow: Any) -> None:
    c = hubspot.create("contacts", {"email": "ada@example.com", "firstname": "Ada"})
    node = code(
        "1",
        "exports.main = async (event, callback) => {\n"
        "  callback({ outputFields: { shout: event.inputFields.name.toUpperCase() } });\n"
        "};\n",
        inputs={"name": {"type": "OBJECT_PROPERTY", "propertyName": "firstname"}},
        outputs={"shout": "STRING"},
        nxt="2",
    )
    node["runtime"] = "NODE20X"
    doc = flow(
        node,
        code("2", "def main(event):\n    return {'outputFields': {'twice': event['inputFields']"
                  "['s'] * 2}}\n",
             inputs={"s": {"type": "FIELD_DATA", "actionId": "1", "dataKey": "shout"}},
             outputs={"twice": "STRING"}),
    )  # fmt: skip
    e = run_workflow(doc, object_id=c.id)
    assert e.events("1") == ["SUCCEEDED"], e.steps
    assert e.outputs == {"1": {"shout": "ADA"}, "2": {"twice": "ADAADA"}}
