"""Auth, scopes, errors and rate limits over the wire, in both modes (contract §1, §2, §3)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hubspot.crm.contacts.exceptions import ForbiddenException, UnauthorizedException

from runtime.fake_hubspot.core.errors import AUTH_MESSAGE

Api = Any  # the `api` fixture (conftest.Api): the portal in-process or over HTTP
TOKEN = r"^pat-na1-[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$"


@pytest.mark.parametrize(
    "header",
    [None, "Bearer pat-na1-00000000-0000-0000-0000-000000000000", "Basic abc", "Bearer Bearer x"],
)
def test_401_body_and_headers_are_hubspots(api: Api, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = api.call("GET", "/crm/v3/objects/contacts", headers=headers)
    assert response.status_code == 401
    body = response.json()
    assert list(body) == ["status", "message", "correlationId", "category"]
    assert body["message"] == AUTH_MESSAGE and body["category"] == "INVALID_AUTHENTICATION"
    assert response.headers["X-HubSpot-Correlation-Id"] == body["correlationId"]
    assert response.headers["X-HubSpot-Auth-Failure"] == "401 Unauthorized"
    assert response.headers["Content-Type"] == "application/json;charset=utf-8"
    assert str(uuid.UUID(body["correlationId"])) == body["correlationId"]


def test_token_format_and_client_401(api: Api, hubspot: Any) -> None:
    app = hubspot.private_app("ci", scopes=["crm.objects.contacts.read"])
    assert pytest.importorskip("re").match(TOKEN, app.token)
    hubspot.apps.delete("ci")
    with pytest.raises(UnauthorizedException):
        api.client(app.token).crm.contacts.basic_api.get_page()


def test_rotation_now_and_after_grace(api: Api, hubspot: Any) -> None:
    app = hubspot.private_app("ci", scopes=["crm.objects.contacts.read"])
    old = app.token
    hubspot.apps.rotate("ci", expire_old="now")
    assert api.call("GET", "/crm/v3/objects/contacts", old).status_code == 401
    assert api.call("GET", "/crm/v3/objects/contacts", app.token).status_code == 200
    graced = app.token
    hubspot.apps.rotate("ci", expire_old="7d")
    assert api.call("GET", "/crm/v3/objects/contacts", graced).status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "scopes", "needed"),
    [
        ("GET", "/crm/v3/objects/deals", ["crm.objects.contacts.read"], "crm.objects.deals.read"),
        (
            "POST",
            "/crm/v3/objects/contacts",
            ["crm.objects.contacts.read"],
            "crm.objects.contacts.write",
        ),
        ("GET", "/crm/v3/objects/0-5", ["crm.objects.contacts.read"], "tickets"),
        ("GET", "/crm/v3/properties/contacts", ["tickets"], "crm.schemas.contacts.read"),
        ("GET", "/crm/v3/owners/", ["crm.objects.contacts.read"], "crm.objects.owners.read"),
        (
            "GET",
            "/crm/v4/objects/deals/1/associations/companies",
            ["tickets"],
            "crm.objects.deals.read",
        ),
    ],
)
def test_missing_scope_is_403_listing_alternatives(
    api: Api, hubspot: Any, method: str, path: str, scopes: list[str], needed: str
) -> None:
    app = hubspot.private_app("narrow", scopes=scopes)
    response = api.call(method, path, app, json={} if method == "POST" else None)
    assert response.status_code == 403
    body = response.json()
    assert body["category"] == "MISSING_SCOPES"
    assert needed in body["errors"][0]["context"]["requiredGranularScopes"]
    assert body["links"] == {"scopes": "https://developers.hubspot.com/scopes"}


def test_403_reaches_the_client_as_forbidden(api: Api, hubspot: Any) -> None:
    app = hubspot.private_app("ro", scopes=["crm.objects.contacts.read"])
    with pytest.raises(ForbiddenException) as info:
        api.client(app).crm.contacts.basic_api.archive("1")
    assert "MISSING_SCOPES" in info.value.body


def test_unknown_route_names_the_nearest(api: Api, hubspot: Any) -> None:
    app = hubspot.private_app("ci", scopes=["crm.objects.contacts.read"])
    response = api.call("GET", "/crm/v3/object/contacts/1", app)
    assert response.status_code == 404
    body = response.json()
    assert set(body) == {"status", "message", "correlationId", "context", "category"}
    assert body["category"] == "OBJECT_NOT_FOUND"
    assert body["correlationId"] == response.headers["X-HubSpot-Correlation-Id"]
    assert "is not emulated" in body["message"]
    assert body["context"]["notEmulated"] == ["GET /crm/v3/object/contacts/1"]
    assert "GET /crm/v3/objects/{objectType}/{objectId}" in body["context"]["nearestRoutes"]
    assert response.headers["X-Hsrun-Not-Emulated"] == "true"
    assert hubspot.calls()[-1]["notEmulated"] is True


def test_rate_limit_headers_and_ten_secondly_429(api: Api, hubspot: Any) -> None:
    app = hubspot.private_app("ci", scopes=["crm.objects.contacts.read"])
    first = api.call("GET", "/crm/v3/objects/contacts", app)
    assert first.headers["X-HubSpot-RateLimit-Max"] == "100"
    assert first.headers["X-HubSpot-RateLimit-Remaining"] == "99"
    assert first.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    assert first.headers["X-HubSpot-RateLimit-Daily"] == "250000"
    for _ in range(99):
        assert api.call("GET", "/crm/v3/objects/contacts", app).status_code == 200
    limited = api.call("GET", "/crm/v3/objects/contacts", app)
    assert limited.status_code == 429
    body = limited.json()
    assert body["policyName"] == "TEN_SECONDLY_ROLLING" and body["errorType"] == "RATE_LIMIT"
    assert limited.headers["X-HubSpot-RateLimit-Remaining"] == "0"


def test_search_has_its_own_bucket_and_no_headers(api: Api, hubspot: Any) -> None:
    app = hubspot.private_app("ci", scopes=["crm.objects.contacts.read"])
    answers = [api.call("POST", "/crm/v3/objects/contacts/search", app, json={}) for _ in range(6)]
    assert [a.status_code for a in answers[:5]] == [200] * 5
    assert not any(h.startswith("X-HubSpot-RateLimit") for h in answers[0].headers)
    assert "X-HubSpot-Correlation-Id" in answers[0].headers
    # six within a second: the fifth-per-second limit (the clock is real; a slow machine
    # could spread them, so only check the body when the 429 happened)
    if answers[5].status_code == 429:
        assert answers[5].json()["message"] == "You have reached your secondly limit."
        assert answers[5].json()["policyName"] == "SECONDLY"


@pytest.mark.hubspot(rate_limits=False, tier="enterprise")
def test_marker_relaxes_limits_and_sets_tier(api: Api, hubspot: Any) -> None:
    app = hubspot.private_app("ci", scopes=["crm.objects.contacts.read"])
    answers = [
        api.call("POST", "/crm/v3/objects/contacts/search", app, json={}).status_code
        for _ in range(8)
    ]
    assert answers == [200] * 8
    assert (
        api.call("GET", "/crm/v3/objects/contacts", app).headers["X-HubSpot-RateLimit-Max"] == "190"
    )


def test_every_call_is_logged_with_its_correlation_id(api: Api, hubspot: Any) -> None:
    app = hubspot.private_app("ci", scopes=["crm.objects.contacts.write"])
    response = api.call("DELETE", "/crm/v3/objects/contacts/1", app)
    assert response.status_code == 204 and response.content == b""
    api.call("GET", "/crm/v3/objects/contacts")
    logged = hubspot.calls()
    assert [(c["app"], c["method"], c["status"]) for c in logged] == [
        ("ci", "DELETE", 204),
        (None, "GET", 401),
    ]
    assert logged[0]["correlationId"] == response.headers["X-HubSpot-Correlation-Id"]
    assert hubspot.calls(app="ci", status="2xx", method="delete") == logged[:1]


def test_token_info_endpoint(api: Api, hubspot: Any) -> None:
    app = hubspot.private_app("ci", scopes=["crm.objects.contacts.read"])
    info = api.call(
        "POST", "/oauth/v2/private-apps/get/access-token-info", json={"tokenKey": app.token}
    )
    assert info.status_code == 200
    assert info.json() == {
        "userId": app.user_id,
        "hubId": hubspot.portal_id,
        "appId": app.app_id,
        "scopes": ["crm.objects.contacts.read"],
    }
    assert (
        api.call(
            "POST", "/oauth/v2/private-apps/get/access-token-info", json={"tokenKey": "pat-na1-x"}
        ).status_code
        == 401
    )
    legacy = api.call("GET", f"/oauth/v1/access-tokens/{app.token}")
    assert legacy.json()["message"] == "The access token must have the correct format"


def test_daily_usage_endpoint(api: Api, hubspot: Any) -> None:
    app = hubspot.private_app("ci", scopes=[])
    usage = api.call("GET", "/account-info/v3/api-usage/daily/private-apps", app).json()["results"][
        0
    ]
    assert usage["name"] == "private-apps-api-calls-daily" and usage["usageLimit"] == 250000
    assert usage["currentUsage"] == 1
