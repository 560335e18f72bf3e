"""Search lag as a switch: fresh writes stay out of search for ``search_lag_s`` seconds."""

from __future__ import annotations

from typing import Any

import pytest
from hubspot.crm.contacts import PublicObjectSearchRequest

BY_EMAIL = PublicObjectSearchRequest(
    filter_groups=[
        {"filters": [{"propertyName": "email", "operator": "EQ", "value": "ada@example.com"}]}
    ]
)


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.mark.hubspot(search_lag_s=2)
def test_a_fresh_record_is_found_only_after_the_lag(hubspot: Any, hubspot_client: Any) -> None:
    clock = Clock(1_800_000_000.0)
    hubspot.clock = clock
    app = hubspot.private_app("ci", scopes=["crm.objects.contacts.read"])
    contact = hubspot.create("contacts", {"email": "ada@example.com"})
    search = hubspot_client(app).crm.contacts.search_api
    assert search.do_search(BY_EMAIL).total == 0  # read-after-write: not indexed yet
    # ... while a read by id sees it at once, as on HubSpot
    assert hubspot_client(app).crm.contacts.basic_api.get_by_id(contact.id).id == contact.id
    clock.now += 2.5
    assert search.do_search(BY_EMAIL).total == 1


def test_no_lag_by_default(hubspot: Any, hubspot_client: Any) -> None:
    app = hubspot.private_app("ci", scopes=["crm.objects.contacts.read"])
    hubspot.create("contacts", {"email": "ada@example.com"})
    assert hubspot_client(app).crm.contacts.search_api.do_search(BY_EMAIL).total == 1
