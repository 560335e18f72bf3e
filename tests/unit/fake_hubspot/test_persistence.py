"""State on disk: round trip, atomic writes, the shared id counter, the SQLite store."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from runtime.config import get_settings
from runtime.errors import PortalError
from runtime.fake_hubspot import FakePortal, PortalFile
from runtime.fake_hubspot.core.object_types import COMPANIES, CONTACTS
from runtime.fake_hubspot.persistence import FileIds, atomic_write, read_json


def test_state_round_trip_keeps_everything() -> None:
    portal = FakePortal(tier="professional")
    app = portal.private_app("ci", ["tickets"])
    contact = portal.create("contacts", {"email": "a@example.com"})
    company = portal.create("companies", {"name": "Acme"})
    portal.associate("contacts", contact.id, "companies", company.id, type_id=1)
    portal.create_property("contacts", "tier")
    portal.create_owner("o@example.com")
    portal.request("GET", "/crm/v3/objects/tickets", token=app.token)
    copy = FakePortal()
    copy.load_state(json.loads(json.dumps(portal.to_state())))
    assert copy.to_state() == portal.to_state()
    assert copy.apps.authenticate(f"Bearer {app.token}").name == "ci"
    assert copy.tier == "professional"
    labels = copy.associations.labels(CONTACTS, int(contact.id), COMPANIES, int(company.id))
    assert labels == ["Primary"]
    assert copy.create("contacts", {"email": "b@example.com"}).id not in (contact.id, company.id)


def test_atomic_write_and_bad_files(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    atomic_write(target, b'{"a": 1}')
    assert read_json(target) == {"a": 1} and oct(target.stat().st_mode & 0o777) == "0o600"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # no temp file left
    target.write_text("{broken")
    with pytest.raises(PortalError, match="not valid JSON"):
        read_json(target)


def test_file_ids_hand_out_blocks_and_give_back_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "portal.ids"
    first, second = FileIds(path), FileIds(path)
    a = [first("objects") for _ in range(3)]
    b = second("objects")
    assert a == [1, 2, 3] and b == 51
    second.release()
    first.release()  # another process reserved after us: our rest stays reserved
    assert json.loads(path.read_text())["objects"] == 52


def test_portal_file_uses_the_settings_portal_id(tmp_path: Path) -> None:
    settings = replace(get_settings(), home=tmp_path / ".hsrun", portal_id=777)
    store = PortalFile(settings)
    with store.transaction() as portal:
        portal.create("contacts", {"email": "a@example.com"})
    loaded, base = store.load()
    assert loaded.portal_id == 777 and len(loaded.records("contacts")) == 1
    loaded.create("contacts", {"email": "b@example.com"})
    store.save(loaded, base)
    assert len(store.load()[0].records("contacts")) == 2
    other = PortalFile(replace(settings, home=tmp_path / "other"))
    other.json_path.parent.mkdir(parents=True)
    other.json_path.write_text(json.dumps({"version": 99}))  # a snapshot to import
    with pytest.raises(PortalError, match="version 99"):
        other.load()
    assert not other.path.exists()  # nothing half-imported


def test_two_loaded_portals_see_each_others_writes(tmp_path: Path) -> None:
    # Two holders of one database (two hsrun processes): each request takes in the other's
    # committed changes first, so uniqueness, tokens and sorted orders stay right.
    settings = replace(get_settings(), home=tmp_path / ".hsrun")
    store = PortalFile(settings)
    with store.transaction() as portal:
        token = portal.private_app(
            "ci", ["crm.objects.contacts.write", "crm.objects.contacts.read"]
        ).token
    first, _ = store.load()
    second, _ = store.load()
    created = first.request(
        "POST",
        "/crm/v3/objects/contacts",
        token=token,
        json={"properties": {"email": "a@x.com", "lastname": "Lovelace"}},
    )
    assert created.status == 201
    again = second.request(
        "POST", "/crm/v3/objects/contacts", token=token, json={"properties": {"email": "A@x.com"}}
    )
    assert again.status == 409  # the other process's email is taken
    found = second.request(
        "POST",
        "/crm/v3/objects/contacts/search",
        token=token,
        json={
            "filterGroups": [
                {
                    "filters": [
                        {
                            "propertyName": "lastname",
                            "operator": "CONTAINS_TOKEN",
                            "value": "lovelace",
                        }
                    ]
                }
            ]
        },
    )
    assert found.json()["total"] == 1
    patched = second.request(
        "PATCH",
        f"/crm/v3/objects/contacts/{created.json()['id']}",
        token=token,
        json={"properties": {"lastname": "King"}},
    )
    assert patched.status == 200
    sorted_page = first.request(
        "POST",
        "/crm/v3/objects/contacts/search",
        token=token,
        json={"sorts": ["lastname"], "properties": ["lastname"]},
    ).json()
    assert [r["properties"]["lastname"] for r in sorted_page["results"]] == ["King"]
    store.close(first)
    store.close(second)
