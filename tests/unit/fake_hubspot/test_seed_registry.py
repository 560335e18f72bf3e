"""Seeding, the demo dataset, and adding an API area through the registry."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.errors import PortalError
from runtime.fake_hubspot import Area, FakePortal, demo_dataset, register_area, seed_portal
from runtime.fake_hubspot.automation.models import flows_of
from runtime.fake_hubspot.core.http import Response, json_response
from runtime.fake_hubspot.core.routing import Context, Route
from runtime.fake_hubspot.core.scopes import fixed
from runtime.fake_hubspot.registry import _EXTRA


def test_demo_dataset_is_consistent() -> None:
    portal = FakePortal()
    counts = seed_portal(portal, demo_dataset())
    assert counts["records"] == 14 and counts["owners"] == 2
    ada = portal.find("contacts", firstname="Ada")[0]
    acme = portal.find("companies", name="Acme Corp")[0]
    assert portal.associated("contacts", ada.id, "companies") == [acme.id]
    assert portal.owners.exists(ada.properties["hubspot_owner_id"])


@pytest.mark.parametrize(
    ("document", "fragment"),
    [
        ([], "must be a JSON object"),
        ({"apps": [{}]}, "apps[0]: needs a name"),
        ({"records": {"widgets": []}}, "unknown object type 'widgets'"),
        ({"records": {"deals": [{"properties": {"dealstage": "x"}}]}}, "records.deals[0]"),
        (
            {"associations": [{"from": "contacts:nobody", "to": "companies:1"}]},
            "names no seeded record",
        ),
    ],
)
def test_bad_seeds_name_the_entry(document: Any, fragment: str) -> None:
    with pytest.raises(PortalError, match=fragment.replace("[", r"\[").replace("]", r"\]")):
        seed_portal(FakePortal(), document)


class Flows:
    """A minimal backend, the way an automation area would hold Workflows v4 flows."""

    def __init__(self, portal: FakePortal) -> None:
        self.flows: dict[str, dict[str, Any]] = {}

    def reset(self) -> None:
        self.flows.clear()

    def to_state(self) -> dict[str, dict[str, Any]]:
        return {f"flows/{k}": v for k, v in self.flows.items()}

    def load_state(self, data: dict[str, Any]) -> None:
        self.flows = {k.split("/", 1)[1]: v for k, v in data.items()}


def _list_flows(ctx: Context) -> Response:
    backend = ctx.portal.backend(Flows)
    return json_response(200, {"results": list(backend.flows.values())})


def test_a_registered_area_gets_auth_scopes_logging_and_state() -> None:
    register_area(
        Area(
            "automation",
            lambda: [Route("GET", "/automation/v4/flows", _list_flows, fixed("automation"))],
            Flows,
        )
    )
    try:
        portal = FakePortal()
        flows = portal.backend(Flows)
        assert flows is portal.backend("automation")
        with pytest.raises(PortalError, match="no API area of this portal has a AutomationBackend"):
            flows_of(portal)  # the built-in flows backend was replaced
        flows.flows["1"] = {"id": "1", "name": "Welcome"}
        denied = portal.private_app("crm", ["crm.objects.contacts.read"])
        allowed = portal.private_app("auto", ["automation"])
        assert portal.request("GET", "/automation/v4/flows", token=denied.token).status == 403
        answer = portal.request("GET", "/automation/v4/flows", token=allowed.token)
        assert answer.json() == {"results": [{"id": "1", "name": "Welcome"}]}
        copy = FakePortal()
        copy.load_state(portal.to_state())
        assert copy.to_state()["collections"]["automation"] == {
            "flows/1": {"id": "1", "name": "Welcome"}
        }
    finally:
        _EXTRA.pop("automation", None)


def test_backends_are_looked_up_by_their_class() -> None:
    from runtime.fake_hubspot.crm_objects.models import ObjectsBackend
    from runtime.fake_hubspot.properties.models import PropertiesBackend

    portal = FakePortal()
    assert portal.backend(ObjectsBackend) is portal.objects is portal.backend("crm_objects")
    assert isinstance(portal.properties, PropertiesBackend)
    with pytest.raises(PortalError, match="no API area named 'nothing'"):
        portal.backend("nothing")
