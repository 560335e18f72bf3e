"""In-process interception: HubSpot traffic from urllib3 goes to a fake portal, no sockets.

``hubspot-api-client`` (urllib3 ``PoolManager``) and ``requests`` (urllib3 connection pools)
both end in ``HTTPConnectionPool._make_request``. While :func:`mock_hubspot` is active, that
method answers requests for HubSpot's hosts (:data:`runtime.contract.hosts.HUBSPOT_HOSTS`,
the EU data centre's ``api-eu1.hubapi.com`` among them) from the portal and
passes everything else through. urllib3's own ``urlopen`` keeps running around it, so retries
(``Retry(status_forcelist=(429,))``), redirects and ``Retry-After`` behave as they would
against HubSpot (contract §5.3).

Usage, as moto's decorators::

    @mock_hubspot
    def test_something():
        portal = current_portal()
        ...

    with mock_hubspot() as portal:
        app = portal.private_app("ci", scopes=["crm.objects.contacts.read"])
        client = hubspot.Client.create(access_token=app.token)
"""

from __future__ import annotations

import functools
import io
import threading
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any, TypeVar, cast, overload

from runtime.contract.hosts import is_hubspot_host
from runtime.errors import PortalError
from runtime.fake_hubspot.core.http import Request
from runtime.fake_hubspot.portal import FakePortal

F = TypeVar("F", bound=Callable[..., Any])

_lock = threading.RLock()
_stack: list[FakePortal] = []
_original: Callable[..., Any] | None = None
_originals: dict[str, Callable[..., Any]] = {}


def current_portal() -> FakePortal:
    """The portal of the innermost active :func:`mock_hubspot`.

    Raises:
        PortalError: no interception is active.
    """
    with _lock:
        if not _stack:
            raise PortalError("no fake HubSpot portal is active (use mock_hubspot())")
        return _stack[-1]


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):
        data = body.read()
        return data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if isinstance(body, Iterable):
        return b"".join(c.encode("utf-8") if isinstance(c, str) else bytes(c) for c in body)
    return bytes(body)


def _install() -> None:
    global _original
    from importlib.metadata import version

    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    found = version("urllib3")
    if int(found.split(".")[0]) < 2:
        raise PortalError(
            f"mock_hubspot needs urllib3 2.x (found {found}); "
            "use the loopback server instead (runtime.fake_hubspot.serve)"
        )
    original = HTTPConnectionPool._make_request
    _original = original

    @functools.wraps(original)
    def _make_request(
        self: HTTPConnectionPool, conn: Any, method: str, url: str, *args: Any, **kwargs: Any
    ) -> Any:
        with _lock:
            portal = _stack[-1] if _stack and is_hubspot_host(self.host) else None
        if portal is None:
            return original(self, conn, method, url, *args, **kwargs)
        return _answer(self, portal, method, url, kwargs)

    HTTPConnectionPool._make_request = _make_request  # type: ignore[method-assign]

    # Through an HTTPS proxy (HTTPS_PROXY for requests), urlopen opens the CONNECT tunnel
    # before _make_request; a mocked HubSpot host needs no tunnel.
    original_proxy = HTTPSConnectionPool._prepare_proxy
    _originals["proxy"] = original_proxy

    @functools.wraps(original_proxy)
    def _prepare_proxy(self: HTTPSConnectionPool, conn: Any) -> None:
        with _lock:
            mocked = bool(_stack) and is_hubspot_host(self.host)
        if not mocked:
            original_proxy(self, conn)

    HTTPSConnectionPool._prepare_proxy = _prepare_proxy  # type: ignore[method-assign]


def _answer(pool: Any, portal: FakePortal, method: str, url: str, kwargs: dict[str, Any]) -> Any:
    from urllib3.response import HTTPResponse

    headers = dict(kwargs.get("headers") or {})
    scheme = "https" if pool.scheme == "https" else "http"
    request = Request.build(
        method, url, headers, _body_bytes(kwargs.get("body")), host=pool.host, scheme=scheme
    )
    response = portal.handle(request)
    out_headers = dict(response.headers)
    out_headers["Content-Length"] = str(len(response.body))
    return HTTPResponse(
        body=io.BytesIO(response.body),
        headers=out_headers,
        status=response.status,
        version=11,
        version_string="HTTP/1.1",
        reason=HTTPStatus(response.status).phrase,
        preload_content=kwargs.get("preload_content", True),
        decode_content=kwargs.get("decode_content", True),
        request_method=method,
        request_url=url,
        retries=kwargs.get("retries"),
        pool=pool,
        connection=kwargs.get("response_conn"),
    )


def _uninstall() -> None:
    global _original
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    if _original is not None:
        HTTPConnectionPool._make_request = _original  # type: ignore[method-assign]
        _original = None
    proxy = _originals.pop("proxy", None)
    if proxy is not None:
        HTTPSConnectionPool._prepare_proxy = proxy  # type: ignore[method-assign]


class _MockHubSpot:
    """Context manager and decorator; see :func:`mock_hubspot`."""

    def __init__(self, portal: FakePortal | None = None, **portal_options: Any) -> None:
        self._given = portal
        self._options = portal_options
        self.portal: FakePortal | None = None

    def start(self) -> FakePortal:
        """Begin intercepting; the portal HubSpot traffic now reaches."""
        portal = self._given or FakePortal(**self._options)
        with _lock:
            if not _stack:
                _install()
            _stack.append(portal)
        self.portal = portal
        return portal

    def stop(self) -> None:
        """Stop intercepting for this portal (inner ones first)."""
        with _lock:
            if self.portal is not None and self.portal in _stack:
                _stack.remove(self.portal)
            if not _stack:
                _uninstall()
        self.portal = None

    def __enter__(self) -> FakePortal:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __call__(self, func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _MockHubSpot(self._given, **self._options):
                return func(*args, **kwargs)

        return cast(F, wrapper)


@overload
def mock_hubspot(func: F) -> F: ...


@overload
def mock_hubspot(
    func: None = None, *, portal: FakePortal | None = None, **options: Any
) -> _MockHubSpot: ...


def mock_hubspot(
    func: F | None = None, *, portal: FakePortal | None = None, **options: Any
) -> F | _MockHubSpot:
    """Route HubSpot traffic from urllib3 (hubspot-api-client, requests) to a fake portal.

    Works as ``@mock_hubspot``, ``@mock_hubspot(tier="enterprise")`` and ``with
    mock_hubspot() as portal``. Each activation gets a fresh :class:`FakePortal` (built with
    ``options``) unless ``portal`` is given; :func:`current_portal` returns the active one.
    """
    if func is not None and callable(func):
        return _MockHubSpot()(func)
    return _MockHubSpot(portal, **options)
