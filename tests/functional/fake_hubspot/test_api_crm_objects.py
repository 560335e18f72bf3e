"""CRM v3 objects through the official client and requests, in both modes (contract §4)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hubspot.crm.companies import SimplePublicObjectInputForCreate as CompanyCreate
from hubspot.crm.contacts import (
    ApiException,
    BatchInputSimplePublicObjectBatchInput,
    BatchInputSimplePublicObjectBatchInputForCreate,
    BatchInputSimplePublicObjectBatchInputUpsert,
    BatchInputSimplePublicObjectId,
    BatchReadInputSimplePublicObjectId,
    PublicGdprDeleteInput,
    PublicMergeInput,
    PublicObjectSearchRequest,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)
from hubspot.crm.contacts.exceptions import NotFoundException
from hubspot.crm.deals import SimplePublicObjectInputForCreate as DealCreate
from hubspot.crm.objects import SimplePublicObjectInputForCreate as ObjectCreate

Api = Any  # the `api` fixture (conftest.Api): the portal in-process or over HTTP

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def _create(client: Any, **props: str) -> Any:
    return client.crm.contacts.basic_api.create(SimplePublicObjectInputForCreate(properties=props))


def test_create_returns_201_with_hubspot_shape(api: Api, app: Any) -> None:
    response = api.call(
        "POST",
        "/crm/v3/objects/contacts",
        app,
        json={"properties": {"email": "ada@example.com", "firstname": "Ada"}},
    )
    assert response.status_code == 201
    assert response.headers["Content-Type"] == "application/json;charset=utf-8"
    body = response.json()
    assert re.fullmatch(r"\d+", body["id"])
    props = body["properties"]
    assert props["hs_object_id"] == body["id"] and props["email"] == "ada@example.com"
    assert props["hs_email_domain"] == "example.com" and props["lifecyclestage"] == "lead"
    assert list(props) == sorted(props)
    assert ISO_MS.match(body["createdAt"]) and ISO_MS.match(body["updatedAt"])
    assert body["archived"] is False


def test_client_crud_round_trip(client: Any, hubspot: Any) -> None:
    created = _create(client, email="ada@example.com", firstname="Ada")
    assert created.properties["firstname"] == "Ada"
    got = client.crm.contacts.basic_api.get_by_id(
        created.id, properties=["email", "firstname", "nope"]
    )
    assert got.properties["email"] == "ada@example.com"
    assert "nope" not in got.properties  # undefined requested property: omitted (§4.6)
    default = client.crm.contacts.basic_api.get_by_id(created.id)
    assert default.properties["lastname"] is None  # defined, unset: null
    updated = client.crm.contacts.basic_api.update(
        created.id, SimplePublicObjectInput(properties={"lastname": "Lovelace", "firstname": ""})
    )
    assert updated.properties["lastname"] == "Lovelace" and "firstname" not in updated.properties
    assert client.crm.contacts.basic_api.archive(created.id) is None
    with pytest.raises(NotFoundException):
        client.crm.contacts.basic_api.get_by_id(created.id)
    archived = client.crm.contacts.basic_api.get_by_id(created.id, archived=True)
    assert archived.archived and archived.archived_at is not None
    assert hubspot.get("contacts", created.id, archived=True).archived


def test_get_by_email_id_property_and_non_numeric_id(api: Api, client: Any, app: Any) -> None:
    created = _create(client, email="Grace@Example.com")
    by_email = client.crm.contacts.basic_api.get_by_id("grace@example.com", id_property="email")
    assert by_email.id == created.id
    response = api.call("GET", "/crm/v3/objects/contacts/grace%40example.com", app)
    assert response.status_code == 404
    body = response.json()
    assert body["category"] == "OBJECT_NOT_FOUND"
    assert body["message"] == "Object not found.  objectId are usually numeric."
    missing = api.call("GET", "/crm/v3/objects/contacts/999999", app)
    assert missing.status_code == 404 and missing.json()["category"] == "OBJECT_NOT_FOUND"
    assert missing.json()["message"] == "resource not found"


def test_duplicate_email_is_409_with_existing_id(client: Any) -> None:
    first = _create(client, email="ada@example.com")
    with pytest.raises(ApiException) as info:
        _create(client, email="ADA@example.com")
    assert info.value.status == 409
    assert f"Contact already exists. Existing ID: {first.id}" in info.value.body
    other = _create(client, email="alan@example.com")
    with pytest.raises(ApiException) as info:
        client.crm.contacts.basic_api.update(
            other.id, SimplePublicObjectInput(properties={"email": "ada@example.com"})
        )
    assert info.value.status == 409


def test_invalid_properties_are_one_400(api: Api, app: Any) -> None:
    response = api.call(
        "POST",
        "/crm/v3/objects/contacts",
        app,
        json={"properties": {"nope": "x", "lifecyclestage": "king", "email": "not-an-email"}},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["category"] == "VALIDATION_ERROR"
    assert body["message"].startswith("Property values were not valid: [")
    codes = {e["code"]: e["context"]["propertyName"] for e in body["errors"]}
    assert codes == {
        "PROPERTY_DOESNT_EXIST": ["nope"],
        "INVALID_OPTION": ["lifecyclestage"],
        "INVALID_EMAIL": ["email"],
    }


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"{not json", "Invalid input JSON on line 1"),
        (b"[1, 2]", "expected an object"),
        (b'{"properties": "x"}', "'properties' must be an object"),
        (b'{"properties": {"email": ["a"]}}', "Cannot deserialize"),
        (b"{}", "some of required attributes are not set [properties]"),
    ],
)
def test_malformed_requests_are_400_never_500(
    api: Api, app: Any, body: bytes, fragment: str
) -> None:
    response = api.call(
        "POST",
        "/crm/v3/objects/contacts",
        app,
        data=body,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json;charset=utf-8"
    assert fragment in response.json()["message"]


def test_list_pages_and_get_all(client: Any, hubspot: Any) -> None:
    with hubspot.relaxed_rate_limits():
        for i in range(12):
            hubspot.create("contacts", {"email": f"p{i}@example.com"})
        page = client.crm.contacts.basic_api.get_page(limit=5)
        assert len(page.results) == 5 and page.paging.next.after
        second = client.crm.contacts.basic_api.get_page(limit=5, after=page.paging.next.after)
        assert {r.id for r in page.results}.isdisjoint(r.id for r in second.results)
        assert len(client.crm.contacts.get_all()) == 12


def test_batch_read_207_lists_missing_ids(client: Any) -> None:
    known = _create(client, email="ada@example.com")
    result = client.crm.contacts.batch_api.read(
        BatchReadInputSimplePublicObjectId(
            inputs=[{"id": known.id}, {"id": "424242"}], properties=["email"]
        )
    )
    assert [r.id for r in result.results] == [known.id]
    assert result.errors[0].category == "OBJECT_NOT_FOUND"
    assert result.errors[0].context == {"ids": ["424242"]}
    assert "Could not get some CONTACT objects" in result.errors[0].message


def test_batch_create_update_upsert_archive(client: Any, hubspot: Any) -> None:
    batch = client.crm.contacts.batch_api
    created = batch.create(
        BatchInputSimplePublicObjectBatchInputForCreate(
            inputs=[
                {"properties": {"email": "a@example.com"}},
                {"properties": {"email": "b@example.com"}},
            ]
        )
    )
    assert created.status == "COMPLETE" and len(created.results) == 2
    ids = [r.id for r in created.results]
    updated = batch.update(
        BatchInputSimplePublicObjectBatchInput(
            inputs=[{"id": ids[0], "properties": {"firstname": "A"}}]
        )
    )
    assert updated.results[0].properties["firstname"] == "A"
    upserted = batch.upsert(
        BatchInputSimplePublicObjectBatchInputUpsert(
            inputs=[
                {"id": "b@example.com", "idProperty": "email", "properties": {"firstname": "B"}},
                {"id": "c@example.com", "idProperty": "email", "properties": {"firstname": "C"}},
            ]
        )
    )
    assert sorted((r.properties["firstname"], r.new) for r in upserted.results) == [
        ("B", False),
        ("C", True),
    ]
    assert (
        batch.archive(BatchInputSimplePublicObjectId(inputs=[{"id": ids[0]}, {"id": "999999"}]))
        is None
    )
    assert hubspot.get("contacts", ids[0], archived=True).archived


def test_batch_create_is_all_or_nothing_without_trace_ids(api: Api, app: Any, hubspot: Any) -> None:
    hubspot.create("contacts", {"email": "taken@example.com"})
    response = api.call(
        "POST",
        "/crm/v3/objects/contacts/batch/create",
        app,
        json={
            "inputs": [
                {"properties": {"email": "new@example.com"}},
                {"properties": {"email": "taken@example.com"}},
            ]
        },
    )
    assert response.status_code == 409
    assert len(hubspot.records("contacts")) == 1
    traced = api.call(
        "POST",
        "/crm/v3/objects/contacts/batch/create",
        app,
        json={
            "inputs": [
                {"properties": {"email": "new@example.com"}, "objectWriteTraceId": "t1"},
                {"properties": {"email": "taken@example.com"}, "objectWriteTraceId": "t2"},
            ]
        },
    )
    assert traced.status_code == 207
    assert traced.json()["errors"][0]["context"]["objectWriteTraceId"] == ["t2"]
    assert len(hubspot.records("contacts")) == 2


def test_oversized_batch_is_400(api: Api, app: Any) -> None:
    inputs = [{"id": str(i)} for i in range(101)]
    response = api.call("POST", "/crm/v3/objects/contacts/batch/read", app, json={"inputs": inputs})
    assert response.status_code == 400 and response.json()["category"] == "VALIDATION_ERROR"


def test_search_through_the_client(client: Any, hubspot: Any) -> None:
    with hubspot.relaxed_rate_limits():
        for name, score in (("Ada", 90), ("Alan", 40), ("Grace", 75)):
            hubspot.create("contacts", {"email": f"{name.lower()}@example.com", "firstname": name})
            hubspot.create("deals", {"dealname": f"{name} deal", "amount": str(score * 100)})
    found = client.crm.contacts.search_api.do_search(
        PublicObjectSearchRequest(
            filter_groups=[
                {
                    "filters": [
                        {"propertyName": "email", "operator": "EQ", "value": "GRACE@example.com"}
                    ]
                }
            ]
        )
    )
    assert found.total == 1 and found.results[0].properties["firstname"] == "Grace"
    deals = client.crm.deals.search_api.do_search(
        {
            "filterGroups": [
                {"filters": [{"propertyName": "amount", "operator": "GTE", "value": "5000"}]}
            ],
            "sorts": [{"propertyName": "amount", "direction": "DESCENDING"}],
            "properties": ["dealname", "amount"],
        }
    )
    assert [d.properties["dealname"] for d in deals.results] == ["Ada deal", "Grace deal"]
    query = client.crm.contacts.search_api.do_search({"query": "ala", "limit": 1})
    assert query.total == 1 and query.paging is None


def test_merge_and_gdpr_delete(client: Any, hubspot: Any) -> None:
    a = _create(client, email="a@example.com", firstname="A")
    b = _create(client, email="b@example.com", lastname="B")
    merged = client.crm.contacts.basic_api.merge(
        PublicMergeInput(primary_object_id=a.id, object_id_to_merge=b.id)
    )
    assert merged.id == a.id and merged.properties["lastname"] == "B"
    assert merged.properties["hs_merged_object_ids"] == b.id
    assert client.crm.contacts.basic_api.get_by_id(b.id).id == a.id  # old id still resolves
    assert client.crm.contacts.basic_api.purge(PublicGdprDeleteInput(object_id=a.id)) is None
    assert hubspot.records("contacts") == [] and hubspot.records("contacts", archived=True) == []


def test_other_types_and_generic_objects_api(client: Any) -> None:
    company = client.crm.companies.basic_api.create(
        CompanyCreate(properties={"name": "Acme", "domain": "acme.example"})
    )
    assert company.properties["hs_lastmodifieddate"]
    deal = client.crm.deals.basic_api.create(
        DealCreate(properties={"dealname": "Big", "amount": "100", "dealstage": "closedwon"})
    )
    assert (
        deal.properties["pipeline"] == "default" and deal.properties["hs_is_closed_won"] == "true"
    )
    ticket = client.crm.objects.basic_api.create(
        "0-5", ObjectCreate(properties={"subject": "Help", "hs_pipeline_stage": "1"})
    )
    same = client.crm.tickets.basic_api.get_by_id(ticket.id)
    assert same.properties["subject"] == "Help"
    via_alias = client.crm.objects.basic_api.get_by_id("0-2", company.id, properties=["name"])
    assert via_alias.properties["name"] == "Acme"
    with pytest.raises(Exception) as info:
        client.crm.deals.basic_api.create(
            DealCreate(properties={"dealname": "x", "dealstage": "nope"})
        )
    assert "INVALID_OPTION" in info.value.body  # type: ignore[attr-defined]


def test_unknown_object_type_is_400(api: Api, app: Any) -> None:
    response = api.call("GET", "/crm/v3/objects/widgets", app)
    assert response.status_code == 400
    assert response.json()["message"] == "Unable to infer object type from: widgets"


def test_query_parsing_accepts_python_and_csv_spellings(api: Api, app: Any, hubspot: Any) -> None:
    contact = hubspot.create(
        "contacts", {"email": "ada@example.com", "firstname": "Ada", "lastname": "L"}
    )
    for query in (
        "properties=firstname,lastname&archived=False",
        "properties=firstname&properties=lastname&archived=false",
    ):
        body = api.call("GET", f"/crm/v3/objects/contacts/{contact.id}?{query}", app).json()
        assert body["properties"]["firstname"] == "Ada" and body["properties"]["lastname"] == "L"


def test_properties_with_history_names_the_writing_app(api: Api, app: Any) -> None:
    contact = api.portal.create("contacts", {"email": "ada@example.com", "firstname": "Ada"})
    for name in ("Augusta", "Ada L."):
        patched = api.call(
            "PATCH",
            f"/crm/v3/objects/contacts/{contact.id}",
            app,
            json={"properties": {"firstname": name}},
        )
        assert patched.status_code == 200
    body = api.call(
        "GET", f"/crm/v3/objects/contacts/{contact.id}?propertiesWithHistory=firstname", app
    ).json()
    history = body["propertiesWithHistory"]["firstname"]
    assert [h["value"] for h in history] == ["Ada L.", "Augusta", "Ada"]  # newest first
    assert [h["sourceId"] for h in history] == [str(app.app_id), str(app.app_id), None]
    assert {h["sourceType"] for h in history} == {"INTEGRATION"}
    assert history[0]["timestamp"] >= history[1]["timestamp"] >= history[2]["timestamp"]
