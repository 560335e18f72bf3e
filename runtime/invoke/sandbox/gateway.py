"""The parent's end of a sandboxed run's network: one unix socket every run's init relays its
loopback connections to.

A run whose network namespace has only loopback reaches the outside through here and nowhere
else. Each connection starts with ``TOKEN KIND\\n``: the token names the run (registered by
the runner for its duration), the kind the listener it came in on:

- ``portal``: piped to the fake portal's loopback server, HubSpot's API for the action;
- ``live HOST``: with ``--live``, piped to that HubSpot host's port 443 (TLS stays end to
  end: the action's client talks to HubSpot itself; this only carries the bytes). The run's
  ``/etc/hosts`` points each HubSpot host at its own loopback address, where init listens;
- ``proxy``: an HTTP proxy (``CONNECT host:port`` or an absolute ``http://`` URL) that opens
  a connection only to a host the run's ``allow_hosts`` names exactly (``*.example.com``
  matches subdomains, never a prefix), and otherwise answers 403 with the same advice the
  in-process guard gives.
"""

from __future__ import annotations

import atexit
import shutil
import socket
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from runtime.invoke._process import listen_unix

MAX_HEADER = 512
MAX_REQUEST_HEAD = 16 * 1024
CONNECT_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Policy:
    """Where one run may go."""

    portal: tuple[str, int] | None = None
    allow_hosts: tuple[str, ...] = ()
    manifest: str = "the action's manifest"
    extra: dict[str, str] = field(default_factory=dict)
    #: With ``--live``: HubSpot's hosts the run may reach, and where their connections go
    #: (``None``: the host itself, port 443; a test points it at a stand-in).
    live_hosts: frozenset[str] = frozenset()
    live_address: tuple[str, int] | None = None


def host_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    """Exact host match, or a ``*.domain`` pattern matching a subdomain of it."""
    host = host.lower().rstrip(".")
    for pattern in allowed:
        pattern = pattern.lower().rstrip(".")
        if pattern == host:
            return True
        if pattern.startswith("*.") and host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
            return True
    return False


def refusal(host: str, manifest: str) -> str:
    return (
        f'hsrun blocked an outbound connection to {host}: add "{host}" to allow_hosts '
        f"in {manifest}, or pass --allow-net"
    )


class Gateway:
    """Serves every sandboxed run of this process (started on first use)."""

    def __init__(self) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="hsrun-net-"))
        self.path = str(self._folder / "gw")
        self._sock = listen_unix(self.path, socket.SOCK_STREAM)
        self._policies: dict[str, Policy] = {}
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, name="hsrun-gateway", daemon=True)
        self._thread.start()

    @property
    def folder(self) -> str:
        return str(self._folder)

    def register(self, token: str, policy: Policy) -> None:
        with self._lock:
            self._policies[token] = policy

    def unregister(self, token: str) -> None:
        with self._lock:
            self._policies.pop(token, None)

    def close(self) -> None:
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self._sock.close()
        finally:
            shutil.rmtree(self._folder, ignore_errors=True)

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        upstream: socket.socket | None = None
        try:
            conn.settimeout(CONNECT_TIMEOUT_S)
            header, rest = _read_until(conn, b"\n", MAX_HEADER)
            token, _, kind = header.decode("ascii", "replace").strip().partition(" ")
            with self._lock:
                policy = self._policies.get(token)
            if policy is not None and kind == "portal" and policy.portal is not None:
                upstream = socket.create_connection(policy.portal, timeout=CONNECT_TIMEOUT_S)
                if rest:
                    upstream.sendall(rest)
            elif policy is not None and kind.startswith("live "):
                host = kind[len("live ") :]
                if host not in policy.live_hosts:
                    return
                target = policy.live_address or (host, 443)
                upstream = socket.create_connection(target, timeout=CONNECT_TIMEOUT_S)
                if rest:
                    upstream.sendall(rest)
            elif policy is not None and kind == "proxy":
                upstream = self._proxy(conn, rest, policy)
            if upstream is None:
                return
            conn.settimeout(None)
            upstream.settimeout(None)
            back = threading.Thread(target=_pipe, args=(upstream, conn), daemon=True)
            back.start()
            _pipe(conn, upstream)
            back.join()
        except (OSError, ValueError):
            pass
        finally:
            conn.close()
            if upstream is not None:
                upstream.close()

    def _proxy(self, conn: socket.socket, rest: bytes, policy: Policy) -> socket.socket | None:
        head, body = _read_until(conn, b"\r\n\r\n", MAX_REQUEST_HEAD, rest)
        line, _, headers = head.partition(b"\r\n")
        method, target, version = [*line.decode("latin-1").split(" "), "", "", ""][:3]
        if method.upper() == "CONNECT":
            host, _, port_text = target.rpartition(":")
            port = int(port_text or 443)
            forward = b""
        elif target.startswith("http://"):
            authority, _, path = target[len("http://") :].partition("/")
            host, _, port_text = authority.partition(":")
            port = int(port_text or 80)
            forward = f"{method} /{path} {version}\r\n".encode("latin-1") + headers + b"\r\n\r\n"
            forward += body
        else:
            _answer(conn, 400, "hsrun's proxy takes CONNECT or an absolute http:// URL")
            return None
        host = host.strip("[]")
        if not host_allowed(host, policy.allow_hosts):
            _answer(conn, 403, refusal(host, policy.manifest))
            return None
        try:
            upstream = socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S)
        except OSError as exc:
            _answer(conn, 502, f"hsrun could not reach {host}:{port}: {exc}")
            return None
        try:
            if forward:
                upstream.sendall(forward)
            else:
                conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                if body:
                    upstream.sendall(body)
        except OSError:
            upstream.close()
            raise
        return upstream


def _read_until(
    conn: socket.socket, marker: bytes, limit: int, data: bytes = b""
) -> tuple[bytes, bytes]:
    while marker not in data:
        if len(data) > limit:
            raise ValueError("header too long")
        chunk = conn.recv(4096)
        if not chunk:
            raise ValueError("closed before the header ended")
        data += chunk
    head, _, rest = data.partition(marker)
    return head, rest


def _answer(conn: socket.socket, status: int, message: str) -> None:
    reason = {400: "Bad Request", 403: "Forbidden", 502: "Bad Gateway"}[status]
    body = (message + "\n").encode()
    try:
        conn.sendall(
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
    except OSError:
        pass
    conn.close()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        pass
    try:
        sink.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    try:
        source.shutdown(socket.SHUT_RD)
    except OSError:
        pass


_gateway: Gateway | None = None
_gateway_lock = threading.Lock()


def shared_gateway() -> Gateway:
    """The gateway of this process, started on first use."""
    global _gateway
    with _gateway_lock:
        if _gateway is None:
            _gateway = Gateway()
            atexit.register(_gateway.close)
        return _gateway
