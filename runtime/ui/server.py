"""Serving the dashboard: uvicorn on a socket bound to 127.0.0.1, until Ctrl-C."""

from __future__ import annotations

import html
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import uvicorn

from runtime.config import Settings, ensure_home
from runtime.errors import UsageError
from runtime.ui._security import Tokens
from runtime.ui.app import create_app

#: The only interface the dashboard listens on: it shows tokens and changes secrets.
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Address:
    """Where the dashboard answers, and the URL that carries its token."""

    port: int
    url: str


def bind(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1 (``port`` 0 picks a free one).

    Raises:
        UsageError: the port is taken or not allowed.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError as exc:
        sock.close()
        raise UsageError(
            f"cannot listen on {HOST}:{port} ({exc.strerror}): pick another --port"
        ) from exc
    sock.listen(128)
    return sock


class _Server(uvicorn.Server):
    """uvicorn's server, telling the app when Ctrl-C (or SIGTERM) starts the shutdown, so the
    live streams end by themselves instead of being cancelled."""

    def __init__(self, config: uvicorn.Config, stopping: threading.Event) -> None:
        super().__init__(config)
        self.stopping = stopping

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.stopping.set()
        super().handle_exit(sig, frame)


def serve(
    settings: Settings,
    *,
    port: int = 0,
    on_ready: Callable[[Address], None] | None = None,
) -> None:
    """Serve the dashboard until interrupted; ``on_ready`` gets its address first.

    Raises:
        UsageError: the port cannot be used.
    """
    tokens = Tokens()
    stopping = threading.Event()
    sock = bind(port)
    bound = int(sock.getsockname()[1])
    address = Address(port=bound, url=f"http://{HOST}:{bound}/?token={tokens.access}")
    config = uvicorn.Config(
        create_app(settings, tokens=tokens, stopping=stopping),
        log_level="warning",
        access_log=False,
        lifespan="off",
        # Live pages keep a server-sent event stream open: do not wait for them on Ctrl-C.
        timeout_graceful_shutdown=1,
        server_header=False,
    )
    server = _Server(config, stopping)
    if on_ready is not None:
        on_ready(address)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()


#: The file that sends a browser to the token URL (in the private state folder).
OPENER_NAME = "ui-open.html"


def write_opener(settings: Settings, address: Address) -> Path:
    """A private HTML file that sends the browser on to the token URL.

    Opening this file instead of the URL keeps the token off the browser's command line,
    which every user of the machine can read in the process list (Jupyter does the same).
    The file is mode 0600 in the state folder (0700).
    """
    folder = ensure_home(settings)
    path = folder / OPENER_NAME
    url = html.escape(address.url, quote=True)
    text = (
        '<!doctype html><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="0;url={url}">'
        f'<title>hsrun</title><a href="{url}">Open the hsrun dashboard</a>\n'
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    return path
