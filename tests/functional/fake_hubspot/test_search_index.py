"""The durable portal's search index (``portal.db``): the same answers as a search in memory.

Every scenario runs twice, on a portal kept in memory (sorts and scans there) and on one
loaded from ``.hsrun/portal.db`` (answers sorted pages and ``CONTAINS_TOKEN`` from the
store's index tables), and both must give HubSpot's answer: strings sort case-insensitively
as strings, numbers numerically, ties in id order, records without a value last in both
directions; ``CONTAINS_TOKEN`` matches whole tokens, ``*`` a wildcard.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest

from runtime.config import get_settings
from runtime.fake_hubspot import FakePortal, PortalFile

SCOPES = ["crm.objects.contacts.read", "crm.objects.contacts.write", "crm.schemas.contacts.write"]
SEARCH = "/crm/v3/objects/contacts/search"


class Twin:
    """One portal reached with requests, as an action reaches it."""

    def __init__(self, portal: FakePortal, clock: list[float] | None = None) -> None:
        self.portal = portal
        if clock is not None:  # both portals on one clock: the same timestamps
            portal.clock = lambda: clock[0]
        portal.rate_limits.enabled = False
        self.token = portal.private_app("twin", SCOPES).token

    def call(self, method: str, path: str, body: Any = None) -> Any:
        answer = self.portal.request(method, path, token=self.token, json=body)
        assert answer.status < 300, answer.json()
        return answer.json() if answer.body else None

    def create(self, **properties: str) -> str:
        return str(self.call("POST", "/crm/v3/objects/contacts", {"properties": properties})["id"])

    def patch(self, record_id: str, **properties: str) -> None:
        self.call("PATCH", f"/crm/v3/objects/contacts/{record_id}", {"properties": properties})

    def search(self, body: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = self.call("POST", SEARCH, body)
        return answer

    def sorted_ids(self, prop: str, direction: str, *, limit: int = 3) -> list[str]:
        """Every id, page by page, sorted by ``prop``."""
        ids: list[str] = []
        after: str | None = None
        while True:
            body: dict[str, Any] = {
                "sorts": [{"propertyName": prop, "direction": direction}],
                "limit": limit,
            }
            if after:
                body["after"] = after
            page = self.search(body)
            ids.extend(r["id"] for r in page["results"])
            after = page.get("paging", {}).get("next", {}).get("after")
            if after is None:
                assert page["total"] == len(ids)
                return ids

    def token_ids(self, prop: str, value: str) -> list[str]:
        body = {
            "filterGroups": [
                {"filters": [{"propertyName": prop, "operator": "CONTAINS_TOKEN", "value": value}]}
            ],
            "limit": 200,
        }
        return [r["id"] for r in self.search(body)["results"]]


@pytest.fixture
def clock() -> list[float]:
    """The portals' wall clock (epoch seconds), moved by the test."""
    return [1_767_225_600.0]


@pytest.fixture
def twins(clock: list[float]) -> Iterator[tuple[Twin, Twin]]:
    """(in memory, durable): the same requests go to both."""
    store = PortalFile(get_settings())
    durable, _ = store.load()
    try:
        yield Twin(FakePortal(), clock), Twin(durable, clock)
    finally:
        store.close(durable)


def both(twins: tuple[Twin, Twin], method: str, *args: Any, **kwargs: Any) -> Any:
    """Call ``method`` on both portals; the answers must agree (ids aside: same order)."""
    memory, durable = twins
    first = getattr(memory, method)(*args, **kwargs)
    second = getattr(durable, method)(*args, **kwargs)
    assert first == second
    return first


def test_sorted_pages_order_strings_ties_and_missing_values_as_hubspot(
    twins: tuple[Twin, Twin],
) -> None:
    names = ["beta", "Alpha", "beta", None, "gamma", "alpha", None, "Ärger"]
    ids = [
        both(twins, "create", **({"email": f"p{i}@example.com"} | ({"lastname": n} if n else {})))
        for i, n in enumerate(names)
    ]
    ascending = both(twins, "sorted_ids", "lastname", "ASCENDING")
    # Case-insensitive, ties (Alpha/alpha, beta/beta) in id order, no value last.
    assert ascending == [ids[i] for i in (1, 5, 0, 2, 4, 7, 3, 6)]
    descending = both(twins, "sorted_ids", "lastname", "DESCENDING")
    assert descending == [ids[i] for i in (7, 4, 0, 2, 1, 5, 3, 6)]
    memory, durable = twins
    # The durable portal answered from its index, not by sorting every record in memory.
    assert durable.portal.objects.sort_cache == {}
    assert memory.portal.objects.sort_cache != {}


def test_numbers_sort_numerically_and_strings_as_strings(twins: tuple[Twin, Twin]) -> None:
    for kind, field in (("number", "number"), ("string", "text")):
        both(
            twins,
            "call",
            "POST",
            "/crm/v3/properties/contacts",
            {
                "name": f"x_{kind}",
                "label": kind,
                "type": kind,
                "fieldType": field,
                "groupName": "contactinformation",
            },
        )
    values = ["10", "9", "100.5", "-3", "9"]
    ids = [both(twins, "create", x_number=v, x_string=v) for v in values]
    assert both(twins, "sorted_ids", "x_number", "ASCENDING") == [ids[i] for i in (3, 1, 4, 0, 2)]
    assert both(twins, "sorted_ids", "x_number", "DESCENDING") == [ids[i] for i in (2, 0, 1, 4, 3)]
    assert both(twins, "sorted_ids", "x_string", "ASCENDING") == [ids[i] for i in (3, 0, 2, 1, 4)]


def test_sorting_by_created_date_and_id_pages_every_record(
    twins: tuple[Twin, Twin], clock: list[float]
) -> None:
    ids = []
    for i, seconds in enumerate([5, 1, 5, 3, 1, 9, 3]):
        clock[0] = 1_767_225_600.0 + seconds
        ids.append(both(twins, "create", email=f"c{i}@example.com"))
    assert both(twins, "sorted_ids", "hs_object_id", "DESCENDING") == ids[::-1]
    assert both(twins, "sorted_ids", "hs_object_id", "ASCENDING") == ids
    # By instant; records created in the same millisecond in id order either way.
    assert both(twins, "sorted_ids", "createdate", "ASCENDING") == [
        ids[i] for i in (1, 4, 3, 6, 0, 2, 5)
    ]
    assert both(twins, "sorted_ids", "createdate", "DESCENDING") == [
        ids[i] for i in (5, 0, 2, 3, 6, 1, 4)
    ]


def test_a_changed_value_moves_the_record_in_the_sorted_pages(twins: tuple[Twin, Twin]) -> None:
    ids = [both(twins, "create", firstname=n) for n in ("b", "c", "d")]
    both(twins, "sorted_ids", "firstname", "ASCENDING")
    for twin in twins:
        twin.patch(ids[2], firstname="a")
    assert both(twins, "sorted_ids", "firstname", "ASCENDING") == [ids[2], ids[0], ids[1]]
    for twin in twins:
        twin.call("DELETE", f"/crm/v3/objects/contacts/{ids[0]}")
    assert both(twins, "sorted_ids", "firstname", "ASCENDING") == [ids[2], ids[1]]
    for twin in twins:
        twin.patch(ids[1], firstname="")
    assert both(twins, "sorted_ids", "firstname", "DESCENDING") == [ids[2], ids[1]]


def test_contains_token_matches_whole_tokens_and_wildcards(twins: tuple[Twin, Twin]) -> None:
    emails = ["ada@hubspot.com", "bob@hubspot.co", "cy@example.com", "ada.lovelace@example.org"]
    ids = [both(twins, "create", email=e, firstname=f"Name {i}") for i, e in enumerate(emails)]
    assert both(twins, "token_ids", "email", "ada") == [ids[0], ids[3]]
    assert both(twins, "token_ids", "email", "ad") == []  # a whole token, not a part
    assert both(twins, "token_ids", "email", "ADA@HUBSPOT.COM") == [ids[0]]
    assert both(twins, "token_ids", "email", "*@hubspot.com") == [ids[0]]
    assert both(twins, "token_ids", "email", "*@hubspot.co*") == [ids[0], ids[1]]
    assert both(twins, "token_ids", "email", "lov*") == [ids[3]]
    assert both(twins, "token_ids", "email", "*ampl*") == [ids[2], ids[3]]
    assert both(twins, "token_ids", "email", "c?") == []  # no wildcard: '?' is literal
    assert both(twins, "token_ids", "email", "c?@*") == [ids[2]]
    assert both(twins, "token_ids", "firstname", "name 2") == [ids[2]]
    assert both(twins, "token_ids", "firstname", "*") == ids
    memory, durable = twins
    assert durable.portal.objects.token_indexes == {}  # answered from portal.db
    assert memory.portal.objects.token_indexes != {}


def test_updates_archives_merges_and_deletes_keep_the_tokens_right(
    twins: tuple[Twin, Twin],
) -> None:
    first = both(twins, "create", email="one@example.com", firstname="Grace")
    second = both(twins, "create", email="two@example.com", firstname="Grace Hopper")
    third = both(twins, "create", email="three@example.com", firstname="Alan")
    assert both(twins, "token_ids", "firstname", "grace") == [first, second]
    for twin in twins:
        twin.patch(first, firstname="Ada")
    assert both(twins, "token_ids", "firstname", "grace") == [second]
    assert both(twins, "token_ids", "firstname", "ada") == [first]
    for twin in twins:
        twin.call("DELETE", f"/crm/v3/objects/contacts/{second}")
    assert both(twins, "token_ids", "firstname", "grace") == []
    for twin in twins:
        twin.call(
            "POST",
            "/crm/v3/objects/contacts/merge",
            {"primaryObjectId": first, "objectIdToMerge": third},
        )
    assert both(twins, "token_ids", "firstname", "alan") == []
    assert both(twins, "token_ids", "email", "three") == []
    for twin in twins:
        twin.call("POST", "/crm/v3/objects/contacts/gdpr-delete", {"objectId": first})
    assert both(twins, "token_ids", "firstname", "ada") == []
    assert both(twins, "sorted_ids", "firstname", "ASCENDING") == []


def test_another_process_writes_are_found_by_the_index() -> None:
    store = PortalFile(get_settings())
    mine, _ = store.load()
    theirs, _ = store.load()  # a second connection, as a second hsrun process has
    try:
        reader, writer = Twin(mine), Twin(theirs)
        made = writer.create(email="late@example.com", lastname="Zeta")
        assert reader.token_ids("lastname", "zeta") == [made]
        assert reader.sorted_ids("lastname", "DESCENDING") == [made]
        writer.patch(made, lastname="Eta")
        assert reader.token_ids("lastname", "zeta") == []
        assert reader.token_ids("lastname", "eta") == [made]
    finally:
        store.close(theirs)
        store.close(mine)


def test_a_database_written_before_the_index_existed_is_indexed_when_opened() -> None:
    store = PortalFile(get_settings())
    portal, _ = store.load()
    twin = Twin(portal)
    ids = [twin.create(email=f"old{i}@example.com", lastname=n) for i, n in enumerate("cab")]
    store.close(portal)
    with sqlite3.connect(store.path) as db:  # as an older hsrun left it
        for table in ("search_sort", "search_tokens", "search_fields"):
            db.execute(f"DROP TABLE {table}")
        db.execute("DELETE FROM meta WHERE key LIKE 'search_%'")
    portal, _ = store.load()
    try:
        twin = Twin(portal)
        assert twin.sorted_ids("lastname", "ASCENDING") == [ids[1], ids[2], ids[0]]
        assert twin.token_ids("email", "old2") == [ids[2]]
        assert portal.objects.sort_cache == {}  # from the rebuilt index
    finally:
        store.close(portal)
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = db.execute("SELECT count(*) FROM search_tokens").fetchone()[0]
        assert rows > 0


def test_a_write_outside_a_request_is_searched_from_memory() -> None:
    store = PortalFile(get_settings())
    portal, _ = store.load()
    try:
        twin = Twin(portal)
        twin.create(lastname="Written")
        unwritten = portal.create("contacts", {"lastname": "Pending"})  # not yet in portal.db
        assert twin.token_ids("lastname", "pending") == [unwritten.id]
        assert twin.sorted_ids("lastname", "ASCENDING")[0] == unwritten.id
    finally:
        store.close(portal)


def test_long_runs_of_equal_values_page_in_id_order_both_ways(twins: tuple[Twin, Twin]) -> None:
    stages = ["lead"] * 3 + ["customer"] * 9 + ["lead"] * 2 + ["other"]
    ids = [both(twins, "create", firstname=s) for s in stages]
    by_stage = {s: [i for i, t in zip(ids, stages, strict=True) if t == s] for s in stages}
    expected = by_stage["other"] + by_stage["lead"] + by_stage["customer"]
    for limit in (1, 4, 5, 200):
        assert both(twins, "sorted_ids", "firstname", "DESCENDING", limit=limit) == expected
    expected = by_stage["customer"] + by_stage["lead"] + by_stage["other"]
    assert both(twins, "sorted_ids", "firstname", "ASCENDING", limit=4) == expected
