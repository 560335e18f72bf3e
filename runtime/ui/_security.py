"""The dashboard's guard: loopback host names only, a per-start token on every request, a CSRF
token on every state-changing one, and strict response headers.

Like Jupyter, the URL ``hsrun ui`` prints and opens carries a random token (``/?token=…``).
The first request that brings it gets a cookie (``HttpOnly``, ``SameSite=Strict``, named after
the port so two dashboards do not clobber each other) and a page that moves on to the same URL
without the token, so it stays out of the address bar, the history and ``Referer`` headers.
That page is a 200 with a ``<meta>`` refresh rather than a redirect: a redirect chain started
by another site (a link in a chat, a file) would not carry a ``Strict`` cookie, while a
navigation our own page starts does. Every other
request must bring the cookie (or ``Authorization: token …``); anything else is a 403.

The ``Host`` check refuses DNS rebinding (a web page whose name resolves to 127.0.0.1 still
sends its own name as ``Host``). ``Content-Security-Policy`` allows only the dashboard's own
scripts and styles: no inline script, no ``eval``, no framing.
"""

from __future__ import annotations

import hmac
import html
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Host names a browser on this machine uses for a loopback server.
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)

SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Tokens:
    """The access token (in the URL) and the CSRF token (in every form), new per start."""

    access: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)

    def access_ok(self, value: str | None) -> bool:
        return bool(value) and hmac.compare_digest(str(value), self.access)

    def csrf_ok(self, value: str | None) -> bool:
        return bool(value) and hmac.compare_digest(str(value), self.csrf)


def cookie_name(port: int | None) -> str:
    """The access cookie's name: per port, as cookies are shared by every port of a host."""
    return f"hsrun_ui_{port or 0}"


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def _host_name(host: str) -> str:
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if ":" in host else host


def _port(scope: Scope) -> int | None:
    server = scope.get("server")
    return int(server[1]) if server and server[1] is not None else None


class Guard:
    """ASGI middleware enforcing the token, the host, same-origin writes and the headers."""

    def __init__(self, app: ASGIApp, tokens: Tokens) -> None:
        self.app = app
        self.tokens = tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        if _host_name(headers.get("host", "")) not in LOOPBACK_NAMES:
            await _plain(send, 403, "This dashboard answers on 127.0.0.1 only.")
            return
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        port = _port(scope)
        if self.tokens.access_ok(query.get("token")):
            # Trade the URL's token for a cookie and drop it from the address bar.
            rest = urlencode([(k, v) for k, v in query.items() if k != "token"])
            location = scope["path"] + (f"?{rest}" if rest else "")
            cookie = f"{cookie_name(port)}={self.tokens.access}; Path=/; HttpOnly; SameSite=Strict"
            await _landing(send, location, cookie)
            return
        if not self._authenticated(headers, port):
            await _plain(
                send,
                403,
                "This dashboard needs the token of its URL: open the address `hsrun ui` printed.",
            )
            return
        if scope["method"] not in SAFE_METHODS and not _same_origin(headers):
            await _plain(send, 403, "Cross-origin requests cannot change anything here.")
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _authenticated(self, headers: dict[str, str], port: int | None) -> bool:
        scheme, _, value = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "token" and self.tokens.access_ok(value.strip()):
            return True
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(headers.get("cookie", ""))
        except CookieError:  # a malformed Cookie header is simply no cookie
            return False
        morsel = jar.get(cookie_name(port))
        return morsel is not None and self.tokens.access_ok(morsel.value)


def _same_origin(headers: dict[str, str]) -> bool:
    """A write comes from one of our pages: its ``Origin`` (if sent) is this host."""
    # (Chrome sends ``Origin: null`` for forms under ``Referrer-Policy: no-referrer``: the
    # dashboard's policy is ``same-origin``, which sends our own origin and nothing to others.)
    origin = headers.get("origin")
    if origin is None:
        return True  # not a browser's cross-site request; the CSRF token still applies
    host = headers.get("host", "")
    return origin in (f"http://{host}", f"https://{host}")


async def _plain(send: Send, status: int, text: str) -> None:
    body = text.encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                *SECURITY_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _landing(send: Send, location: str, cookie: str) -> None:
    target = html.escape(location, quote=True)
    body = (
        '<!doctype html><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="0;url={target}">'
        f'<title>hsrun</title><a href="{target}">Open the hsrun dashboard</a>'
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"set-cookie", cookie.encode("latin-1")),
                (b"content-length", str(len(body)).encode()),
                *SECURITY_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
