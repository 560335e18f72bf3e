"""HubDB v3 through ``hubspot.cms.hubdb`` and requests: seeded tables, draft edits, publish."""

from __future__ import annotations

from typing import Any

from hubspot.cms.hubdb import HubDbTableRowV3Request

from runtime.fake_hubspot import seed_portal

Api = Any
PRICES = {
    "name": "prices",
    "label": "Prices",
    "columns": [{"name": "sku", "type": "TEXT"}, {"name": "price", "type": "NUMBER"}],
    "rows": [
        {"values": {"sku": "A-1", "price": 10}},
        {"values": {"sku": "B-2", "price": 25}},
    ],
}


def test_a_seeded_table_is_read_through_the_official_client(api: Api) -> None:
    seed_portal(api.portal, {"hubdb": [PRICES]})
    client = api.client(api.portal.private_app("cms", scopes=["hubdb"]))
    rows = client.cms.hubdb.rows_api.get_table_rows("prices")
    assert rows.total == 2
    assert [(r.values["sku"], r.values["price"]) for r in rows.results] == [
        ("A-1", 10),
        ("B-2", 25),
    ]
    table = client.cms.hubdb.tables_api.get_table_details("prices")
    assert (
        table.published
        and table.row_count == 2
        and [c.name for c in table.columns]
        == [
            "sku",
            "price",
        ]
    )


def test_draft_edits_show_only_after_publish(api: Api) -> None:
    seed_portal(api.portal, {"hubdb": [PRICES]})
    client = api.client(api.portal.private_app("cms", scopes=["hubdb"]))
    rows = client.cms.hubdb.rows_api
    first = rows.get_table_rows("prices").results[0]
    rows.update_draft_table_row("prices", first.id, HubDbTableRowV3Request(values={"price": 12}))
    assert rows.get_table_rows("prices").results[0].values["price"] == 10  # still published
    assert rows.read_draft_table_rows("prices").results[0].values["price"] == 12
    client.cms.hubdb.tables_api.publish_draft_table("prices")
    assert rows.get_table_rows("prices").results[0].values["price"] == 12


def test_raw_filters_and_errors(api: Api) -> None:
    seed_portal(api.portal, {"hubdb": [PRICES]})
    token = api.portal.private_app("cms", scopes=["hubdb"])
    found = api.call("GET", "/cms/v3/hubdb/tables/prices/rows?sku=B-2", token).json()
    assert found["total"] == 1 and found["results"][0]["values"]["price"] == 25
    assert set(found["results"][0]) >= {"id", "values", "createdAt", "updatedAt", "publishedAt"}
    bad = api.call(
        "PATCH",
        f"/cms/v3/hubdb/tables/prices/rows/{found['results'][0]['id']}/draft",
        token,
        json={"values": {"price": "cheap"}},
    )
    assert bad.status_code == 400 and bad.json()["category"] == "VALIDATION_ERROR"
    missing = api.call("GET", "/cms/v3/hubdb/tables/nope/rows", token)
    assert missing.status_code == 404 and missing.json()["category"] == "OBJECT_NOT_FOUND"


def test_seeded_marketing_emails_are_read(api: Api) -> None:
    seed_portal(
        api.portal,
        {"marketingEmails": [{"name": "Welcome", "subject": "Hi!", "state": "PUBLISHED"}]},
    )
    token = api.portal.private_app("mail", scopes=["content"])
    listed = api.call("GET", "/marketing/v3/emails", token).json()
    assert listed["total"] == 1
    email = listed["results"][0]
    assert (email["name"], email["subject"], email["isPublished"]) == ("Welcome", "Hi!", True)
    one = api.call("GET", f"/marketing/v3/emails/{email['id']}", token).json()
    assert one == email
    assert api.call("GET", "/marketing/v3/emails/999", token).status_code == 404
