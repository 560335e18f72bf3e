"""hsrun's pytest plugin (entry point ``hsrun`` in ``pytest11``): a fake HubSpot per test.

Fixtures:

- ``hubspot_portal`` (also named ``hubspot``, the older name, which shadows the SDK's package
  ``hubspot`` in a test module that imports it): a fresh
  :class:`~runtime.fake_hubspot.FakePortal` with in-process interception on:
  ``hubspot-api-client`` and ``requests`` calls to HubSpot's hosts reach it, no network.
- ``hubspot_server``: the same portal served on a loopback port (``.url``) for clients in
  other processes or with ``host=``.
- ``hubspot_client``: ``hubspot_client(token)`` → ``hubspot.Client`` talking to the portal.
- ``run_action``: runs an action in a child process, as HubSpot would, with its HubSpot calls
  routed to the portal and ``object_id`` inputs filled from the portal's record. It imports
  HubSpot's library versions when the project has them installed (``hsrun libs install``;
  ``HSRUN_LIBS=0`` turns that off).

Marker ``@pytest.mark.hubspot(tier="enterprise", rate_limits=False, portal_id=...)`` configures
the portal of one test. Rate limits are on by default, as on HubSpot.

    def test_archive_contact(hubspot_portal, run_action):
        contact = hubspot_portal.create("contacts", {"email": "ada@example.com"})
        app = hubspot_portal.private_app("ci", scopes=["crm.objects.contacts.write"])
        result = run_action("actions/archive_contact.py", object_id=contact.id,
                            secrets={"TEST_SECRET": app.token})
        assert result.status == "SUCCESS"
        assert hubspot_portal.get("contacts", contact.id, archived=True).archived
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from runtime.fake_hubspot import FakePortal, PortalServer, PrivateApp
    from runtime.invoke import RunResult


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "hubspot(tier=..., rate_limits=True, portal_id=..., packs=0): configure the fake "
        "HubSpot portal of the `hubspot_portal` fixture",
    )


@pytest.fixture
def hubspot_portal(request: pytest.FixtureRequest) -> Iterator[FakePortal]:
    """A fresh fake portal; HubSpot traffic from urllib3 goes to it while the test runs."""
    from runtime.fake_hubspot import mock_hubspot

    marker = request.node.get_closest_marker("hubspot")
    options: dict[str, Any] = dict(marker.kwargs) if marker else {}
    rate_limits = bool(options.pop("rate_limits", True))
    with mock_hubspot(**options) as portal:
        portal.rate_limits.enabled = rate_limits
        yield portal


@pytest.fixture
def hubspot(hubspot_portal: FakePortal) -> FakePortal:
    """The ``hubspot_portal`` fixture under its older name (the same portal)."""
    return hubspot_portal


@pytest.fixture
def hubspot_server(hubspot_portal: FakePortal) -> Iterator[PortalServer]:
    """The ``hubspot_portal`` served on 127.0.0.1 (a free port): ``hubspot_server.url``."""
    from runtime.fake_hubspot import serve

    with serve(hubspot_portal) as server:
        yield server


@pytest.fixture
def hubspot_client(hubspot_portal: FakePortal) -> Callable[..., Any]:
    """``hubspot_client(token_or_app)``: an official ``hubspot.Client`` for the portal."""
    import hubspot as hubspot_sdk

    def make(token: str | PrivateApp, **options: Any) -> Any:
        value = token if isinstance(token, str) else token.token
        return hubspot_sdk.Client.create(access_token=value, **options)

    return make


@pytest.fixture
def run_action(
    hubspot_portal: FakePortal, request: pytest.FixtureRequest
) -> Iterator[Callable[..., RunResult]]:
    """``run_action(action, event=None, *, inputs=, object_id=, secrets=, options=, **opts)``.

    The action runs in a child process; its HubSpot calls reach the ``hubspot_portal`` through
    a loopback server started on first use. ``RunResult.api_calls`` lists them. Extra keyword
    arguments are :class:`runtime.invoke.RunOptions` fields (``timeout_s=5``...); given with
    ``options``, they override its fields.
    """
    from runtime.fake_hubspot import attach_memory
    from runtime.invoke import RunOptions
    from runtime.invoke import run_action as run

    stack = contextlib.ExitStack()
    link: list[Any] = []
    root = Path(str(request.config.rootpath))

    def runner(
        action: str | Path,
        event: Mapping[str, Any] | None = None,
        *,
        inputs: Mapping[str, Any] | None = None,
        object_id: int | str | None = None,
        secrets: Mapping[str, str] | None = None,
        options: RunOptions | None = None,
        **option_fields: Any,
    ) -> RunResult:
        if not link:
            link.append(stack.enter_context(attach_memory(hubspot_portal)))
        path = Path(action)
        if not path.is_absolute() and not path.exists() and (root / path).exists():
            path = root / path
        opts = (
            dataclasses.replace(options, **option_fields)
            if options is not None
            else RunOptions(**option_fields)
        )
        return run(
            path,
            event,
            inputs=inputs,
            object_id=object_id,
            secrets=secrets,
            options=opts,
            portal=link[0],
        )

    with stack:
        yield runner
