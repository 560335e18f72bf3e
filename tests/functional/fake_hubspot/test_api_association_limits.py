"""Association definition configurations (v4): user-enforced limits, set and enforced.

HubSpot (changelog 2024-07-30): a limit on a pair's unlabelled type caps how many records of
the other type one record is associated with, a label's limit caps that label, a label limit
may not exceed the object limit, and limits apply to new associations only.
"""

from __future__ import annotations

from typing import Any

from hubspot.crm.associations.v4.schema import (
    BatchInputPublicAssociationDefinitionConfigurationCreateRequest,
    BatchInputPublicAssociationDefinitionConfigurationUpdateRequest,
    BatchInputPublicAssociationSpec,
)

from runtime.fake_hubspot import FakePortal, PrivateApp

CONFIGS = "/crm/v4/associations/definitions/configurations"


def _link(api: Any, app: PrivateApp, a: str, a_id: str, b: str, b_id: str, type_id: int) -> Any:
    return api.call(
        "PUT",
        f"/crm/v4/objects/{a}/{a_id}/associations/{b}/{b_id}",
        app,
        json=[{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}],
    )


def test_a_deal_limited_to_one_contact_refuses_a_second(
    api: Any, app: PrivateApp, client: Any
) -> None:
    configs = client.crm.associations.v4.schema.definition_configurations_api
    created = configs.batch_create(
        "deals",
        "contacts",
        BatchInputPublicAssociationDefinitionConfigurationCreateRequest(
            inputs=[{"category": "HUBSPOT_DEFINED", "typeId": 3, "maxToObjectIds": 1}]
        ),
    )
    assert created.status == "COMPLETE"
    assert [
        (r.category, r.type_id, r.user_enforced_max_to_object_ids) for r in created.results
    ] == [("HUBSPOT_DEFINED", 3, 1)]
    listed = configs.get_all_between_two_object_types("deals", "contacts").results
    plain = next(r for r in listed if r.type_id == 3)
    assert plain.user_enforced_max_to_object_ids == 1 and plain.label is None
    assert [(r.type_id, r.user_enforced_max_to_object_ids) for r in configs.get_all().results] == [
        (3, 1)
    ]
    deal = api.portal.create("deals", {"dealname": "Renewal"})
    first = api.portal.create("contacts", {"email": "one@example.com"})
    second = api.portal.create("contacts", {"email": "two@example.com"})
    assert _link(api, app, "deals", deal.id, "contacts", first.id, 3).status_code == 201
    assert _link(api, app, "deals", deal.id, "contacts", first.id, 3).status_code == 201  # again
    refused = _link(api, app, "deals", deal.id, "contacts", second.id, 3)
    assert refused.status_code == 400
    assert refused.json()["category"] == "VALIDATION_ERROR"
    assert "more than 1 contacts" in refused.json()["message"]
    # From the contact's side too: the deal would hold two contacts.
    assert _link(api, app, "contacts", second.id, "deals", deal.id, 4).status_code == 400
    assert api.portal.associated("deals", deal.id, "contacts") == [first.id]
    # Removing the limit lets the second contact in.
    configs.batch_remove(
        "deals",
        "contacts",
        BatchInputPublicAssociationSpec(inputs=[{"category": "HUBSPOT_DEFINED", "typeId": 3}]),
    )
    assert _link(api, app, "deals", deal.id, "contacts", second.id, 3).status_code == 201


def test_label_limits_stay_within_the_object_limit(api: Any, app: PrivateApp) -> None:
    label = api.call(
        "POST", "/crm/v4/associations/contacts/companies/labels", app, json={"label": "Buyer"}
    ).json()["results"][0]["typeId"]
    pair = f"{CONFIGS}/contacts/companies"
    object_limit = {"inputs": [{"category": "HUBSPOT_DEFINED", "typeId": 279, "maxToObjectIds": 2}]}
    assert api.call("POST", f"{pair}/batch/create", app, json=object_limit).status_code == 201
    too_many = {"inputs": [{"category": "USER_DEFINED", "typeId": label, "maxToObjectIds": 3}]}
    answer = api.call("POST", f"{pair}/batch/create", app, json=too_many)
    assert answer.status_code == 207
    assert "between 1 and 2" in answer.json()["errors"][0]["message"]
    one = {"inputs": [{"category": "USER_DEFINED", "typeId": label, "maxToObjectIds": 1}]}
    assert api.call("POST", f"{pair}/batch/create", app, json=one).json()["results"] == [
        {
            "category": "USER_DEFINED",
            "typeId": label,
            "label": "Buyer",
            "userEnforcedMaxToObjectIds": 1,
        }
    ]
    lower = {"inputs": [{"category": "HUBSPOT_DEFINED", "typeId": 279, "maxToObjectIds": 0}]}
    assert api.call("POST", f"{pair}/batch/update", app, json=lower).status_code == 207
    contact = api.portal.create("contacts", {"email": "c@example.com"})
    acme = api.portal.create("companies", {"name": "Acme"})
    globex = api.portal.create("companies", {"name": "Globex"})
    spec = [{"associationCategory": "USER_DEFINED", "associationTypeId": label}]
    path = f"/crm/v4/objects/contacts/{contact.id}/associations/companies"
    assert api.call("PUT", f"{path}/{acme.id}", app, json=spec).status_code == 201
    refused = api.call("PUT", f"{path}/{globex.id}", app, json=spec)
    assert refused.status_code == 400 and "as 'Buyer'" in refused.json()["message"]
    # Unlabelled, the second company is within the object limit of 2.
    assert _link(api, app, "contacts", contact.id, "companies", globex.id, 279).status_code == 201


def test_limits_are_not_retroactive_and_survive_a_snapshot(
    api: Any, app: PrivateApp, client: Any
) -> None:
    deal = api.portal.create("deals", {"dealname": "Pilot"})
    contacts = [api.portal.create("contacts", {"email": f"p{i}@example.com"}) for i in range(3)]
    for person in contacts[:2]:
        assert _link(api, app, "deals", deal.id, "contacts", person.id, 3).status_code == 201
    configs = client.crm.associations.v4.schema.definition_configurations_api
    configs.batch_create(
        "deals",
        "contacts",
        BatchInputPublicAssociationDefinitionConfigurationCreateRequest(
            inputs=[{"category": "HUBSPOT_DEFINED", "typeId": 3, "maxToObjectIds": 1}]
        ),
    )
    assert len(api.portal.associated("deals", deal.id, "contacts")) == 2  # kept
    assert _link(api, app, "deals", deal.id, "contacts", contacts[2].id, 3).status_code == 400
    updated = configs.batch_update(
        "deals",
        "contacts",
        BatchInputPublicAssociationDefinitionConfigurationUpdateRequest(
            inputs=[{"category": "HUBSPOT_DEFINED", "typeId": 3, "maxToObjectIds": 3}]
        ),
    )
    assert updated.results[0].user_enforced_max_to_object_ids == 3
    copy = FakePortal()
    copy.load_state(api.portal.to_state())
    assert copy.associations.limits == {("deals", "contacts", "HUBSPOT_DEFINED", 3): 3}
