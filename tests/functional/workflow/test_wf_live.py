"""``hsrun workflow run --live``: writes go to HubSpot, here a loopback server standing in for
it (a second fake portal, served; ``--hubspot-url`` points at it), never to the local portal."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from helpers import hsrun
from wf_support import builtin, code, flow, set_prop, static

from runtime.config import get_settings
from runtime.errors import PortalError
from runtime.fake_hubspot import FakePortal, PortalFile, serve
from runtime.fake_hubspot.lists.models import ListsBackend
from runtime.secrets import SecretValue
from runtime.workflow.live import LiveRecords, LiveTarget

#: Reads the enrolled contact through HubSpot's API (routed to the stand-in) with the
#: action's own token, and returns its first name.
READS_NAME = """
import os
import requests

def main(event):
    answer = requests.get("https://api.hubapi.com/crm/v3/objects/contacts/"
                          + str(event["object"]["objectId"]) + "?properties=firstname",
                          headers={"Authorization": "Bearer " + os.environ["TOKEN"]})
    answer.raise_for_status()
    return {"outputFields": {"name": answer.json()["properties"]["firstname"]}}
"""
SCOPES = ["crm.objects.contacts.read", "crm.objects.contacts.write", "crm.lists.write"]


class StandIn:
    """HubSpot as the test sees it: a served portal, an app's token, a contact, a list."""

    def __init__(self, portal: FakePortal, url: str, token: str, contact: str, list_id: str):
        self.portal, self.url, self.token = portal, url, token
        self.contact, self.list_id = contact, list_id


@pytest.fixture
def hubspot_standin() -> Iterator[StandIn]:
    portal = FakePortal()
    token = portal.private_app("workflows", scopes=SCOPES).token
    contact = portal.create("contacts", {"email": "ada@example.com", "firstname": "Ada"}).id
    with portal.lock:
        made = portal.backend(ListsBackend).create(
            {"name": "Routed", "objectTypeId": "0-1", "processingType": "MANUAL"}
        )
    with serve(portal) as server:
        yield StandIn(portal, server.url, str(token), str(contact), str(made.list_id))


def _flow(list_id: str) -> dict[str, Any]:
    return flow(
        code("1", READS_NAME, outputs={"name": "STRING"}, secrets=["TOKEN"], nxt="2"),
        set_prop("2", "message", {"type": "FIELD_DATA", "actionId": "1", "dataKey": "name"}, "3"),
        builtin("3", "0-3", {"subject": "Call {{ enrolled_object.firstname }}",
                             "priority": "HIGH"}, "4"),
        builtin("4", "0-63809083", {"listId": list_id}, "5"),
        builtin("5", "0-1", {"delta": "1", "time_unit": "SECONDS"}, "6"),
        set_prop("6", "firstname", static("Ada (called)")),
    )  # fmt: skip


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hubspot_standin: StandIn) -> Path:
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "live.json").write_text(json.dumps(_flow(hubspot_standin.list_id)))
    monkeypatch.chdir(tmp_path)
    for name in ("HUBSPOT_LIVE_DEPLOY_TOKEN", "TOKEN"):
        code_, _, err = hsrun("secrets", "set", name, "--from-stdin", input=hubspot_standin.token)
        assert code_ == 0, err
    return tmp_path


def _live(standin: StandIn, *args: str) -> tuple[int, str, str]:
    return hsrun(*args, "--live", "--hubspot-url", standin.url)


def test_a_live_run_writes_to_hubspot_and_leaves_the_local_portal_alone(
    project: Path, hubspot_standin: StandIn
) -> None:
    h = hubspot_standin
    code_, out, err = _live(
        h, "workflow", "run", "flows/live.json", "--object-id", h.contact,
        "--yes-write-to-hubspot", "--json",
    )  # fmt: skip
    assert code_ == 0, err
    assert f"This writes to HubSpot portal {h.portal.portal_id} ({h.url})" in err
    assert "1 enrollment(s) in 'test flow'" in err
    [e] = json.loads(out)
    # Real time: the one-second delay is not due yet, so the enrollment waits for a resume.
    assert e["status"] == "WAITING" and e["current"] == "6"
    assert e["path"] == ["1", "2", "3", "4", "5"]
    assert e["outputs"]["1"] == {"name": "Ada"}
    assert e["steps"][0]["details"] == {"live": True, "portalId": h.portal.portal_id}
    contact = h.portal.get("contacts", h.contact).properties
    assert contact["message"] == "Ada"
    [task] = h.portal.records("tasks")
    assert task.properties["hs_task_subject"] == "Call Ada"
    assert h.portal.associated("tasks", task.id, "contacts") == [h.contact]
    with h.portal.lock:
        members = h.portal.backend(ListsBackend).get(h.list_id).members
    assert list(members) == [int(h.contact)]
    local, _ = PortalFile(get_settings()).load()
    assert local.records("tasks") == [] and local.records("contacts") == []

    # A local resume leaves it alone; naming it says how.
    code_, _, err = hsrun("workflow", "resume")
    assert code_ == 0 and "No WAITING enrollments" in err
    code_, _, err = hsrun("workflow", "resume", e["id"])
    assert code_ == 2 and "ran against HubSpot (--live): resume it with --live" in err

    code_, out, err = _live(
        h, "workflow", "resume", "--yes-write-to-hubspot", "--until", "1m", "--json"
    )
    assert code_ == 0, err
    [resumed] = json.loads(out)
    assert resumed["id"] == e["id"] and resumed["status"] == "COMPLETED"
    assert resumed["path"] == ["1", "2", "3", "4", "5", "6"]
    assert h.portal.get("contacts", h.contact).properties["firstname"] == "Ada (called)"


def test_without_a_terminal_live_needs_the_flag_and_writes_nothing(
    project: Path, hubspot_standin: StandIn
) -> None:
    h = hubspot_standin
    code_, _, err = _live(h, "workflow", "run", "flows/live.json", "--object-id", h.contact)
    assert code_ == 2
    assert f"HubSpot portal {h.portal.portal_id}" in err and "1 enrollment(s)" in err
    assert "Refused: no terminal to confirm on; add --yes-write-to-hubspot" in err
    assert "message" not in h.portal.get("contacts", h.contact).properties
    assert h.portal.records("tasks") == []


def test_a_refusal_by_hubspot_fails_the_step_with_its_message(
    project: Path, hubspot_standin: StandIn
) -> None:
    h = hubspot_standin
    reader = h.portal.private_app("reader", scopes=["crm.objects.contacts.read"]).token
    code_, _, err = hsrun("secrets", "set", "READER", "--from-stdin", input=str(reader))
    assert code_ == 0, err
    code_, out, err = _live(
        h, "workflow", "run", "flows/live.json", "--object-id", h.contact,
        "--token-secret", "READER", "--yes-write-to-hubspot", "--json",
    )  # fmt: skip
    assert code_ == 1, err  # a failed step
    [e] = json.loads(out)
    [failed] = [s for s in e["steps"] if s["action_id"] == "2"]
    assert failed["event"] == "FAILED"
    assert "HubSpot answered 403 to PATCH /crm/v3/objects/contacts/" in failed["message"]
    assert "granted all required scopes" in failed["message"]
    assert h.token not in out and str(reader) not in out + err


def test_what_live_refuses(project: Path, hubspot_standin: StandIn) -> None:
    h = hubspot_standin
    base = ("workflow", "run", "flows/live.json", "--object-id", h.contact)
    code_, _, err = _live(h, *base, "--inject", "429@1", "--yes-write-to-hubspot")
    assert code_ == 2 and "--inject" in err
    code_, _, err = hsrun(*base, "--live", "--hubspot-url", "http://example.com")
    assert code_ == 2 and "only sent over https" in err
    code_, _, err = _live(h, *base, "--token-secret", "NOPE", "--yes-write-to-hubspot")
    assert code_ == 7 and "has no secret NOPE" in err
    code_, _, err = _live(h, *base[:3], "--object-id", "424242", "--yes-write-to-hubspot")
    assert code_ == 2 and "HubSpot answered 404" in err


def _at_a_terminal(project: Path, args: list[str], answer: str) -> tuple[int, str]:
    """``hsrun ARGS`` in a child whose stdin is a terminal (a pty), answering its prompt."""
    master, slave = pty.openpty()
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", "runtime", *args],
            cwd=project,
            stdin=slave,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        os.write(master, answer.encode())
        out, err = child.communicate(timeout=120)
    finally:
        os.close(master)
        os.close(slave)
    return child.returncode, out + err


def test_at_a_terminal_live_asks_naming_the_portal_and_the_count(
    project: Path, hubspot_standin: StandIn
) -> None:
    h = hubspot_standin
    args = ["workflow", "run", "flows/live.json", "--object-id", h.contact, "--live",
            "--hubspot-url", h.url]  # fmt: skip
    code_, text = _at_a_terminal(project, args, "n\n")
    assert code_ == 1, text
    assert f"This writes to HubSpot portal {h.portal.portal_id}" in text
    assert "1 enrollment(s) in 'test flow'. Go on? [y/N]" in text
    assert "Nothing written." in text
    assert "message" not in h.portal.get("contacts", h.contact).properties
    code_, text = _at_a_terminal(project, args, "y\n")
    assert code_ == 0, text
    assert h.portal.get("contacts", h.contact).properties["message"] == "Ada"


@pytest.fixture
def rate_limited() -> Iterator[tuple[str, list[str], list[int]]]:
    """A stand-in answering GETs with the statuses queued in the third item (then 200)."""
    calls: list[str] = []
    queued: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            calls.append(self.path)
            status = queued.pop(0) if queued else 200
            body = (
                {"id": "7", "properties": {"firstname": "Ada"}}
                if status == 200
                else {"status": "error", "message": "You have reached your secondly limit.",
                      "errorType": "RATE_LIMIT", "category": "RATE_LIMITS"}
            )  # fmt: skip
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if status == 429:
                self.send_header("Retry-After", "0")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", calls, queued
    finally:
        server.shutdown()
        server.server_close()


def test_hubspot_rate_limits_on_the_engines_own_calls_are_waited_out(
    rate_limited: tuple[str, list[str], list[int]],
) -> None:
    url, calls, queued = rate_limited
    records = LiveRecords(LiveTarget(url, SecretValue("pat-na1-test")))
    queued.extend([429, 429])
    assert records.properties("contacts", "7", ["firstname"]) == {"firstname": "Ada"}
    assert len(calls) == 3
    queued.extend([429, 429, 429])
    with pytest.raises(PortalError, match=r"HubSpot answered 429 to GET .*secondly limit"):
        records.properties("contacts", "7", ["firstname"])
    assert len(calls) == 6
