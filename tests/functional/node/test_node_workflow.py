"""A Node.js custom code action inside a workflow: outputs chain on, and HubSpot's retry rule
applies to what it throws."""

from __future__ import annotations

from typing import Any

import pytest
from wf_support import flow

pytestmark = pytest.mark.usefixtures("node_runtimes")

NODE_SCORE = """\
exports.main = async (event) => {
  const visits = Number(event.inputFields.visits);
  return { outputFields: { double: visits * 2, note: `visits: ${visits}` } };
};
"""

NODE_RATE_LIMITED = """\
const axios = require('axios');
exports.main = async (event) => {
  await axios.get(`https://api.hubapi.com/crm/v3/objects/contacts/${event.object.objectId}`,
                  { headers: { Authorization: `Bearer ${process.env.TOKEN}` } });
  return { outputFields: { ok: 'yes' } };
};
"""


def _code(source: str, outputs: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {
        "type": "CUSTOM_CODE",
        "actionId": "1",
        "runtime": "NODE24X",
        "sourceCode": source,
        "secretNames": extra.get("secrets", []),
        "inputFields": [{"name": k, "value": v} for k, v in extra.get("inputs", {}).items()],
        "outputFields": [{"name": k, "type": t} for k, t in outputs.items()],
        "connection": {"edgeType": "STANDARD", "nextActionId": "2"},
    }


def _set(name: str, value: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "SINGLE_CONNECTION",
        "actionId": "2",
        "actionTypeId": "0-5",
        "actionTypeVersion": 0,
        "fields": {"property_name": name, "value": value},
    }


def test_node_outputs_feed_the_next_action(hubspot: Any, run_workflow: Any) -> None:
    c = hubspot.create("contacts", {"email": "ada@example.com", "hs_analytics_num_visits": "21"})
    doc = flow(
        _code(
            NODE_SCORE,
            {"double": "NUMBER", "note": "STRING"},
            inputs={
                "visits": {"type": "OBJECT_PROPERTY", "propertyName": "hs_analytics_num_visits"}
            },
        ),
        _set("message", {"type": "FIELD_DATA", "actionId": "1", "dataKey": "note"}),
        name="node flow",
    )
    e = run_workflow(doc, object_id=c.id)
    assert e.outputs["1"] == {"double": 42, "note": "visits: 21"}
    assert hubspot.get("contacts", c.id).properties["message"] == "visits: 21"


@pytest.mark.hubspot_faults("429@1")
def test_a_429_thrown_by_axios_is_retried(hubspot: Any, run_workflow: Any) -> None:
    c = hubspot.create("contacts", {"email": "ada@example.com"})
    app = hubspot.private_app("wf", scopes=["crm.objects.contacts.read"])
    doc = flow(
        _code(NODE_RATE_LIMITED, {"ok": "STRING"}, secrets=["TOKEN"]),
        _set("firstname", {"type": "STATIC_VALUE", "staticValue": "continued"}),
        name="node flow",
    )
    e = run_workflow(doc, object_id=c.id, secrets={"TOKEN": app.token})
    assert e.events("1") == ["RETRY_SCHEDULED", "SUCCEEDED"]
    assert hubspot.get("contacts", c.id).properties["firstname"] == "continued"
