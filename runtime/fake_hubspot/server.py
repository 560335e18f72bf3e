"""The fake portal over real HTTP: a threaded stdlib server, for clients in other processes.

``hubspot.Client.create(access_token=token, host=server.url)`` (contract §5.2) and the
action runner's child processes talk to it. HTTP/1.1 with keep-alive, one thread per
connection, port 0 for a free port, ``POST /_hsrun/reset`` to empty the portal (as moto's
server has). Each answer is written in one ``send`` with ``TCP_NODELAY`` so keep-alive
clients never wait on Nagle's algorithm.

    with serve(FakePortal()) as server:
        client = hubspot.Client.create(access_token=token, host=server.url)
"""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Callable
from email.utils import formatdate
from http import HTTPStatus

from runtime.errors import PortalError
from runtime.fake_hubspot.core.errors import InternalError, new_correlation_id
from runtime.fake_hubspot.core.http import Request, Response, json_response
from runtime.fake_hubspot.portal import FakePortal

#: Seconds an idle keep-alive connection is kept open.
IDLE_TIMEOUT = 30.0
SERVER_NAME = "hsrun-fake-hubspot"


class _BadRequest(Exception):
    """A request line, header or body the server cannot read (400, or 413 for a huge body)."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


_MAX_LINE = 65536
_MAX_HEADERS = 200
#: The largest body read (a batch of 100 records with many properties is well below it);
#: a larger ``Content-Length`` is a 413 before a byte of the body is read.
MAX_BODY = 32 * 2**20


class _Handler(socketserver.StreamRequestHandler):
    """A lean HTTP/1.1 keep-alive handler (header parsing without ``email.parser``)."""

    timeout = IDLE_TIMEOUT
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, add=False)

    def handle(self) -> None:
        try:
            while self._one():
                pass
        except (OSError, TimeoutError):
            pass  # the client went away or idled out

    def _one(self) -> bool:
        """Serve one request; whether to keep the connection open."""
        line = self.rfile.readline(_MAX_LINE + 1)
        while line in (b"\r\n", b"\n"):  # tolerate blank lines between requests
            line = self.rfile.readline(_MAX_LINE + 1)
        if not line:
            return False
        try:
            method, target, version, headers = self._head(line)
            keep = _keep_alive(version, headers.get("connection", ""))
            if headers.get("expect", "").lower() == "100-continue":
                self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            body = self._body(headers)
        except _BadRequest as exc:
            bad = {
                "status": "error",
                "message": f"Bad request: {exc}",
                "correlationId": new_correlation_id(),
                "category": "VALIDATION_ERROR",
            }
            self._write(json_response(exc.status, bad), keep=False)
            return False
        host = headers.get("host") or "{}:{}".format(*self.server.server_address[:2])
        request = Request.build(method, target, headers, body, host=host, scheme="http")
        try:
            response = self.server.portal.handle(request)
        except PortalError as exc:  # a lazily loaded portal that cannot be loaded
            unusable = {
                "status": "error",
                "message": f"hsrun: the local fake portal cannot be used: {exc}",
                "correlationId": new_correlation_id(),
                "category": "SERVICE_UNAVAILABLE",
            }
            response = json_response(503, unusable)
        except Exception:  # the portal answers its own errors; this is a last resort
            internal = InternalError("internal error in the fake portal server")
            response = json_response(500, internal.body(new_correlation_id()))
        self._write(response, keep=keep)
        return keep

    def _head(self, line: bytes) -> tuple[str, str, str, dict[str, str]]:
        if len(line) > _MAX_LINE:
            raise _BadRequest("request line too long")
        parts = line.decode("latin-1").split()
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            raise _BadRequest("malformed request line")
        headers: dict[str, str] = {}
        for _ in range(_MAX_HEADERS):
            raw = self.rfile.readline(_MAX_LINE + 1)
            if raw in (b"\r\n", b"\n", b""):
                return parts[0].upper(), parts[1], parts[2], headers
            name, sep, value = raw.decode("latin-1").partition(":")
            if not sep:
                raise _BadRequest("malformed header line")
            headers[name.strip().lower()] = value.strip()
        raise _BadRequest("too many headers")

    def _body(self, headers: dict[str, str]) -> bytes:
        try:
            if "chunked" in headers.get("transfer-encoding", "").lower():
                chunks: list[bytes] = []
                while True:
                    size = int(self.rfile.readline(_MAX_LINE).split(b";")[0].strip() or b"0", 16)
                    if size < 0 or sum(map(len, chunks)) + size > MAX_BODY:
                        raise _BadRequest("body too large", status=413)
                    if size == 0:
                        self.rfile.readline(_MAX_LINE)
                        return b"".join(chunks)
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline(_MAX_LINE)
            text = headers.get("content-length") or "0"
            if len(text) > 20:
                raise _BadRequest("body too large", status=413)
            length = int(text)
        except ValueError:
            raise _BadRequest("bad body framing") from None
        if length > MAX_BODY:
            raise _BadRequest(f"body too large ({length} bytes; at most {MAX_BODY})", status=413)
        return self.rfile.read(length) if length > 0 else b""

    def _write(self, response: Response, *, keep: bool) -> None:
        status = HTTPStatus(response.status)
        lines = [
            f"HTTP/1.1 {status.value} {status.phrase}",
            f"Server: {SERVER_NAME}",
            f"Date: {_http_date()}",
        ]
        lines.extend(f"{k}: {v}" for k, v in response.headers.items())
        lines.append(f"Content-Length: {len(response.body)}")
        if not keep:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head + response.body)


def _keep_alive(version: str, connection: str) -> bool:
    token = connection.lower()
    if version == "HTTP/1.0":
        return token == "keep-alive"
    return token != "close"


_date_cache: tuple[int, str] = (0, "")


def _http_date() -> str:
    """The ``Date`` header, formatted once per second."""
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, formatdate(now, usegmt=True))
    return _date_cache[1]


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        portal: FakePortal | None,
        loader: Callable[[], FakePortal] | None = None,
        sock: socket.socket | None = None,
    ) -> None:
        self._portal = portal
        self._loader = loader or FakePortal
        self._load_lock = threading.Lock()
        #: Why the portal could not be loaded (it is tried again on the next request).
        self.load_error: PortalError | None = None
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        if sock is None:
            super().__init__(address, _Handler)
        else:  # a socket already listening: serve the connections waiting on it
            super().__init__(address, _Handler, bind_and_activate=False)
            self.socket.close()
            self.socket = sock
            self.server_address = sock.getsockname()

    @property
    def loaded(self) -> bool:
        return self._portal is not None

    @property
    def portal(self) -> FakePortal:
        """The portal, loaded on first use (the first request, or a caller asking for it)."""
        if self._portal is None:
            with self._load_lock:
                if self._portal is None:
                    try:
                        self._portal = self._loader()
                    except PortalError as exc:
                        self.load_error = exc
                        raise
        return self._portal

    def track(self, connection: socket.socket, *, add: bool) -> None:
        with self._conn_lock:
            if add:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def close_connections(self) -> None:
        """Wake every handler blocked on an idle keep-alive connection."""
        with self._conn_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class PortalServer:
    """A :class:`FakePortal` served on a loopback port.

    Args:
        portal: the portal to serve (a fresh one if omitted).
        host: interface to bind (loopback by default).
        port: TCP port; 0 picks a free one.
        loader: without ``portal``: makes the portal at the first request (or the first
            :attr:`portal` access), so a run that never calls HubSpot never loads it.
        sock: a loopback socket already listening (``host`` and ``port`` are then its own):
            the one-shot CLI hands out its address before it imports the portal.
    """

    def __init__(
        self,
        portal: FakePortal | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        loader: Callable[[], FakePortal] | None = None,
        sock: socket.socket | None = None,
    ) -> None:
        if portal is None and loader is None:
            portal = FakePortal()
        try:
            self._server = _Server((host, port), portal, loader, sock)
        except OSError as exc:
            raise PortalError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
        self._thread: threading.Thread | None = None

    @property
    def portal(self) -> FakePortal:
        """The portal served (loaded now if it is loaded on demand).

        Raises:
            PortalError: a portal loaded on demand cannot be loaded.
        """
        return self._server.portal

    @property
    def loaded(self) -> bool:
        """Whether the portal exists yet (always, unless it is loaded on demand)."""
        return self._server.loaded

    @property
    def load_error(self) -> PortalError | None:
        """Why a portal loaded on demand could not be loaded, if it could not."""
        return self._server.load_error

    @property
    def host(self) -> str:
        return str(self._server.server_address[0])

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash: the SDKs concatenate, §5.2)."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> PortalServer:
        """Serve in a background thread."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                # stop() waits up to one interval: short, since every invoke stops a server.
                kwargs={"poll_interval": 0.005},
                name=f"hsrun-portal-{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until :meth:`stop` (or Ctrl-C) — the CLI's ``serve``."""
        self._server.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        """Stop serving, close the listening socket and every open connection."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.close_connections()
        self._server.server_close()

    def __enter__(self) -> PortalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"PortalServer(url={self.url!r})"


def serve(
    portal: FakePortal | None = None, *, host: str = "127.0.0.1", port: int = 0
) -> PortalServer:
    """A started :class:`PortalServer` (use it as a context manager to stop it)."""
    return PortalServer(portal, host=host, port=port).start()
