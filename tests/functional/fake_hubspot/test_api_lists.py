"""Lists v3 through ``hubspot.crm.lists`` and requests: manual lists and their memberships."""

from __future__ import annotations

from typing import Any

from hubspot.crm.lists import ListCreateRequest, ListSearchRequest

Api = Any
SCOPES = ["crm.lists.read", "crm.lists.write", "crm.objects.contacts.read"]


def test_a_manual_list_through_the_official_client(api: Api) -> None:
    client = api.client(api.portal.private_app("lists", scopes=SCOPES))
    ada = api.portal.create("contacts", {"email": "ada@example.com"}).id
    created = client.crm.lists.lists_api.create(
        ListCreateRequest(name="VIPs", object_type_id="0-1", processing_type="MANUAL")
    )
    list_id = created.list.list_id
    assert created.list.processing_type == "MANUAL" and created.list.size == 0
    changed = client.crm.lists.memberships_api.add(list_id, [ada, "424242"])
    assert changed.records_ids_added == [ada] and changed.record_ids_missing == ["424242"]
    page = client.crm.lists.memberships_api.get_page(list_id)
    assert [m.record_id for m in page.results] == [ada]
    found = client.crm.lists.lists_api.do_search(ListSearchRequest(query="vip"))
    assert found.total == 1 and found.lists[0].additional_properties == {"hs_list_size": "1"}
    removed = client.crm.lists.memberships_api.remove(list_id, [ada])
    assert removed.record_ids_removed == [ada]
    assert client.crm.lists.lists_api.get_by_id(list_id).list.size == 0


def test_lists_raw_errors(api: Api) -> None:
    token = api.portal.private_app("lists", scopes=SCOPES)
    dynamic = api.call(
        "POST",
        "/crm/v3/lists",
        token,
        json={"name": "Active", "objectTypeId": "0-1", "processingType": "DYNAMIC"},
    ).json()["list"]
    refused = api.call(
        "PUT", f"/crm/v3/lists/{dynamic['listId']}/memberships/add", token, json=["1"]
    )
    assert refused.status_code == 400 and refused.json()["category"] == "VALIDATION_ERROR"
    missing = api.call("GET", "/crm/v3/lists/999999", token)
    assert missing.status_code == 404 and missing.json()["category"] == "OBJECT_NOT_FOUND"
    bad = api.call("POST", "/crm/v3/lists", token, json={"name": "x", "objectTypeId": "0-1"})
    assert bad.status_code == 400
    no_scope = api.portal.private_app("ro", scopes=["crm.objects.contacts.read"])
    assert api.call("POST", "/crm/v3/lists/search", no_scope, json={}).status_code == 403
