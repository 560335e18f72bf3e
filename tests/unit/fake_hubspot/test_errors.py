"""HubSpot's error envelopes, byte for byte where captures exist (contract §2)."""

from __future__ import annotations

import json

from runtime.fake_hubspot import FakePortal
from runtime.fake_hubspot.core.errors import (
    Conflict,
    InvalidAuthentication,
    MissingScopes,
    PropertyValidationError,
    RateLimited,
    ResourceNotFound,
)

CID = "f0ee980f-a446-4189-b004-ff06d08bf4e3"


def _dump(data: object) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode()


def test_401_matches_the_captured_body_exactly() -> None:
    captured = (
        '{"status":"error","message":"Authentication credentials not found. This API supports '
        "OAuth 2.0 authentication and you can find more details at "
        'https://developers.hubspot.com/docs/methods/auth/oauth-overview","correlationId":'
        '"f0ee980f-a446-4189-b004-ff06d08bf4e3","category":"INVALID_AUTHENTICATION"}'
    )
    assert _dump(InvalidAuthentication().body(CID)).decode() == captured


def test_409_has_the_captured_length_for_an_11_digit_id() -> None:
    body = Conflict("Contact already exists. Existing ID: 37765128953").body(CID)
    assert len(_dump(body)) == 156  # contract §2.3: content-length 156


def test_403_lists_scopes_and_links_in_hubspots_key_order() -> None:
    body = MissingScopes(["crm.objects.deals.read"]).body(CID)
    assert list(body) == ["status", "message", "correlationId", "errors", "links", "category"]
    assert body["errors"][0]["context"] == {"requiredGranularScopes": ["crm.objects.deals.read"]}


def test_property_errors_embed_a_json_array_in_the_message() -> None:
    error = PropertyValidationError(
        [("x", "PROPERTY_DOESNT_EXIST", 'Property "x" does not exist')], 42
    )
    prefix = "Property values were not valid: "
    assert error.message.startswith(prefix)
    embedded = json.loads(error.message[len(prefix) :])
    assert embedded == [
        {
            "isValid": False,
            "message": 'Property "x" does not exist',
            "error": "PROPERTY_DOESNT_EXIST",
            "name": "x",
            "localizedErrorMessage": 'Property "x" does not exist',
            "portalId": 42,
        }
    ]
    assert error.errors == [
        {
            "message": 'Property "x" does not exist',
            "code": "PROPERTY_DOESNT_EXIST",
            "context": {"propertyName": ["x"]},
        }
    ]


def test_every_404_has_a_category_and_429_has_policy() -> None:
    assert ResourceNotFound().body(CID)["category"] == "OBJECT_NOT_FOUND"
    body = RateLimited("You have reached your secondly limit.", "SECONDLY", {}).body(CID)
    assert body["policyName"] == "SECONDLY" and body["errorType"] == "RATE_LIMIT"
    assert "category" not in body


def test_a_bug_in_a_handler_is_a_json_500_not_a_traceback() -> None:
    portal = FakePortal()
    app = portal.private_app("ci", scopes=["crm.objects.contacts.read"])

    def broken(params: dict[str, str]) -> list[str]:
        raise RuntimeError("boom")

    route, _, _ = portal.router.match("GET", "/crm/v3/objects/contacts")
    route.scopes = broken
    response = portal.request("GET", "/crm/v3/objects/contacts", token=app.token)
    assert response.status == 500
    assert response.headers["Content-Type"] == "application/json;charset=utf-8"
    assert response.json()["correlationId"] == response.headers["X-HubSpot-Correlation-Id"]
    assert "boom" not in response.body.decode()
