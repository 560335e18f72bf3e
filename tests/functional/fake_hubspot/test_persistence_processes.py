"""Concurrent hsrun processes sharing ``.hsrun/portal.db``: nothing lost, no id reused."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap

from runtime.config import get_settings
from runtime.fake_hubspot import PortalFile

WORKER = textwrap.dedent(
    """
    import sys, requests
    from runtime.config import get_settings
    from runtime.fake_hubspot import attach

    tag, token = sys.argv[1], sys.argv[2]
    with attach(get_settings()) as served, requests.Session() as session:
        for i in range(5):
            answer = session.post(
                served.url + "/crm/v3/objects/contacts",
                json={"properties": {"email": f"{tag}-{i}@example.com"}},
                headers={"Authorization": "Bearer " + token}, timeout=10)
            assert answer.status_code == 201, answer.text
    """
)


def test_parallel_attached_processes_keep_every_write() -> None:
    store = PortalFile(get_settings())
    with store.transaction() as portal:
        token = portal.apps.create("ci", ["crm.objects.contacts.write"]).token
        portal.create("contacts", {"email": "before@example.com"})
    env = dict(os.environ)
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, f"w{n}", token],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for n in range(3)
    ]
    outcomes = [w.communicate(timeout=60) for w in workers]
    assert [w.returncode for w in workers] == [0, 0, 0], outcomes
    portal, _ = store.load()
    emails = sorted(r.properties["email"] for r in portal.records("contacts"))
    expected = sorted(
        ["before@example.com"] + [f"w{n}-{i}@example.com" for n in range(3) for i in range(5)]
    )
    assert emails == expected
    ids = [r.id for r in portal.records("contacts")]
    assert len(set(ids)) == len(ids) == 16
    assert len(portal.calls(method="POST", status=201)) == 15
    with sqlite3.connect(store.path) as db:  # a sound database, never a torn write
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert oct(store.path.stat().st_mode & 0o777) == "0o600"


UPDATER = textwrap.dedent(
    """
    import sys, requests
    from runtime.config import get_settings
    from runtime.fake_hubspot import attach

    token, contact, prop = sys.argv[1], sys.argv[2], sys.argv[3]
    with attach(get_settings()) as served, requests.Session() as session:
        for i in range(10):
            answer = session.patch(
                served.url + "/crm/v3/objects/contacts/" + contact,
                json={"properties": {prop: f"{prop}-{i}"}},
                headers={"Authorization": "Bearer " + token}, timeout=10)
            assert answer.status_code == 200, answer.text
    """
)


def test_two_processes_writing_one_record_lose_nothing() -> None:
    store = PortalFile(get_settings())
    with store.transaction() as portal:
        token = portal.apps.create("ci", ["crm.objects.contacts.write"]).token
        contact = portal.create("contacts", {"email": "both@example.com"}).id
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", UPDATER, token, contact, prop],
            env=dict(os.environ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for prop in ("firstname", "lastname")
    ]
    outcomes = [w.communicate(timeout=60) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outcomes
    portal, _ = store.load()
    record = portal.get("contacts", contact)
    # Each process wrote a different property of the same record: both last values stay.
    assert (record["firstname"], record["lastname"]) == ("firstname-9", "lastname-9")
