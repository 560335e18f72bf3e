"""A fake HubSpot portal that the official clients talk to unmodified ("moto, but for HubSpot").

In-process, for tests::

    from runtime.fake_hubspot import mock_hubspot

    with mock_hubspot() as portal:
        contact = portal.create("contacts", {"email": "ada@example.com"})
        app = portal.private_app("ci", scopes=["crm.objects.contacts.read"])
        client = hubspot.Client.create(access_token=app.token)   # api.hubapi.com, no network
        assert client.crm.contacts.basic_api.get_by_id(contact.id).properties["email"]

Over HTTP on loopback, for other processes::

    with serve(FakePortal()) as server:
        client = hubspot.Client.create(access_token=token, host=server.url)

The CLI's persistent portal (``.hsrun/portal.db``) is served by :func:`attach`.
Layout and how to add an API area: :mod:`runtime.fake_hubspot.registry`.
"""

from __future__ import annotations

from runtime.contract.hosts import HUBSPOT_HOSTS
from runtime.fake_hubspot.attach import AttachedPortal, attach, attach_memory
from runtime.fake_hubspot.core.apps import PrivateApp
from runtime.fake_hubspot.core.errors import HubSpotError
from runtime.fake_hubspot.core.ratelimit import RateLimitSettings
from runtime.fake_hubspot.crm_objects.record import RecordView
from runtime.fake_hubspot.intercept import current_portal, mock_hubspot
from runtime.fake_hubspot.portal import FakePortal
from runtime.fake_hubspot.registry import Area, register_area
from runtime.fake_hubspot.seed import demo_dataset, seed_portal
from runtime.fake_hubspot.server import PortalServer, serve
from runtime.fake_hubspot.store import PortalFile

__all__ = [
    "HUBSPOT_HOSTS",
    "Area",
    "AttachedPortal",
    "FakePortal",
    "HubSpotError",
    "PortalFile",
    "PortalServer",
    "PrivateApp",
    "RateLimitSettings",
    "RecordView",
    "attach",
    "attach_memory",
    "current_portal",
    "demo_dataset",
    "mock_hubspot",
    "register_area",
    "seed_portal",
    "serve",
]
