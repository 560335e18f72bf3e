"""CRM rules over the model: archive, merge, GDPR delete, batches, paging (contract §4)."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.errors import PortalError
from runtime.fake_hubspot import FakePortal


@pytest.fixture
def portal() -> FakePortal:
    portal = FakePortal()
    portal.rate_limits.enabled = False
    return portal


def call(portal: FakePortal, method: str, path: str, body: Any = None) -> Any:
    app = portal.apps.apps.get("all") or portal.private_app(
        "all", ["crm.objects.contacts.read", "crm.objects.contacts.write"]
    )
    return portal.request(method, path, token=app.token, json=body)


def test_ids_are_unique_across_types(portal: FakePortal) -> None:
    contact = portal.create("contacts", {"email": "a@example.com"})
    company = portal.create("companies", {"name": "Acme"})
    assert contact.id != company.id
    with pytest.raises(PortalError, match="no live company"):
        portal.get("companies", contact.id)


def test_archived_only_listing_and_get(portal: FakePortal) -> None:
    live = portal.create("contacts", {"email": "live@example.com"})
    gone = portal.create("contacts", {"email": "gone@example.com"})
    portal.archive("contacts", gone.id)
    listed = call(portal, "GET", "/crm/v3/objects/contacts?archived=true").json()
    assert [r["id"] for r in listed["results"]] == [gone.id]
    assert call(portal, "GET", f"/crm/v3/objects/contacts/{live.id}?archived=true").status == 404
    assert call(portal, "DELETE", "/crm/v3/objects/contacts/999999").status == 204


def test_merge_moves_associations_and_keeps_old_ids_resolvable(portal: FakePortal) -> None:
    a = portal.create("contacts", {"email": "a@example.com"})
    b = portal.create("contacts", {"email": "b@example.com", "firstname": "Bea"})
    company = portal.create("companies", {"name": "Acme"})
    portal.associate("contacts", b.id, "companies", company.id)
    merged = call(
        portal,
        "POST",
        "/crm/v3/objects/contacts/merge",
        {"primaryObjectId": a.id, "objectIdToMerge": b.id},
    ).json()
    props = merged["properties"]
    assert props["firstname"] == "Bea" and props["email"] == "a@example.com"
    assert props["hs_additional_emails"] == "b@example.com"
    assert props["hs_all_contact_vids"] == f"{a.id};{b.id}"
    assert portal.associated("contacts", a.id, "companies") == [company.id]
    assert (
        call(
            portal, "PATCH", f"/crm/v3/objects/contacts/{b.id}", {"properties": {"lastname": "L"}}
        ).status
        == 200
    )
    batch = call(
        portal,
        "POST",
        "/crm/v3/objects/contacts/batch/update",
        {"inputs": [{"id": b.id, "properties": {"lastname": "M"}}]},
    )
    assert batch.status == 207  # batch update does not follow merged ids (§4.5)
    assert (
        call(
            portal,
            "POST",
            "/crm/v3/objects/contacts/merge",
            {"primaryObjectId": a.id, "objectIdToMerge": a.id},
        ).status
        == 400
    )


def test_gdpr_delete_by_unknown_email_blocklists_it(portal: FakePortal) -> None:
    answer = call(
        portal,
        "POST",
        "/crm/v3/objects/contacts/gdpr-delete",
        {"objectId": "ghost@example.com", "idProperty": "email"},
    )
    assert answer.status == 204
    with pytest.raises(PortalError, match="blocklisted"):
        portal.create("contacts", {"email": "Ghost@example.com"})
    assert (
        call(portal, "POST", "/crm/v3/objects/contacts/gdpr-delete", {"objectId": "424242"}).status
        == 404
    )


def test_batch_duplicates_and_upsert_rules(portal: FakePortal) -> None:
    dup = call(
        portal,
        "POST",
        "/crm/v3/objects/contacts/batch/read",
        {"inputs": [{"id": "1"}, {"id": "1"}]},
    )
    assert dup.status == 400 and "Duplicate IDs" in dup.json()["message"]
    bad_key = call(
        portal,
        "POST",
        "/crm/v3/objects/contacts/batch/upsert",
        {"inputs": [{"id": "x", "idProperty": "firstname", "properties": {}}]},
    )
    assert bad_key.status == 400
    twice = call(
        portal,
        "POST",
        "/crm/v3/objects/contacts/batch/create",
        {
            "inputs": [
                {"properties": {"email": "same@example.com"}},
                {"properties": {"email": "SAME@example.com"}},
            ]
        },
    )
    assert twice.status == 400 and portal.records("contacts") == []


def test_properties_with_history(portal: FakePortal) -> None:
    contact = portal.create("contacts", {"email": "a@example.com", "firstname": "A"})
    portal.update("contacts", contact.id, {"firstname": "B"})
    body = call(
        portal, "GET", f"/crm/v3/objects/contacts/{contact.id}?propertiesWithHistory=firstname"
    ).json()
    assert [h["value"] for h in body["propertiesWithHistory"]["firstname"]] == ["B", "A"]


def test_list_paging_cursor(portal: FakePortal) -> None:
    ids = [portal.create("contacts", {"email": f"p{i}@example.com"}).id for i in range(5)]
    first = call(portal, "GET", "/crm/v3/objects/contacts?limit=2").json()
    assert [r["id"] for r in first["results"]] == ids[:2]
    after = first["paging"]["next"]["after"]
    assert first["paging"]["next"]["link"].endswith(f"after={after}")
    second = call(portal, "GET", f"/crm/v3/objects/contacts?limit=2&after={after}").json()
    assert [r["id"] for r in second["results"]] == ids[2:4]
    assert call(portal, "GET", "/crm/v3/objects/contacts?after=zzz").status == 400


def test_custom_unique_property_is_an_id_property(portal: FakePortal) -> None:
    portal.create("contacts", {"email": "early@example.com", "firstname": "E"})
    portal.create_property("contacts", "external_id", hasUniqueValue=True)
    first = portal.create("contacts", {"external_id": "X-1"})
    with pytest.raises(PortalError, match=f"Existing ID: {first.id}"):
        portal.create("contacts", {"external_id": "x-1"})
    found = call(portal, "GET", "/crm/v3/objects/contacts/X-1?idProperty=external_id")
    assert found.json()["id"] == first.id
    not_unique = call(portal, "GET", "/crm/v3/objects/contacts/E?idProperty=firstname")
    assert not_unique.status == 400
