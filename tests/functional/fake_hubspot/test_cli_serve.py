"""`hsrun portal serve` as a real process: serves the saved portal, saves on Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import requests

from runtime.config import get_settings
from runtime.fake_hubspot import PortalFile


def _serve() -> tuple[PortalFile, str, subprocess.Popen[str], str]:
    """`hsrun portal serve` in a subprocess, with an app whose token it accepts."""
    store = PortalFile(get_settings())
    with store.transaction() as portal:
        token = portal.apps.create("ci", ["crm.objects.contacts.write"]).token
    server = subprocess.Popen(
        [sys.executable, "-m", "runtime", "portal", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    assert server.stderr is not None
    match = re.search(r"on (http://127\.0\.0\.1:\d+)", server.stderr.readline())
    assert match
    return store, token, server, match.group(1)


def test_serve_answers_syncs_and_saves_on_interrupt() -> None:
    store, token, server, url = _serve()
    try:
        with requests.Session() as session:
            created = session.post(
                f"{url}/crm/v3/objects/contacts",
                timeout=10,
                json={"properties": {"email": "served@example.com"}},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert created.status_code == 201
            # an app created by another hsrun process starts working without a restart
            with store.transaction() as portal:
                late = portal.apps.create("late", ["crm.objects.contacts.read"]).token
            deadline = time.monotonic() + 10
            status = 0
            while time.monotonic() < deadline and status != 200:
                status = session.get(
                    f"{url}/crm/v3/objects/contacts",
                    timeout=10,
                    headers={"Authorization": f"Bearer {late}"},
                ).status_code
                time.sleep(0.2)
            assert status == 200
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=20)
    assert server.returncode == 0
    portal, _ = store.load()
    assert portal.find("contacts", email="served@example.com")
    assert set(portal.apps.apps) == {"ci", "late"}


def test_serve_saves_when_terminated() -> None:
    # `kill`, a process supervisor or a container stop send SIGTERM, not Ctrl-C.
    store, token, server, url = _serve()
    try:
        created = requests.post(
            f"{url}/crm/v3/objects/contacts",
            timeout=10,
            json={"properties": {"email": "terminated@example.com"}},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert created.status_code == 201
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=20)
    assert server.returncode == 0
    portal, _ = store.load()
    assert portal.find("contacts", email="terminated@example.com")


def test_every_acknowledged_create_survives_sigkill() -> None:
    # A 201 means stored: kill -9 right after the last answer loses none of them.
    store, token, server, url = _serve()
    count = 25
    ids = []
    try:
        with requests.Session() as session:
            for i in range(count):
                created = session.post(
                    f"{url}/crm/v3/objects/contacts",
                    timeout=10,
                    json={"properties": {"email": f"k{i}@example.com"}},
                    headers={"Authorization": f"Bearer {token}"},
                )
                assert created.status_code == 201
                ids.append(created.json()["id"])
    finally:
        server.send_signal(signal.SIGKILL)
        server.communicate(timeout=20)
    assert server.returncode == -signal.SIGKILL
    portal, _ = store.load()
    found = {r.id: r.properties["email"] for r in portal.records("contacts")}
    assert found == {id_: f"k{i}@example.com" for i, id_ in enumerate(ids)}
