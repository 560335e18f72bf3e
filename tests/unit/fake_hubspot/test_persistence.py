"""State on disk: round trip, three-way merge, atomic writes, the shared id counter."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from runtime.config import get_settings
from runtime.errors import PortalError
from runtime.fake_hubspot import FakePortal, PortalFile
from runtime.fake_hubspot.core.object_types import COMPANIES, CONTACTS
from runtime.fake_hubspot.persistence import FileIds, atomic_write, merge_states, read_json


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


def test_three_way_merge_keeps_both_sides() -> None:
    base = FakePortal()
    base.create("contacts", {"email": "shared@example.com"})
    start = base.to_state()
    ours, theirs = FakePortal(), FakePortal()
    ours.load_state(start)
    theirs.load_state(start)
    ours.create("contacts", {"email": "ours@example.com"})
    theirs.ids = ours.ids  # one id sequence, as FileIds gives processes
    theirs.create("contacts", {"email": "theirs@example.com"})
    theirs.private_app("ci")
    merged = FakePortal()
    merged.load_state(merge_states(start, ours.to_state(), theirs.to_state()))
    emails = sorted(r.properties["email"] for r in merged.records("contacts"))
    assert emails == ["ours@example.com", "shared@example.com", "theirs@example.com"]
    assert "ci" in merged.apps.apps


def test_merge_applies_our_deletions_only() -> None:
    start_portal = FakePortal()
    keep = start_portal.create("contacts", {"email": "keep@example.com"})
    drop = start_portal.create("contacts", {"email": "drop@example.com"})
    start = start_portal.to_state()
    ours = FakePortal()
    ours.load_state(start)
    record = ours.objects.find(CONTACTS, drop.id)
    assert record is not None
    ours.objects.delete_permanently(record)
    merged = FakePortal()
    merged.load_state(merge_states(start, ours.to_state(), start))
    assert [r.id for r in merged.records("contacts")] == [keep.id]


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
    store.path.write_text(json.dumps({"version": 99}))
    with pytest.raises(PortalError, match="version 99"):
        store.load()
