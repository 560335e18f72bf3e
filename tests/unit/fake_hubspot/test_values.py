"""Property values: HubSpot's typing rules, one 400 listing every bad property."""

from __future__ import annotations

import pytest

from runtime.errors import PortalError
from runtime.fake_hubspot import FakePortal


@pytest.fixture
def portal() -> FakePortal:
    portal = FakePortal()
    portal.create_property("deals", "won_on", type="date", fieldType="date")
    portal.create_property("deals", "vip", type="bool", fieldType="booleancheckbox")
    portal.create_property(
        "tickets",
        "tags",
        type="enumeration",
        fieldType="checkbox",
        options=[{"label": "A", "value": "a"}, {"label": "B", "value": "b"}],
    )
    return portal


def test_values_are_stored_as_hubspot_strings(portal: FakePortal) -> None:
    deal = portal.create(
        "deals",
        {
            "dealname": 42,
            "amount": 1500.0,
            "closedate": 1700000000000,
            "won_on": "2024-01-15",
            "vip": True,
        },
    )
    props = deal.properties
    assert props["dealname"] == "42" and props["amount"] == "1500"
    assert props["closedate"] == "2023-11-14T22:13:20.000Z"
    assert props["won_on"] == "2024-01-15" and props["vip"] == "true"
    ticket = portal.create("tickets", {"subject": "x", "tags": "a;b"})
    assert ticket.properties["tags"] == "a;b"


@pytest.mark.parametrize(
    ("props", "code"),
    [
        ({"amount": "12 "}, "INVALID_DOUBLE"),
        ({"amount": "lots"}, "INVALID_DOUBLE"),
        ({"closedate": "tomorrow"}, "INVALID_LONG"),
        ({"won_on": "2024-01-15T10:00:00Z"}, "INVALID_DATE"),
        ({"vip": "yes"}, "INVALID_OPTION"),
        ({"dealstage": "won"}, "INVALID_OPTION"),
        ({"hs_object_id": "1"}, "READ_ONLY_VALUE"),
        ({"colour": "red"}, "PROPERTY_DOESNT_EXIST"),
    ],
)
def test_bad_values_are_refused_with_hubspots_code(
    portal: FakePortal, props: dict[str, str], code: str
) -> None:
    with pytest.raises(PortalError, match=code):
        portal.create("deals", props)


def test_empty_string_clears_a_property(portal: FakePortal) -> None:
    contact = portal.create("contacts", {"email": "ada@example.com", "firstname": "Ada"})
    cleared = portal.update("contacts", contact.id, {"firstname": ""})
    assert "firstname" not in cleared.properties
    assert cleared.properties["hs_full_name_or_email"] == "ada@example.com"


def test_invalid_email_and_case_insensitive_uniqueness(portal: FakePortal) -> None:
    with pytest.raises(PortalError, match="INVALID_EMAIL"):
        portal.create("contacts", {"email": "not-an-email"})
    first = portal.create("contacts", {"email": "Ada@Example.com"})
    with pytest.raises(PortalError, match=f"Existing ID: {first.id}"):
        portal.create("contacts", {"email": "ada@example.COM"})
    portal.archive("contacts", first.id)
    portal.create("contacts", {"email": "ada@example.com"})  # archived contacts free the email
