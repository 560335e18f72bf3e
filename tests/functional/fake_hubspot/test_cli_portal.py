"""`hsrun portal ...` through the real CLI, on the isolated ``.hsrun/`` of each test."""

from __future__ import annotations

import json
import re

import pytest
from helpers import hsrun
from typer.testing import CliRunner

from runtime.config import get_settings
from runtime.fake_hubspot import PortalFile, attach

cli = CliRunner()
TOKEN = re.compile(r"pat-na1-[0-9a-f-]{36}")


def test_apps_lifecycle_and_audit() -> None:
    code, out, _ = hsrun(
        "portal",
        "apps",
        "create",
        "ci",
        "--scopes",
        "crm.objects.contacts.read,crm.objects.contacts.write",
    )
    assert code == 0
    first = TOKEN.search(out)
    assert first is not None
    code, out, _ = hsrun("portal", "apps", "list", "--json")
    listed = json.loads(out)
    assert listed[0]["name"] == "ci" and listed[0]["liveTokens"] == 1
    assert first.group(0) not in out  # list never prints tokens
    code, out, _ = hsrun("portal", "apps", "show-token", "ci")
    assert out.strip() == first.group(0)
    code, out, _ = hsrun("portal", "apps", "rotate", "ci", "--expire-old", "now")
    assert code == 0 and TOKEN.search(out).group(0) != first.group(0)  # type: ignore[union-attr]
    assert hsrun("portal", "apps", "delete", "ci")[0] == 0
    code, out, _ = hsrun("portal", "apps", "audit", "--json")
    events = json.loads(out)
    assert [e["event"] for e in events] == ["created", "shown", "rotated", "deleted"]
    assert all(e["user"] and first.group(0) not in json.dumps(e) for e in events)


def test_save_secret_stores_the_token_in_the_secret_store() -> None:
    code, out, err = hsrun(
        "portal", "apps", "create", "ci", "--scopes", "tickets", "--save-secret", "TEST_SECRET"
    )
    assert code == 0, err
    assert "TEST_SECRET" in out and not TOKEN.search(out)  # stored, not printed
    from runtime.secrets import default_source

    stored = default_source(get_settings()).get(["TEST_SECRET"])["TEST_SECRET"]
    portal, _ = PortalFile(get_settings()).load()
    assert portal.apps.get("ci").token == stored


def test_unknown_app_is_a_portal_error() -> None:
    code, _, err = hsrun("portal", "apps", "rotate", "nope")
    assert code == 7 and "no private app named 'nope'" in err


def test_seed_demo_info_and_reset(tmp_path: pytest.TempPathFactory) -> None:
    code, out, _ = hsrun("portal", "seed", "--demo")
    assert code == 0 and "records" in out
    code, out, _ = hsrun("portal", "info", "--json")
    info = json.loads(out)
    assert info["records"] == {"contacts": 6, "companies": 3, "deals": 3, "tickets": 2}
    assert (
        hsrun("portal", "seed", "--demo")[0] == 7
    )  # duplicate emails: refused, nothing half-written
    assert json.loads(hsrun("portal", "info", "--json")[1])["records"]["contacts"] == 6
    assert hsrun("portal", "reset", "--yes")[0] == 0
    assert json.loads(hsrun("portal", "info", "--json")[1])["records"]["contacts"] == 0


def test_seed_file_with_refs(tmp_path: pytest.TempPathFactory) -> None:
    seed = {
        "owners": [{"ref": "sam", "email": "sam@example.com"}],
        "properties": {
            "contacts": [{"name": "tier", "label": "Tier", "type": "string", "fieldType": "text"}]
        },
        "records": {
            "contacts": [
                {
                    "ref": "ada",
                    "properties": {
                        "email": "ada@example.com",
                        "tier": "gold",
                        "hubspot_owner_id": "@sam",
                    },
                }
            ],
            "companies": [{"ref": "acme", "properties": {"name": "Acme"}}],
        },
        "associations": [{"from": "contacts:ada", "to": "companies:acme"}],
    }
    path = tmp_path / "seed.json"  # type: ignore[operator]
    path.write_text(json.dumps(seed))
    code, _out, err = hsrun("portal", "seed", str(path))
    assert code == 0, err
    portal, _ = PortalFile(get_settings()).load()
    ada = portal.find("contacts", email="ada@example.com")[0]
    assert ada.properties["tier"] == "gold"
    assert (
        ada.properties["hubspot_owner_id"]
        == next(iter(portal.owners.owners.values())).to_api()["id"]
    )
    company = portal.find("companies", name="Acme")[0]
    assert portal.associated("contacts", ada.id, "companies") == [company.id]
    bad = tmp_path / "bad.json"  # type: ignore[operator]
    bad.write_text(json.dumps({"records": {"contacts": [{"properties": {"nope": "x"}}]}}))
    code, _, err = hsrun("portal", "seed", str(bad))
    assert code == 7 and "records.contacts[0]" in err and "nope" in err


def test_logs_filters_calls_made_through_attach() -> None:
    hsrun(
        "portal",
        "apps",
        "create",
        "ci",
        "--scopes",
        "crm.objects.contacts.read,crm.objects.contacts.write",
    )
    with PortalFile(get_settings()).transaction() as portal:
        token = portal.apps.get("ci").token
    import requests

    with attach(get_settings()) as served, requests.Session() as session:
        headers = {"Authorization": f"Bearer {token}"}
        session.post(
            f"{served.url}/crm/v3/objects/contacts",
            json={"properties": {"email": "a@example.com"}},
            headers=headers,
            timeout=5,
        )
        session.delete(f"{served.url}/crm/v3/objects/contacts/424242", headers=headers, timeout=5)
        session.get(f"{served.url}/crm/v3/objects/contacts/abc", headers=headers, timeout=5)
    code, out, _ = hsrun(
        "portal",
        "logs",
        "--app",
        "ci",
        "--method",
        "DELETE",
        "--status",
        "2xx",
        "--since",
        "1h",
        "--json",
    )
    assert code == 0
    calls = json.loads(out)
    assert [(c["method"], c["path"], c["status"]) for c in calls] == [
        ("DELETE", "/crm/v3/objects/contacts/424242", 204)
    ]
    _code, out, _ = hsrun("portal", "logs", "--status", "4xx")
    assert "/crm/v3/objects/contacts/abc" in out and "404" in out
    portal, _ = PortalFile(get_settings()).load()
    assert portal.find("contacts", email="a@example.com")  # the served portal was saved


def test_tier_changes_limits() -> None:
    code, out, _ = hsrun("portal", "tier", "professional")
    assert code == 0 and "190 requests / 10 s" in out
    assert hsrun("portal", "tier", "platinum")[0] == 2  # a bad value, like any bad flag


def test_rotate_updates_every_secret_that_held_the_old_token() -> None:
    from runtime.secrets import default_source

    code, out, _ = hsrun(
        "portal",
        "apps",
        "create",
        "ci",
        "--scopes",
        "crm.objects.contacts.read",
        "--save-secret",
        "TEST_SECRET",
    )
    assert code == 0
    store = default_source(get_settings())
    old = store.get(["TEST_SECRET"])["TEST_SECRET"]
    store.set("OTHER_SECRET", "unrelated")
    code, out, err = hsrun("portal", "apps", "rotate", "ci", "--no-show-token")
    assert code == 0, err
    assert "Updated TEST_SECRET" in out
    assert TOKEN.search(out) is None  # --no-show-token is honoured
    values = default_source(get_settings()).get(["TEST_SECRET", "OTHER_SECRET"])
    new = values["TEST_SECRET"]
    assert new != old and TOKEN.fullmatch(new)
    assert values["OTHER_SECRET"] == "unrelated"
    portal, _ = PortalFile(get_settings()).load()
    assert portal.apps.get("ci").token == new  # the next run authenticates
    portal.apps.authenticate(f"Bearer {new}")  # raises (a 401) for a stale token


def test_rotate_without_a_stored_secret_prints_the_token_unless_told_not_to() -> None:
    hsrun("portal", "apps", "create", "ci", "--scopes", "crm.objects.contacts.read")
    code, out, _ = hsrun("portal", "apps", "rotate", "ci")
    assert code == 0 and TOKEN.search(out) is not None
    code, out, _ = hsrun("portal", "apps", "rotate", "ci", "--no-show-token")
    assert code == 0 and TOKEN.search(out) is None


def test_info_reads_as_text_not_python() -> None:
    assert hsrun("portal", "seed", "--demo")[0] == 0
    code, out, _ = hsrun("portal", "info")
    assert code == 0
    assert "{" not in out and "[" not in out
    assert re.search(r"records: contacts \d+, companies \d+", out)


def test_logs_say_when_they_show_only_the_newest() -> None:
    hsrun("portal", "apps", "create", "ci", "--scopes", "crm.objects.contacts.read")
    with attach(get_settings()) as attached:
        for _ in range(3):
            attached.portal.request("GET", "/crm/v3/objects/contacts")
    code, out, err = hsrun("portal", "logs", "--limit", "2")
    assert code == 0
    assert len(out.strip().splitlines()) == 2
    assert "Showing the newest 2 of 3 calls; --limit N shows more (0: all)." in err
    code, out, err = hsrun("portal", "logs", "--limit", "0")
    assert len(out.strip().splitlines()) == 3 and "Showing" not in err
