"""The loopback server itself: port 0, keep-alive, threads, reset route, clean shutdown."""

from __future__ import annotations

import http.client
import json
import socket
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from runtime.errors import PortalError
from runtime.fake_hubspot import FakePortal, PortalServer, serve


def _get(conn: http.client.HTTPConnection, path: str, token: str) -> tuple[int, dict[str, Any]]:
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    return response.status, json.loads(response.read() or b"null")


def test_port_zero_and_keep_alive() -> None:
    portal = FakePortal()
    app = portal.private_app("ci", scopes=["crm.objects.contacts.read"])
    with serve(portal) as server:
        assert server.port > 0 and server.url == f"http://127.0.0.1:{server.port}"
        conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
        try:
            for _ in range(3):  # one connection, several requests
                status, body = _get(conn, "/crm/v3/objects/contacts", app.token)
                assert status == 200 and body == {"results": []}
        finally:
            conn.close()


def test_concurrent_clients_share_one_portal() -> None:
    portal = FakePortal()
    portal.rate_limits.enabled = False
    app = portal.private_app("ci", scopes=["crm.objects.contacts.write"])
    with serve(portal) as server:

        def create(i: int) -> int:
            conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
            try:
                body = json.dumps({"properties": {"email": f"u{i}@example.com"}})
                conn.request(
                    "POST",
                    "/crm/v3/objects/contacts",
                    body=body,
                    headers={
                        "Authorization": f"Bearer {app.token}",
                        "Content-Type": "application/json",
                    },
                )
                return conn.getresponse().status
            finally:
                conn.close()

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(create, range(40)))
    assert statuses == [201] * 40
    ids = [r.id for r in portal.records("contacts")]
    assert len(set(ids)) == 40


def test_reset_and_health_routes() -> None:
    portal = FakePortal()
    portal.create("contacts", {"email": "ada@example.com"})
    portal.private_app("ci")
    with serve(portal) as server:
        conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
        try:
            conn.request("GET", "/_hsrun/health")
            health = json.loads(conn.getresponse().read())
            assert health["portalId"] == portal.portal_id
            conn.request("POST", "/_hsrun/reset")  # as an action would: no key
            refused = conn.getresponse()
            assert refused.status == 404 and refused.getheader("X-Hsrun-Not-Emulated") == "true"
            refused.read()
            assert portal.records("contacts")  # untouched
            conn.request("POST", "/_hsrun/reset", headers=portal.control_headers())
            assert json.loads(conn.getresponse().read()) == {"status": "reset"}
        finally:
            conn.close()
    assert portal.records("contacts") == [] and portal.apps.apps == {}
    assert portal.calls() == []  # control routes stay out of the call log (reset emptied it)


def test_stop_closes_idle_keep_alive_connections() -> None:
    server = PortalServer(FakePortal()).start()
    client = socket.create_connection((server.host, server.port), timeout=5)
    try:
        client.sendall(b"GET /_hsrun/health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert client.recv(65536).startswith(b"HTTP/1.1 200 OK")
        server.stop()
        client.settimeout(5)
        assert client.recv(65536) == b""  # the server hung up instead of leaving a thread behind
    finally:
        client.close()


def test_busy_port_is_a_portal_error() -> None:
    with serve(FakePortal()) as server, pytest.raises(PortalError, match="cannot listen"):
        PortalServer(FakePortal(), port=server.port)


def _raw(server: PortalServer, data: bytes) -> bytes:
    with socket.create_connection((server.host, server.port), timeout=5) as client:
        client.sendall(data)
        chunks = []
        while chunk := client.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def test_malformed_requests_and_http_1_0_close_the_connection() -> None:
    with serve(FakePortal()) as server:
        bad = _raw(server, b"NONSENSE\r\n\r\n")
        assert bad.startswith(b"HTTP/1.1 400 Bad Request") and b"Connection: close" in bad
        old = _raw(server, b"GET /_hsrun/health HTTP/1.0\r\n\r\n")  # no keep-alive: closed
        assert old.startswith(b"HTTP/1.1 200 OK") and b'"status":"ok"' in old
        framed = _raw(server, b"POST /_hsrun/reset HTTP/1.1\r\nContent-Length: x\r\n\r\n")
        assert framed.startswith(b"HTTP/1.1 400")


def test_expect_continue_and_chunked_bodies() -> None:
    portal = FakePortal()
    app = portal.private_app("ci", scopes=["crm.objects.contacts.write"])
    with serve(portal) as server:
        body = b'{"properties": {"email": "ada@example.com"}}'
        request = (
            b"POST /crm/v3/objects/contacts HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            + f"Authorization: Bearer {app.token}\r\n".encode()
            + b"Expect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n"
            + f"{len(body):x}\r\n".encode()
            + body
            + b"\r\n0\r\n\r\n"
        )
        answer = _raw(server, request)
    assert answer.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created")
    assert portal.find("contacts", email="ada@example.com")
