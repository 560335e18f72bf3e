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
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from runtime.errors import PortalError
from runtime.fake_hubspot.core.errors import InternalError, new_correlation_id
from runtime.fake_hubspot.core.http import Request, Response, json_response
from runtime.fake_hubspot.portal import FakePortal

#: Seconds an idle keep-alive connection is kept open.
IDLE_TIMEOUT = 30.0


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hsrun-fake-hubspot"
    sys_version = ""
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

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self) -> None:
        try:
            body = self._read_body()
        except ValueError:
            self.close_connection = True
            body = b""
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        request = Request.build(
            self.command, self.path, dict(self.headers.items()), body, host=host, scheme="http"
        )
        try:
            response = self.server.portal.handle(request)
        except Exception:  # the portal answers its own errors; this is a last resort
            error = InternalError("internal error in the fake portal server")
            response = json_response(500, error.body(new_correlation_id()))
        self._write(response)

    def _write(self, response: Response) -> None:
        status = HTTPStatus(response.status)
        lines = [
            f"HTTP/1.1 {status.value} {status.phrase}",
            f"Server: {self.server_version}",
            f"Date: {self.date_time_string()}",
        ]
        lines.extend(f"{k}: {v}" for k, v in response.headers.items())
        lines.append(f"Content-Length: {len(response.body)}")
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head + response.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the portal's call log records every request."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], portal: FakePortal) -> None:
        self.portal = portal
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        super().__init__(address, _Handler)

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
    """

    def __init__(
        self, portal: FakePortal | None = None, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.portal = portal or FakePortal()
        try:
            self._server = _Server((host, port), self.portal)
        except OSError as exc:
            raise PortalError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
        self._thread: threading.Thread | None = None

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
                kwargs={"poll_interval": 0.1},
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
