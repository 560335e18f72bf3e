"""In-process interception: the official client and requests reach the portal, no sockets."""

from __future__ import annotations

import hubspot as hubspot_sdk
import pytest
import requests
import urllib3
from hubspot.crm.contacts import SimplePublicObjectInputForCreate
from urllib3.util.retry import Retry

from runtime.contract.hosts import HUBSPOT_HOSTS
from runtime.errors import PortalError
from runtime.fake_hubspot import FakePortal, current_portal, mock_hubspot


def test_context_manager_routes_the_official_client() -> None:
    with mock_hubspot() as portal:
        app = portal.private_app("ci", ["crm.objects.contacts.write"])
        client = hubspot_sdk.Client.create(access_token=app.token)
        created = client.crm.contacts.basic_api.create(
            SimplePublicObjectInputForCreate(properties={"email": "ada@example.com"})
        )
        assert portal.get("contacts", created.id).properties["email"] == "ada@example.com"
        assert current_portal() is portal
    with pytest.raises(PortalError, match="no fake HubSpot portal is active"):
        current_portal()


@mock_hubspot
def test_decorator_gives_a_fresh_portal() -> None:
    portal = current_portal()
    app = portal.private_app("ci", ["crm.objects.contacts.read"])
    answer = requests.get(
        "https://api.hubspot.com/crm/v3/objects/contacts",
        headers={"Authorization": f"Bearer {app.token}"},
        timeout=5,
    )
    assert answer.status_code == 200 and answer.json() == {"results": []}
    assert answer.headers["Content-Type"] == "application/json;charset=utf-8"


def test_nested_mocks_use_the_innermost_portal() -> None:
    outer_portal = FakePortal()
    with mock_hubspot(portal=outer_portal) as outer, mock_hubspot(tier="enterprise") as inner:
        assert current_portal() is inner and inner.tier == "enterprise"
        assert outer is outer_portal
    assert urllib3.connectionpool.HTTPConnectionPool._make_request.__name__ == "_make_request"


def test_urllib3_retry_runs_around_the_fake() -> None:
    with mock_hubspot() as portal:
        portal.rate_limits.search_per_second = 1
        app = portal.private_app("ci", ["crm.objects.contacts.read"])
        retry = Retry(total=2, status_forcelist=(429,), allowed_methods=None, backoff_factor=0)
        client = hubspot_sdk.Client.create(access_token=app.token, retry=retry)
        client.crm.contacts.search_api.do_search({})
        with pytest.raises(urllib3.exceptions.MaxRetryError):  # contract §5.3
            client.crm.contacts.search_api.do_search({})
        assert [c["status"] for c in portal.calls()] == [200, 429, 429, 429]


def test_the_patch_is_removed_after_use() -> None:
    original = urllib3.connectionpool.HTTPConnectionPool._make_request
    with mock_hubspot():
        assert urllib3.connectionpool.HTTPConnectionPool._make_request is not original
    assert urllib3.connectionpool.HTTPConnectionPool._make_request is original


def test_an_https_proxy_setting_does_not_escape_the_fake(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # nothing listens there
    with mock_hubspot() as portal, requests.Session() as session:
        app = portal.private_app("ci", ["crm.objects.contacts.read"])
        answer = session.get(
            "https://api.hubapi.com/crm/v3/objects/contacts",
            headers={"Authorization": f"Bearer {app.token}"},
            timeout=5,
        )
    assert answer.status_code == 200


@pytest.mark.parametrize("host", sorted(HUBSPOT_HOSTS))
def test_every_hubspot_host_is_answered_in_process(host: str) -> None:
    # The EU data centre's api-eu1.hubapi.com among them: without it in the one host list,
    # this request would leave the machine.
    with mock_hubspot() as portal:
        app = portal.private_app("ci", ["crm.objects.contacts.read"])
        answer = requests.get(
            f"https://{host}/crm/v3/objects/contacts",
            headers={"Authorization": f"Bearer {app.token}"},
            timeout=5,
        )
        assert answer.status_code == 200 and answer.json() == {"results": []}
        assert [c["path"] for c in portal.calls()] == ["/crm/v3/objects/contacts"]


def test_the_eu_data_centre_is_a_hubspot_host() -> None:
    assert "api-eu1.hubapi.com" in HUBSPOT_HOSTS
