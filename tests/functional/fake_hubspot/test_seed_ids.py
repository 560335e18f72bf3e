"""A seed puts owners and association labels at the ids real actions hard-code."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.errors import PortalError
from runtime.fake_hubspot import FakePortal, PrivateApp, seed_portal

SEED: dict[str, Any] = {
    "owners": [
        {"ref": "kim", "email": "kim@example.com", "id": 75201345, "userId": 9112},
        {"ref": "sam", "email": "sam@example.com"},
    ],
    "associationLabels": [
        {
            "from": "contacts",
            "to": "companies",
            "label": "Billing contact",
            "inverseLabel": "Billed company",
            "typeId": 41,
        }
    ],
    "records": {
        "contacts": [{"ref": "ada", "properties": {"email": "ada@example.com"}}],
        "companies": [{"ref": "acme", "properties": {"name": "Acme", "hubspot_owner_id": "@kim"}}],
    },
    "associations": [
        {"from": "contacts:ada", "to": "companies:acme", "typeId": 41, "category": "USER_DEFINED"}
    ],
}


def test_owners_and_labels_are_where_the_action_expects_them(
    api: Any, app: PrivateApp, client: Any
) -> None:
    counts = seed_portal(api.portal, SEED)
    assert counts["owners"] == 2 and counts["association labels"] == 1
    owner = client.crm.owners.owners_api.get_by_id(75201345)
    assert (owner.id, owner.user_id, owner.email) == ("75201345", 9112, "kim@example.com")
    company = api.portal.find("companies", name="Acme")[0]
    assert company.properties["hubspot_owner_id"] == "75201345"
    contact = api.portal.find("contacts", email="ada@example.com")[0]
    labels = api.call("GET", "/crm/v4/associations/contacts/companies/labels", app).json()
    mine = [r for r in labels["results"] if r["category"] == "USER_DEFINED"]
    assert mine == [{"category": "USER_DEFINED", "typeId": 41, "label": "Billing contact"}]
    inverse = api.call("GET", "/crm/v4/associations/companies/contacts/labels", app).json()
    assert {"category": "USER_DEFINED", "typeId": 42, "label": "Billed company"} in (
        inverse["results"]
    )
    linked = api.call(
        "GET", f"/crm/v4/objects/contacts/{contact.id}/associations/companies", app
    ).json()["results"]
    assert {"category": "USER_DEFINED", "typeId": 41, "label": "Billing contact"} in (
        linked[0]["associationTypes"]
    )
    # An owner or label made later gets an id of its own.
    later = api.portal.owners.create("later@example.com")
    assert later.id not in (75201345,) and later.user_id != 9112
    made = api.call(
        "POST",
        "/crm/v4/associations/contacts/companies/labels",
        app,
        json={"label": "Signer", "name": "signer"},
    ).json()
    assert {r["typeId"] for r in made["results"]}.isdisjoint({41, 42})


def test_a_seed_run_twice_finds_its_owners_and_labels_again() -> None:
    portal = FakePortal()
    seed_portal(portal, SEED)
    again = seed_portal(
        portal, {k: v for k, v in SEED.items() if k != "records" and k != "associations"}
    )
    assert again["owners"] == 0 and again["association labels"] == 0
    assert len(portal.owners.owners) == 2


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            {"owners": [{"email": "a@example.com", "id": 7}, {"email": "b@example.com", "id": 7}]},
            "owners[1]: owner id 7 is taken by a@example.com",
        ),
        (
            {
                "owners": [
                    {"email": "a@example.com", "userId": 5},
                    {"email": "b@example.com", "userId": 5},
                ]
            },
            "owners[1]: user id 5 is taken by a@example.com",
        ),
        (
            {"owners": [{"email": "a@example.com", "id": "x7"}]},
            "owners[0]: id must be a number, got 'x7'",
        ),
        (
            {
                "associationLabels": [
                    {"from": "contacts", "to": "companies", "label": "X", "typeId": 1}
                ]
            },
            "associationLabels[0]: association typeId 1 is taken (HUBSPOT_DEFINED contacts to "
            "companies",
        ),
        (
            {
                "associationLabels": [
                    {"from": "contacts", "to": "deals", "label": "A", "typeId": 900},
                    {"from": "contacts", "to": "tickets", "label": "B", "typeId": 901},
                ]
            },
            "associationLabels[1]: association typeId 901 is taken (USER_DEFINED deals to "
            "contacts, label 'A')",
        ),
        (
            {
                "associationLabels": [
                    {"from": "contacts", "to": "deals", "label": "A", "typeId": 900},
                    {"from": "contacts", "to": "deals", "label": "A", "typeId": 950},
                ]
            },
            "associationLabels[1]: the label 'A' exists with typeId 900, not 950",
        ),
        (
            {"owners": [{"email": "a@example.com", "id": 7}]},
            None,
        ),
    ],
)
def test_a_chosen_id_that_is_taken_is_refused_by_name(
    document: dict[str, Any], message: str | None
) -> None:
    portal = FakePortal()
    if message is None:
        seed_portal(portal, document)
        with pytest.raises(PortalError, match="exists with id 7, not 8"):
            seed_portal(portal, {"owners": [{"email": "a@example.com", "id": 8}]})
        return
    with pytest.raises(PortalError) as caught:
        seed_portal(portal, document)
    assert message in str(caught.value)
