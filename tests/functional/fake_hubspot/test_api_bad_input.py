"""Bad input never breaks the portal: each a HubSpot-shaped 4xx, and nothing stored."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from runtime.fake_hubspot import FakePortal, serve
from runtime.fake_hubspot.core.object_types import CONTACTS

Api = Any
HUGE_ID = "9" * 5000
BAD_BODIES = {
    "nan": '{"properties": {"firstname": NaN}}',
    "infinite": '{"properties": {"annualrevenue": 1e999}}',
    "lone surrogate": '{"properties": {"firstname": "\\ud800"}}',
    "nested 100,000 deep": "[" * 100_000 + "]" * 100_000,
    "5,000-digit number": '{"properties": {"firstname": ' + HUGE_ID + "}}",
}


def _envelope(body: dict[str, Any]) -> None:
    assert body["status"] == "error" and body["correlationId"] and body["category"]
    assert isinstance(body["message"], str)


@pytest.mark.parametrize("name", list(BAD_BODIES))
def test_bad_json_is_a_400_and_stores_nothing(api: Api, app: Any, name: str) -> None:
    response = api.call(
        "POST",
        "/crm/v3/objects/contacts",
        app,
        data=BAD_BODIES[name].encode(),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    _envelope(response.json())
    assert response.json()["category"] == "VALIDATION_ERROR"
    assert api.portal.records("contacts") == []


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/crm/v3/objects/contacts/{HUGE_ID}"),
        ("PATCH", f"/crm/v3/objects/contacts/{HUGE_ID}"),
        ("GET", f"/crm/v4/objects/contacts/{HUGE_ID}/associations/companies"),
        ("GET", f"/crm/v3/objects/contacts?after={HUGE_ID}"),
    ],
)
def test_a_5000_digit_id_is_a_4xx(api: Api, app: Any, method: str, path: str) -> None:
    kwargs = {"json": {"properties": {}}} if method == "PATCH" else {}
    response = api.call(method, path, app, **kwargs)
    assert response.status_code in (400, 404)
    _envelope(response.json())


def test_search_with_a_huge_id_or_offset_is_a_4xx_or_nothing(api: Api, app: Any) -> None:
    by_id = {"filterGroups": [{"filters": [{"propertyName": "hs_object_id", "value": HUGE_ID}]}]}
    by_id["filterGroups"][0]["filters"][0]["operator"] = "EQ"
    found = api.call("POST", "/crm/v3/objects/contacts/search", app, json=by_id)
    assert found.status_code == 200 and found.json()["total"] == 0
    paged = api.call("POST", "/crm/v3/objects/contacts/search", app, json={"after": HUGE_ID})
    assert paged.status_code == 400


def test_a_stored_lone_surrogate_does_not_break_list_or_search(api: Api, app: Any) -> None:
    # A value stored before input was checked (an older portal file) must stay readable.
    api.portal.objects.insert(CONTACTS, {"firstname": "bad\ud800"})
    listed = api.call("GET", "/crm/v3/objects/contacts?properties=firstname", app)
    assert listed.status_code == 200
    assert listed.json()["results"][0]["properties"]["firstname"] == "bad\ud800"
    searched = api.call("POST", "/crm/v3/objects/contacts/search", app, json={})
    assert searched.status_code == 200 and searched.json()["total"] == 1


def test_a_content_length_of_10_to_the_12_is_a_413_without_reading() -> None:
    portal = FakePortal()
    with (
        serve(portal) as server,
        socket.create_connection((server.host, server.port), timeout=5) as client,
    ):
        client.sendall(
            b"POST /crm/v3/objects/contacts HTTP/1.1\r\nHost: x\r\n"
            b"Content-Length: 1000000000000\r\n\r\n{}"
        )
        answer = client.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413")
    assert b'"category":"VALIDATION_ERROR"' in answer
    assert portal.records("contacts") == []
