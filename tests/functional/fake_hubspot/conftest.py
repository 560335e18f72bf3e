"""The fake-API suite runs twice: in-process (interception) and against the loopback server.

Like moto's ``TEST_SERVER_MODE``, every test taking ``api`` runs in both modes with the real
``hubspot-api-client`` and ``requests``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import hubspot as hubspot_sdk
import pytest
import requests

from runtime.fake_hubspot import FakePortal, PrivateApp, serve

ALL_CRM_SCOPES = [
    "crm.objects.contacts.read",
    "crm.objects.contacts.write",
    "crm.objects.companies.read",
    "crm.objects.companies.write",
    "crm.objects.deals.read",
    "crm.objects.deals.write",
    "tickets",
    "crm.schemas.contacts.read",
    "crm.schemas.contacts.write",
    "crm.schemas.deals.read",
    "crm.objects.owners.read",
]


@dataclass
class Api:
    """One way of reaching the portal: the same tests run against each."""

    mode: str
    portal: FakePortal
    base_url: str
    session: requests.Session

    def client(self, token: str | PrivateApp) -> Any:
        """An official client for ``token``, pointed at the portal."""
        value = token if isinstance(token, str) else token.token
        if self.mode == "server":
            return hubspot_sdk.Client.create(access_token=value, host=self.base_url)
        return hubspot_sdk.Client.create(access_token=value)

    def call(
        self, method: str, path: str, token: str | PrivateApp | None = None, **kwargs: Any
    ) -> requests.Response:
        """A raw HTTP call with ``requests``."""
        headers = dict(kwargs.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token if isinstance(token, str) else token.token}"
        return self.session.request(
            method, self.base_url + path, headers=headers, timeout=10, **kwargs
        )


@pytest.fixture(params=["inprocess", "server"])
def api(request: pytest.FixtureRequest, hubspot: FakePortal) -> Iterator[Api]:
    """The ``hubspot`` portal reached in-process or through the loopback server."""
    with requests.Session() as session:
        if request.param == "server":
            with serve(hubspot) as server:
                yield Api("server", hubspot, server.url, session)
        else:
            yield Api("inprocess", hubspot, "https://api.hubapi.com", session)


@pytest.fixture
def app(hubspot: FakePortal) -> PrivateApp:
    """A private app with every CRM scope the suite needs."""
    return hubspot.private_app("suite", scopes=ALL_CRM_SCOPES)


@pytest.fixture
def client(api: Api, app: PrivateApp) -> Any:
    """The official client with the suite app's token."""
    return api.client(app)
