"""``--live`` in the kernel sandbox: HubSpot's own hosts are relayed to HubSpot (here to a
stand-in server, through ``HSRUN_LIVE_ADDRESS``), and every other host stays out of reach,
whatever client the action uses."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from runtime.contract.hosts import HUBSPOT_HOSTS
from runtime.invoke import Runner, RunOptions
from runtime.invoke.sandbox import probe

SUPPORT = probe()
pytestmark = pytest.mark.skipif(
    not SUPPORT.namespaces, reason=f"no kernel sandbox here: {SUPPORT.reason}"
)


class StandIn(BaseHTTPRequestHandler):
    """Answers as HubSpot would for the one path the action asks for, echoing the Host."""

    def do_GET(self) -> None:
        body = json.dumps({"host": self.headers.get("Host"), "path": self.path}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, int]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    address = ("127.0.0.1", server.server_address[1])
    monkeypatch.setenv("HSRUN_LIVE_ADDRESS", f"{address[0]}:{address[1]}")
    yield address
    server.shutdown()
    server.server_close()


LIVE = """\
import json, socket, subprocess

import requests


def reach(host, port):
    try:
        socket.create_connection((host, port), timeout=2).close()
        return "connected"
    except OSError as exc:
        return type(exc).__name__


def main(event):
    answers = {}
    for host in event["inputFields"]["hosts"].split(","):
        # Plain HTTP on port 443: the stand-in speaks HTTP; HubSpot's TLS would pass the same
        # way (the relay carries bytes, end to end).
        url = "http://" + host + ":443/crm/v3/objects/contacts"
        answers[host] = requests.get(url, timeout=5).json()
    with open("/etc/hosts") as fh:
        hosts_file = fh.read()
    return {"outputFields": {"report": json.dumps({
        "answers": answers,
        "other": reach("192.0.2.1", 80),
        "other_name": reach("example.com", 80),
        "hosts_file": hosts_file,
    })}}
"""


def test_live_hubspot_hosts_are_relayed_and_nothing_else_is_reachable(
    stand_in: tuple[str, int], write_action: Callable[..., Path]
) -> None:
    action = write_action(LIVE)
    opts = RunOptions(timeout_s=10, isolation="namespaces", live=True)
    with Runner(opts) as runner:
        result = runner.run(action, inputs={"hosts": ",".join(sorted(HUBSPOT_HOSTS))})
    assert result.status == "SUCCESS", result.error
    assert result.isolation == "namespaces"
    assert result.enforcement["network"] == "loopback only, relayed"
    report = json.loads(result.outputs["report"])
    for host in HUBSPOT_HOSTS:
        assert report["answers"][host] == {
            "host": f"{host}:443",
            "path": "/crm/v3/objects/contacts",
        }
    assert report["other"] != "connected"
    assert report["other_name"] != "connected"
    assert "example.com" not in report["hosts_file"]


def test_without_live_hubspot_hosts_do_not_reach_the_live_address(
    stand_in: tuple[str, int], write_action: Callable[..., Path]
) -> None:
    action = write_action(
        """\
        import socket

        def main(event):
            try:
                socket.create_connection(("127.0.0.10", 443), timeout=2).close()
                got = "connected"
            except OSError as exc:
                got = type(exc).__name__
            return {"outputFields": {"got": got}}
        """
    )
    with Runner(RunOptions(timeout_s=10, isolation="namespaces")) as runner:
        result = runner.run(action)
    assert result.status == "SUCCESS", result.error
    assert result.outputs["got"] != "connected"
