"""Search semantics over the model (contract §4.4): operators, groups, sorts, paging, caps."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.fake_hubspot import FakePortal


@pytest.fixture
def portal() -> FakePortal:
    portal = FakePortal()
    portal.rate_limits.enabled = False
    people = [
        ("ada@hubspot.com", "Ada", "Lovelace", "customer", "5"),
        ("alan@example.com", "Alan", "Turing", "lead", "12"),
        ("grace@hubspot.com", "Grace", "Hopper", "lead", None),
        ("linus@example.org", "Linus", "Pauling", "subscriber", "7"),
    ]
    portal.create_property("contacts", "visits", type="number", fieldType="number")
    for email, first, last, stage, visits in people:
        props = {"email": email, "firstname": first, "lastname": last, "lifecyclestage": stage}
        if visits:
            props["visits"] = visits
        portal.create("contacts", props)
    return portal


def search(portal: FakePortal, body: dict[str, Any]) -> dict[str, Any]:
    app = portal.apps.apps.get("s") or portal.private_app("s", ["crm.objects.contacts.read"])
    response = portal.request("POST", "/crm/v3/objects/contacts/search", token=app.token, json=body)
    assert response.status == 200, response.body
    data: dict[str, Any] = response.json()
    return data


def names(data: dict[str, Any]) -> list[str]:
    return [r["properties"]["firstname"] for r in data["results"]]


def one(name: str, op: str, **extra: Any) -> dict[str, Any]:
    return {
        "filterGroups": [{"filters": [{"propertyName": name, "operator": op, **extra}]}],
        "properties": ["firstname"],
    }


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (one("email", "EQ", value="ADA@hubspot.com"), ["Ada"]),
        (one("lifecyclestage", "NEQ", value="lead"), ["Ada", "Linus"]),
        (one("visits", "GT", value="6"), ["Alan", "Linus"]),
        (one("visits", "LTE", value="7"), ["Ada", "Linus"]),
        (one("visits", "BETWEEN", value="6", highValue="12"), ["Alan", "Linus"]),
        (one("lifecyclestage", "IN", values=["lead", "customer"]), ["Ada", "Alan", "Grace"]),
        (one("lifecyclestage", "NOT_IN", values=["lead"]), ["Ada", "Linus"]),
        (one("visits", "HAS_PROPERTY"), ["Ada", "Alan", "Linus"]),
        (one("visits", "NOT_HAS_PROPERTY"), ["Grace"]),
        (one("email", "CONTAINS_TOKEN", value="*@hubspot.com"), ["Ada", "Grace"]),
        (one("email", "NOT_CONTAINS_TOKEN", value="*@hubspot.com"), ["Alan", "Linus"]),
        (one("createdate", "GTE", value="0"), ["Ada", "Alan", "Grace", "Linus"]),
    ],
)
def test_operators(portal: FakePortal, body: dict[str, Any], expected: list[str]) -> None:
    assert names(search(portal, body)) == expected


def test_groups_or_filters_and(portal: FakePortal) -> None:
    body = {
        "filterGroups": [
            {
                "filters": [
                    {"propertyName": "lifecyclestage", "operator": "EQ", "value": "lead"},
                    {"propertyName": "visits", "operator": "HAS_PROPERTY"},
                ]
            },
            {"filters": [{"propertyName": "firstname", "operator": "EQ", "value": "linus"}]},
        ]
    }
    assert names(search(portal, body | {"properties": ["firstname"]})) == ["Alan", "Linus"]


def test_sorts_query_paging_and_defaults(portal: FakePortal) -> None:
    ordered = search(portal, {"sorts": ["-visits"], "properties": ["firstname"]})
    assert names(ordered) == ["Alan", "Linus", "Ada", "Grace"]
    by_object = search(portal, {"sorts": [{"propertyName": "lastname", "direction": "ASCENDING"}]})
    assert [r["properties"]["lastname"] for r in by_object["results"]] == [
        "Hopper",
        "Lovelace",
        "Pauling",
        "Turing",
    ]
    assert set(by_object["results"][0]["properties"]) == {
        "createdate",
        "email",
        "firstname",
        "hs_object_id",
        "lastmodifieddate",
        "lastname",
    }
    assert names(search(portal, {"query": "turi", "properties": ["firstname"]})) == ["Alan"]
    first = search(portal, {"limit": 3})
    assert first["total"] == 4 and first["paging"]["next"]["after"] == "3"
    rest = search(portal, {"limit": 3, "after": "3"})
    assert len(rest["results"]) == 1 and "paging" not in rest


def test_archived_records_are_not_found(portal: FakePortal) -> None:
    ada = portal.find("contacts", firstname="Ada")[0]
    portal.archive("contacts", ada.id)
    assert search(portal, one("email", "EQ", value="ada@hubspot.com"))["total"] == 0


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"limit": 201}, "limit must be between"),
        ({"limit": 100, "after": "10000"}, "first 10000 results"),
        (one("colour", "EQ", value="x"), 'Property "colour" does not exist'),
        (one("email", "LIKE", value="x"), "operator 'LIKE'"),
        (one("email", "EQ"), "requires a 'value'"),
        (
            {"filterGroups": [{"filters": []}] * 6},
            "too many filterGroups (count: 6, max allowed: 5)",
        ),
    ],
)
def test_invalid_searches_are_400(portal: FakePortal, body: dict[str, Any], fragment: str) -> None:
    app = portal.private_app("s", ["crm.objects.contacts.read"])
    response = portal.request("POST", "/crm/v3/objects/contacts/search", token=app.token, json=body)
    assert response.status == 400 and fragment in response.json()["message"]


def test_association_pseudo_property(portal: FakePortal) -> None:
    company = portal.create("companies", {"name": "Acme"})
    grace = portal.find("contacts", firstname="Grace")[0]
    portal.associate("contacts", grace.id, "companies", company.id)
    assert names(search(portal, one("associations.company", "EQ", value=company.id))) == ["Grace"]


def test_total_counts_everything_but_paging_stops_at_10000() -> None:
    from runtime.fake_hubspot.core.object_types import CONTACTS

    portal = FakePortal()
    portal.rate_limits.enabled = False
    for _ in range(10_050):
        portal.objects.insert(CONTACTS, {"firstname": "x"})
    last = search(portal, {"limit": 100, "after": "9950"})
    assert last["total"] == 10_050 and len(last["results"]) == 50 and "paging" not in last


def test_a_sorted_order_follows_every_change(portal: FakePortal) -> None:
    # Sorted orders are reused between pages; a write must never leave a stale one behind.
    body = {"sorts": [{"propertyName": "visits", "direction": "DESCENDING"}], "limit": 2}
    first = search(portal, body)
    assert names(first) == ["Alan", "Linus"]
    assert names(search(portal, dict(body, after=first["paging"]["next"]["after"]))) == [
        "Ada",
        "Grace",
    ]
    (grace,) = portal.find("contacts", email="grace@hubspot.com")
    portal.update("contacts", grace.id, {"visits": "99"})
    assert names(search(portal, body)) == ["Grace", "Alan"]
    portal.archive("contacts", grace.id)
    assert names(search(portal, body)) == ["Alan", "Linus"]
    filtered = dict(
        body,
        filterGroups=[
            {"filters": [{"propertyName": "lifecyclestage", "operator": "EQ", "value": "lead"}]}
        ],
    )
    assert names(search(portal, filtered)) == ["Alan"]


def test_contains_token_follows_every_change(portal: FakePortal) -> None:
    # The token index is built on first use and kept current as records change.
    def token(value: str) -> list[str]:
        return sorted(names(search(portal, one("lastname", "CONTAINS_TOKEN", value=value))))

    assert token("hopper") == ["Grace"]
    (grace,) = portal.find("contacts", email="grace@hubspot.com")
    portal.update("contacts", grace.id, {"lastname": "Murray Hopper"})
    assert token("murray") == ["Grace"] and token("hopper") == ["Grace"]
    portal.update("contacts", grace.id, {"lastname": "Murray"})
    assert token("hopper") == []
    portal.create("contacts", {"email": "h2@example.com", "firstname": "Hal", "lastname": "Hopper"})
    assert token("hopper") == ["Hal"]
    portal.archive("contacts", grace.id)
    assert token("murray") == []
    assert token("*pper") == ["Hal"]  # wildcards still scan
