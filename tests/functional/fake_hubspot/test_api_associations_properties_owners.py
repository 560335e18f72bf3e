"""Associations v4, properties v3 and owners v3 through the official client, both modes."""

from __future__ import annotations

from typing import Any

import pytest
from hubspot.crm.associations.v4 import (
    AssociationSpec,
    BatchInputPublicAssociationMultiPost,
    BatchInputPublicFetchAssociationsBatchRequest,
)
from hubspot.crm.contacts import SimplePublicObjectInputForCreate
from hubspot.crm.properties import PropertyCreate
from hubspot.crm.properties.exceptions import ApiException as PropertiesApiException

Api = Any  # the `api` fixture (conftest.Api): the portal in-process or over HTTP


def test_default_and_labelled_associations(client: Any, api: Api, app: Any, hubspot: Any) -> None:
    contact = hubspot.create("contacts", {"email": "ada@example.com"})
    company = hubspot.create("companies", {"name": "Acme"})
    basic = client.crm.associations.v4.basic_api
    default = basic.create_default("contacts", contact.id, "companies", company.id)
    assert default.results[0].association_spec.association_type_id == 279
    labelled = basic.create(
        "contacts",
        contact.id,
        "companies",
        company.id,
        [AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=1)],
    )
    assert labelled.labels == ["Primary"] and labelled.from_object_type_id == "0-1"
    page = basic.get_page("contacts", contact.id, "companies")
    assert page.results[0].to_object_id == company.id
    assert sorted(t.type_id for t in page.results[0].association_types) == [1, 279]
    back = basic.get_page("companies", company.id, "contacts")  # the inverse exists too
    assert sorted(t.type_id for t in back.results[0].association_types) == [2, 280]
    v3 = api.call(
        "GET", f"/crm/v3/objects/contacts/{contact.id}?associations=companies", app
    ).json()
    assert {a["type"] for a in v3["associations"]["companies"]["results"]} == {
        "contact_to_company",
        "contact_to_company_unlabeled",
    }
    assert basic.archive("contacts", contact.id, "companies", company.id) is None
    assert hubspot.associated("companies", company.id, "contacts") == []


def test_put_status_codes_differ(api: Api, app: Any, hubspot: Any) -> None:
    contact = hubspot.create("contacts", {"email": "ada@example.com"})
    deal = hubspot.create("deals", {"dealname": "Big"})
    labelled = api.call(
        "PUT",
        f"/crm/v4/objects/contacts/{contact.id}/associations/deals/{deal.id}",
        app,
        json=[{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 4}],
    )
    default = api.call(
        "PUT", f"/crm/v4/objects/deals/{deal.id}/associations/default/contacts/{contact.id}", app
    )
    assert (labelled.status_code, default.status_code) == (201, 200)
    wrong = api.call(
        "PUT",
        f"/crm/v4/objects/contacts/{contact.id}/associations/deals/{deal.id}",
        app,
        json=[{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}],
    )
    assert wrong.status_code == 400
    ghost = api.call(
        "PUT",
        f"/crm/v4/objects/contacts/{contact.id}/associations/deals/999999",
        app,
        json=[{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 4}],
    )
    assert ghost.status_code == 400


def test_batch_associations(client: Any, hubspot: Any) -> None:
    contacts = [hubspot.create("contacts", {"email": f"c{i}@example.com"}) for i in range(2)]
    company = hubspot.create("companies", {"name": "Acme"})
    batch = client.crm.associations.v4.batch_api
    created = batch.create(
        "contacts",
        "companies",
        BatchInputPublicAssociationMultiPost(
            inputs=[
                {
                    "from": {"id": c.id},
                    "to": {"id": company.id},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}],
                }
                for c in contacts
            ]
        ),
    )
    assert len(created.results) == 2
    read = batch.get_page(
        "companies",
        "contacts",
        BatchInputPublicFetchAssociationsBatchRequest(inputs=[{"id": company.id}]),
    )
    assert sorted(t.to_object_id for t in read.results[0].to) == sorted(c.id for c in contacts)


def test_inline_associations_on_create(client: Any, hubspot: Any) -> None:
    company = hubspot.create("companies", {"name": "Acme"})
    contact = client.crm.contacts.basic_api.create(
        SimplePublicObjectInputForCreate(
            properties={"email": "ada@example.com"},
            associations=[
                {
                    "to": {"id": company.id},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}],
                }
            ],
        )
    )
    assert hubspot.associated("contacts", contact.id, "companies") == [company.id]


def test_properties_list_get_create(client: Any, hubspot: Any) -> None:
    core = client.crm.properties.core_api
    names = {p.name for p in core.get_all("contacts").results}
    assert {"email", "firstname", "lifecyclestage", "hs_object_id"} <= names
    email = core.get_by_name("contacts", "email")
    assert email.type == "string" and email.field_type == "text"
    created = core.create(
        "contacts",
        PropertyCreate(
            name="tier",
            label="Tier",
            type="enumeration",
            field_type="select",
            group_name="contactinformation",
            options=[{"label": "Gold", "value": "gold", "displayOrder": 0, "hidden": False}],
        ),
    )
    assert created.name == "tier" and created.options[0].value == "gold"
    with pytest.raises(PropertiesApiException) as info:
        core.create(
            "contacts",
            PropertyCreate(
                name="tier",
                label="Tier",
                type="string",
                field_type="text",
                group_name="contactinformation",
            ),
        )
    assert info.value.status == 409
    hubspot.create("contacts", {"email": "ada@example.com", "tier": "gold"})
    with pytest.raises(Exception, match="INVALID_OPTION"):
        hubspot.create("contacts", {"email": "alan@example.com", "tier": "bronze"})


def test_owners_and_owner_property(client: Any, api: Api, app: Any, hubspot: Any) -> None:
    owner = hubspot.create_owner("sam@example.com", "Sam", "Rivera")
    page = client.crm.owners.owners_api.get_page(email="sam@example.com")
    assert [o.id for o in page.results] == [owner["id"]]
    by_user = client.crm.owners.owners_api.get_by_id(owner["userId"], id_property="userId")
    assert by_user.email == "sam@example.com"
    ok = api.call(
        "POST",
        "/crm/v3/objects/contacts",
        app,
        json={"properties": {"hubspot_owner_id": owner["id"]}},
    )
    bad = api.call(
        "POST", "/crm/v3/objects/contacts", app, json={"properties": {"hubspot_owner_id": "999"}}
    )
    assert (ok.status_code, bad.status_code) == (201, 400)
