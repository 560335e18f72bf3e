"""Every standard CRM object type through the official client's per-type and generic APIs.

Shapes follow HubSpot's published schemas: ``SimplePublicObject`` (``id``, ``properties``,
``createdAt``, ``updatedAt``, ``archived``), ``CollectionResponse…`` (``results``, ``paging``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hubspot.crm.line_items import SimplePublicObjectInputForCreate as LineItemCreate
from hubspot.crm.objects import ApiException
from hubspot.crm.objects.notes import (
    AssociationSpec,
    PublicAssociationsForObject,
    PublicObjectId,
    SimplePublicObjectInputForCreate,
)
from hubspot.crm.objects.tasks import PublicObjectSearchRequest
from hubspot.crm.products import SimplePublicObjectInputForCreate as ProductCreate

from runtime.contract.object_types import OBJECT_TYPES
from runtime.fake_hubspot.core.scopes import READ, object_scopes

Api = Any

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
SCOPES = [
    "crm.objects.contacts.read",
    "crm.objects.contacts.write",
    "e-commerce",
    "crm.objects.quotes.read",
    "crm.objects.leads.read",
    "crm.objects.leads.write",
]
WHEN = "2026-03-01T10:00:00.000Z"


@pytest.fixture
def full(api: Api) -> Any:
    return api.client(api.portal.private_app("types", scopes=SCOPES))


def _simple_object_shape(body: dict[str, Any]) -> None:
    assert set(body) >= {"id", "properties", "createdAt", "updatedAt", "archived"}
    assert re.fullmatch(r"\d+", body["id"]) and body["archived"] is False
    assert ISO_MS.match(body["createdAt"]) and ISO_MS.match(body["updatedAt"])


def test_a_note_is_created_with_its_contact_and_read_back(api: Api, full: Any) -> None:
    contact = api.portal.create("contacts", {"email": "ada@example.com"})
    note = full.crm.objects.notes.basic_api.create(
        SimplePublicObjectInputForCreate(
            properties={"hs_timestamp": WHEN, "hs_note_body": "Called Ada"},
            associations=[
                PublicAssociationsForObject(
                    to=PublicObjectId(id=contact.id),
                    types=[
                        AssociationSpec(
                            association_category="HUBSPOT_DEFINED", association_type_id=202
                        )
                    ],
                )
            ],
        )
    )
    assert note.properties["hs_note_body"] == "Called Ada"
    assert note.properties["hs_timestamp"] == WHEN
    fetched = full.crm.objects.notes.basic_api.get_by_id(note.id, associations=["contacts"])
    assert set(fetched.properties) == {
        "hs_createdate",
        "hs_lastmodifieddate",
        "hs_object_id",
        "hs_note_body",
        "hs_timestamp",
    }
    assert [a.id for a in fetched.associations["contacts"].results] == [contact.id]
    assert fetched.associations["contacts"].results[0].type == "note_to_contact"
    assert api.portal.associated("contacts", contact.id, "notes") == [note.id]


def test_a_note_without_hs_timestamp_is_hubspots_400(api: Api, full: Any) -> None:
    response = api.call(
        "POST", "/crm/v3/objects/notes", full_token(api), json={"properties": {"hs_note_body": "x"}}
    )
    assert response.status_code == 400
    body = response.json()
    # Captured answer (hubspot-api-nodejs#124).
    assert body["message"] == "Error creating NOTE.  Some required properties were not set."
    assert body["context"] == {"properties": ["hs_timestamp"]}
    assert body["category"] == "VALIDATION_ERROR"
    assert api.portal.records("notes") == []


def full_token(api: Api) -> str:
    return api.portal.private_app("types", scopes=SCOPES).token


def test_generic_api_pages_tasks_by_type_id(api: Api, full: Any) -> None:
    for subject in ("one", "two", "three"):
        api.portal.create("tasks", {"hs_task_subject": subject, "hs_timestamp": WHEN})
    page = full.crm.objects.basic_api.get_page("0-27", limit=2, properties=["hs_task_subject"])
    assert [t.properties["hs_task_subject"] for t in page.results] == ["one", "two"]
    assert page.paging.next.after
    rest = full.crm.objects.basic_api.get_page("0-27", after=page.paging.next.after)
    assert len(rest.results) == 1 and rest.paging is None


def test_tasks_search_filters_on_status(api: Api, full: Any) -> None:
    api.portal.create(
        "tasks", {"hs_task_subject": "a", "hs_timestamp": WHEN, "hs_task_status": "COMPLETED"}
    )
    api.portal.create(
        "tasks", {"hs_task_subject": "b", "hs_timestamp": WHEN, "hs_task_status": "NOT_STARTED"}
    )
    found = full.crm.objects.tasks.search_api.do_search(
        PublicObjectSearchRequest(
            filter_groups=[
                {
                    "filters": [
                        {"propertyName": "hs_task_status", "operator": "EQ", "value": "COMPLETED"}
                    ]
                }
            ],
            properties=["hs_task_subject"],
        )
    )
    assert found.total == 1 and found.results[0].properties["hs_task_subject"] == "a"


def test_products_and_line_items_through_their_own_clients(api: Api, full: Any) -> None:
    product = full.crm.products.basic_api.create(
        ProductCreate(properties={"name": "Widget", "price": "12.5"})
    )
    item = full.crm.line_items.basic_api.create(
        LineItemCreate(
            properties={
                "name": "Widget",
                "hs_product_id": product.id,
                "price": "12.5",
                "quantity": "4",
            }
        )
    )
    assert item.properties["amount"] == "50"
    got = full.crm.line_items.basic_api.get_by_id(item.id, properties=["hs_product_id", "amount"])
    assert got.properties["hs_product_id"] == product.id


def test_quotes_are_read_through_their_client(api: Api, full: Any) -> None:
    api.portal.create("quotes", {"hs_title": "Q1", "hs_expiration_date": WHEN})
    page = full.crm.quotes.basic_api.get_page(properties=["hs_title"])
    assert [q.properties["hs_title"] for q in page.results] == ["Q1"]


def test_meetings_raw_http_shape(api: Api) -> None:
    token = full_token(api)
    created = api.call(
        "POST",
        "/crm/v3/objects/0-47",
        token,
        json={"properties": {"hs_timestamp": WHEN, "hs_meeting_title": "Kickoff"}},
    )
    assert created.status_code == 201
    _simple_object_shape(created.json())
    read = api.call("GET", f"/crm/v3/objects/meetings/{created.json()['id']}", token)
    assert read.status_code == 200 and read.json()["properties"]["hs_meeting_title"] == "Kickoff"


def test_engagements_need_the_contacts_scopes(api: Api) -> None:
    app = api.portal.private_app("deals-only", scopes=["crm.objects.deals.read"])
    response = api.call("GET", "/crm/v3/objects/notes", app)
    assert response.status_code == 403
    required = response.json()["errors"][0]["context"]["requiredGranularScopes"]
    assert "crm.objects.contacts.read" in required


def test_an_unknown_type_is_still_unable_to_infer(api: Api, full: Any) -> None:
    with pytest.raises(ApiException) as caught:
        full.crm.objects.basic_api.get_page("widgets")
    assert caught.value.status == 400
    assert "Unable to infer object type from: widgets" in caught.value.body


# One mode is enough for the walk over the table: the routes are the same in both.
@pytest.mark.parametrize("api", ["inprocess"], indirect=True)
@pytest.mark.parametrize("kind", list(OBJECT_TYPES), ids=lambda t: t.name)
def test_every_type_lists_by_name_and_by_id(api: Api, kind: Any) -> None:
    app = api.portal.private_app(f"r-{kind.name}", scopes=object_scopes(kind, READ)[:1])
    for spelling in (kind.name, kind.type_id):
        response = api.call("GET", f"/crm/v3/objects/{spelling}", app)
        assert response.status_code == 200, response.text
        assert response.json() == {"results": []}


def test_a_meeting_can_be_enrolled(hubspot: Any, run_action: Any, tmp_path: Path) -> None:
    meeting = hubspot.create("meetings", {"hs_timestamp": WHEN, "hs_meeting_title": "Demo"})
    action = tmp_path / "title.py"
    action.write_text(
        "def main(event):\n"
        "    return {'outputFields': {'title': event['inputFields']['title'],"
        " 'kind': event['object']['objectType']}}\n",
        encoding="utf-8",
    )
    (tmp_path / "title.toml").write_text(
        'object_type = "MEETING"\n[inputs]\ntitle = "hs_meeting_title"\n'
        '[outputs]\ntitle = "string"\nkind = "string"\n',
        encoding="utf-8",
    )
    result = run_action(action, object_id=meeting.id)
    assert result.status == "SUCCESS", result.error
    assert result.outputs == {"title": "Demo", "kind": "MEETING"}
