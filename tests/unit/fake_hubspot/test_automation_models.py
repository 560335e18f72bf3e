"""Workflows v4 flows in the fake: HubSpot's rules, revisions, state and seeding (no HTTP)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from runtime.fake_hubspot import FakePortal, demo_dataset, seed_portal
from runtime.fake_hubspot.automation.models import AutomationBackend, flows_of
from runtime.fake_hubspot.core.errors import Conflict, ObjectNotFound, ValidationError
from runtime.fake_hubspot.seed import demo_flow


def platform_flow(**changes: Any) -> dict[str, Any]:
    """The contract's §8.3 example: a deal flow, custom code then "set property"."""
    flow: dict[str, Any] = {
        "type": "PLATFORM_FLOW",
        "objectTypeId": "0-3",
        "flowType": "WORKFLOW",
        "name": "Deal zip sync",
        "isEnabled": False,
        "startActionId": "1",
        "blockedDates": [],
        "timeWindows": [],
        "customProperties": {},
        "dataSources": [],
        "actions": [
            {
                "type": "CUSTOM_CODE",
                "actionId": "1",
                "runtime": "PYTHON39",
                "secretNames": ["PRIVATE_APP_TOKEN"],
                "sourceCode": "def main(event):\n    return {}\n",
                "inputFields": [
                    {
                        "name": "postal_code",
                        "value": {"type": "OBJECT_PROPERTY", "propertyName": "postal_code"},
                    }
                ],
                "outputFields": [{"name": "zip", "type": "STRING"}],
                "connection": {"edgeType": "STANDARD", "nextActionId": "2"},
            },
            {
                "type": "SINGLE_CONNECTION",
                "actionId": "2",
                "actionTypeId": "0-5",
                "actionTypeVersion": 0,
                "fields": {
                    "property_name": "postal_code",
                    "value": {"type": "FIELD_DATA", "actionId": "1", "dataKey": "zip"},
                },
            },
        ],
    }
    flow.update(changes)
    return flow


@pytest.fixture
def flows() -> AutomationBackend:
    return flows_of(FakePortal())


def test_create_answers_hubspots_flow_shape(flows: AutomationBackend) -> None:
    answer = flows.create(platform_flow()).to_api()
    assert list(answer)[:14] == [
        "type",
        "id",
        "isEnabled",
        "flowType",
        "revisionId",
        "createdAt",
        "updatedAt",
        "nextAvailableActionId",
        "actions",
        "timeWindows",
        "blockedDates",
        "customProperties",
        "dataSources",
        "crmObjectCreationStatus",
    ]
    assert answer["revisionId"] == "1" and answer["nextAvailableActionId"] == "3"
    assert answer["crmObjectCreationStatus"] == "COMPLETE"
    # Contact-only fields are not part of a platform flow (contract §8.3).
    assert "suppressionListIds" not in answer and "canEnrollFromSalesforce" not in answer
    contact = flows.create(demo_flow()).to_api()
    assert contact["suppressionListIds"] == [] and contact["canEnrollFromSalesforce"] is False
    assert int(contact["id"]) > int(answer["id"])


@pytest.mark.parametrize(
    ("flow_type", "dropped", "named"),
    [
        ("CONTACT_FLOW", "suppressionListIds", "[suppressionListIds]"),
        ("CONTACT_FLOW", "canEnrollFromSalesforce", "[canEnrollFromSalesforce]"),
        ("PLATFORM_FLOW", "dataSources", "[dataSources]"),
        ("PLATFORM_FLOW", "flowType", "[flowType]"),
    ],
)
def test_required_fields_per_flow_type(
    flows: AutomationBackend, flow_type: str, dropped: str, named: str
) -> None:
    body = demo_flow() if flow_type == "CONTACT_FLOW" else platform_flow()
    del body[dropped]
    with pytest.raises(ValidationError) as caught:
        flows.create(body)
    assert caught.value.message == f"Some required fields were not set: {named}"
    assert caught.value.errors == [{"message": caught.value.message, "in": dropped}]


def test_a_platform_flow_needs_no_contact_only_fields(flows: AutomationBackend) -> None:
    body = platform_flow()
    assert "suppressionListIds" not in body
    assert flows.create(body).type == "PLATFORM_FLOW"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({}, "Some required fields were not set: [type]"),
        (platform_flow(type="WORKFLOW"), "Invalid type 'WORKFLOW'"),
        (platform_flow(objectTypeId="0-1"), 'other than "0-1" objectType but got "0-1"'),
        (platform_flow(isEnabled="no"), "'isEnabled' must be a boolean, got string"),
        (platform_flow(actions={}), "'actions' must be an array, got object"),
        (platform_flow(flowType="SEQUENCE"), "Invalid flowType 'SEQUENCE'"),
        (platform_flow(startActionId="9"), "startActionId 9 names no action"),
    ],
)
def test_bad_flows_are_hubspots_400(
    flows: AutomationBackend, body: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(ValidationError, match=_escaped(fragment)):
        flows.create(body)
    assert flows.flows == {}


def _escaped(text: str) -> str:
    return "".join("\\" + c if c in "[]().*+?" else c for c in text)


def _code_action(**changes: Any) -> dict[str, Any]:
    action: dict[str, Any] = dict(platform_flow()["actions"][0])
    action.pop("connection")
    action.update(changes)
    return action


@pytest.mark.parametrize(
    ("action", "fragment"),
    [
        (_code_action(runtime="PYTHON311"), 'Supported runtimes are: "PYTHON39", "NODE16X"'),
        (_code_action(sourceCode=None), "[actions[0].sourceCode]"),
        (_code_action(secretNames="TOKEN"), "secretNames must be an array of strings"),
        (
            _code_action(inputFields=[{"name": "a", "value": {"type": "GUESS"}}]),
            "Invalid value for input field 'a'",
        ),
        (
            _code_action(
                inputFields=[
                    {"name": f"in{i}", "value": {"type": "STATIC_VALUE", "staticValue": "x"}}
                    for i in range(51)
                ]
            ),
            "51 input fields; a custom code action takes at most 50",
        ),
        (_code_action(outputFields=[{"name": "a"}, {"name": "a"}]), "Duplicate name 'a'"),
        (_code_action(connection={"nextActionId": "7"}), "refers to action 7"),
        ({"type": "TELEPORT", "actionId": "1"}, "Invalid action type 'TELEPORT'"),
    ],
)
def test_custom_code_actions_follow_the_v4_schema(
    flows: AutomationBackend, action: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(ValidationError, match=_escaped(fragment)):
        flows.create(platform_flow(actions=[action], startActionId="1"))


def test_duplicate_action_ids_and_field_data_references_are_checked(
    flows: AutomationBackend,
) -> None:
    one = _code_action()
    with pytest.raises(ValidationError, match="Duplicate actionId 1"):
        flows.create(platform_flow(actions=[one, dict(one)]))
    dangling = platform_flow()["actions"][1]
    with pytest.raises(ValidationError, match="Action 2 refers to action 1"):
        flows.create(platform_flow(actions=[dangling], startActionId="2"))


def test_update_needs_the_current_revision_and_increments_it(flows: AutomationBackend) -> None:
    created = flows.create(platform_flow()).to_api()
    flow_id = created["id"]
    edited = dict(created, name="Renamed")
    del edited["revisionId"]
    with pytest.raises(ValidationError, match=_escaped("[revisionId]")):
        flows.update(flow_id, edited)
    edited["revisionId"] = created["revisionId"]
    after = flows.update(flow_id, edited).to_api()
    assert (after["revisionId"], after["name"]) == ("2", "Renamed")
    assert after["createdAt"] == created["createdAt"] and after["id"] == flow_id
    with pytest.raises(Conflict) as stale:
        flows.update(flow_id, dict(edited, name="Lost"))  # still revision 1
    assert stale.value.status == 409 and "current revisionId is 2" in stale.value.message
    assert flows.get(flow_id).name == "Renamed"  # nothing changed


def test_update_cannot_change_type_object_or_kind(flows: AutomationBackend) -> None:
    created = flows.create(platform_flow()).to_api()
    for change, fragment in [
        ({"objectTypeId": "0-2"}, "objectTypeId cannot be changed"),
        ({"flowType": "ACTION_SET"}, "flowType cannot be changed"),
        (
            {"type": "CONTACT_FLOW", "canEnrollFromSalesforce": False, "suppressionListIds": []},
            "its type cannot change to CONTACT_FLOW",
        ),
    ]:
        with pytest.raises(ValidationError, match=fragment):
            flows.update(created["id"], dict(created, **change))
    # Left out, they are kept: a PUT need not repeat them.
    slim = {k: v for k, v in created.items() if k not in ("objectTypeId", "flowType")}
    assert flows.update(created["id"], slim).body["objectTypeId"] == "0-3"


def test_action_ids_are_never_reused(flows: AutomationBackend) -> None:
    created = flows.create(platform_flow()).to_api()
    only_code = dict(created, actions=[_code_action()])
    after = flows.update(created["id"], only_code).to_api()
    assert after["nextAvailableActionId"] == "3"  # action 2 is gone, its id stays used
    bumped = dict(after, nextAvailableActionId="10")
    assert flows.update(created["id"], bumped).to_api()["nextAvailableActionId"] == "10"


def test_missing_and_deleted_flows_are_404(flows: AutomationBackend) -> None:
    flow = flows.create(platform_flow())
    flows.delete(flow.id)
    for key in (flow.id, "abc", "999"):
        with pytest.raises(ObjectNotFound, match=f"Flow {key} does not exist"):
            flows.get(key)
    with pytest.raises(ObjectNotFound):
        flows.delete(flow.id)


def test_paging_by_id(flows: AutomationBackend) -> None:
    ids = [flows.create(platform_flow(name=f"f{i}")).id for i in range(5)]
    first, cursor = flows.page(after=0, limit=2)
    assert [f.id for f in first] == ids[:2] and cursor == ids[1]
    rest, end = flows.page(after=ids[3], limit=2)
    assert [f.id for f in rest] == ids[4:] and end is None


def test_state_round_trip_and_merge_keep_flows() -> None:
    portal = FakePortal()
    flow = flows_of(portal).create(platform_flow())
    copy = FakePortal()
    copy.load_state(json.loads(json.dumps(portal.to_state())))
    assert flows_of(copy).get(flow.id).to_api() == flow.to_api()
    assert copy.to_state() == portal.to_state()


def test_demo_dataset_seeds_a_flow_with_a_custom_code_action() -> None:
    portal = FakePortal()
    counts = seed_portal(portal, demo_dataset())
    assert counts["flows"] == 1
    (flow,) = flows_of(portal).flows.values()
    action = flow.action("1")
    assert action is not None and action["type"] == "CUSTOM_CODE"
    assert "hsrun:sha256" not in action["sourceCode"]  # written in HubSpot, not by hsrun


def test_a_bad_seeded_flow_names_the_entry() -> None:
    from runtime.errors import PortalError

    with pytest.raises(PortalError, match=_escaped("seed flows[0]: Some required fields")):
        seed_portal(FakePortal(), {"flows": [{"type": "CONTACT_FLOW"}]})
