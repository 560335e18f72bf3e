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

- ``run_workflow``: runs a whole workflow (a flow JSON file, or a flow of the portal by id) for
  one record on a virtual clock against the portal, and returns its
  :class:`~runtime.workflow.Enrollment` (``.path``, ``.outputs``, ``.steps``, ``.alerts``).

Marker ``@pytest.mark.hubspot(tier="enterprise", rate_limits=False, portal_id=...,
search_lag_s=2)`` configures the portal of one test (``search_lag_s``: fresh writes stay out
of search results that long, as HubSpot's index lags). Rate limits are on by default, as on
HubSpot. Marker
``@pytest.mark.hubspot_faults("429@2")`` makes the portal answer chosen API calls (the 2nd
here) with a 429 or 5xx, to test retries on purpose.

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
    from runtime.invoke import Runner, RunResult
    from runtime.workflow import Enrollment


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "hubspot(tier=..., rate_limits=True, portal_id=..., packs=0, search_lag_s=0): configure "
        "the fake HubSpot portal of the `hubspot_portal` fixture",
    )
    config.addinivalue_line(
        "markers",
        "hubspot_faults(*specs): answer chosen API calls of the `hubspot` portal with an "
        "injected 429/5xx, e.g. hubspot_faults('429@2')",
    )


@pytest.fixture
def hubspot_portal(request: pytest.FixtureRequest) -> Iterator[FakePortal]:
    """A fresh fake portal; HubSpot traffic from urllib3 goes to it while the test runs."""
    from runtime.fake_hubspot import mock_hubspot

    marker = request.node.get_closest_marker("hubspot")
    options: dict[str, Any] = dict(marker.kwargs) if marker else {}
    rate_limits = bool(options.pop("rate_limits", True))
    search_lag_s = float(options.pop("search_lag_s", 0.0))
    faults = request.node.get_closest_marker("hubspot_faults")
    with mock_hubspot(**options) as portal:
        portal.rate_limits.enabled = rate_limits
        portal.search_lag_s = search_lag_s
        if faults is not None:
            from runtime.fake_hubspot.core.faults import parse_faults

            portal.faults.set(parse_faults([str(spec) for spec in faults.args]))
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


@pytest.fixture(scope="session")
def _hsrun_runner() -> Iterator[Runner]:
    """One runner (and zygote) for every workflow run of the session."""
    from runtime.invoke import Runner

    with Runner() as runner:
        yield runner


@pytest.fixture
def run_workflow(
    hubspot_portal: FakePortal,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    _hsrun_runner: Runner,
) -> Iterator[Callable[..., Enrollment]]:
    """``run_workflow(flow, *, object_id, until=None, secrets=None, inject=None, **options)``.

    Runs the flow (a JSON file relative to the project root, a flow id of the portal, or the
    flow document itself as a dict) for one record to the end, or until ``until`` (``"3d"``)
    on the virtual clock. Extra keyword arguments are :class:`runtime.workflow.EngineOptions`
    fields (``on_failure``, ``seed``, ``timezone``...). ``inject="429@2"`` answers the 2nd API
    call with a 429. An enrollment left ``WAITING`` by ``until`` goes on with
    ``e.resume(until=None)`` on the same virtual clock (in place; it returns ``e``).
    """
    from runtime.fake_hubspot import attach_memory
    from runtime.fake_hubspot.core.faults import parse_faults
    from runtime.workflow import EngineOptions, load_flow, open_flow, resume_workflow
    from runtime.workflow import run_workflow as run
    from runtime.workflow.clock import parse_duration

    stack = contextlib.ExitStack()
    link: list[Any] = []
    root = Path(str(request.config.rootpath))
    cache = tmp_path_factory.mktemp("workflow-code")

    def runner(
        flow: str | Path | dict[str, Any],
        *,
        object_id: int | str,
        until: str | None = None,
        secrets: Mapping[str, str] | None = None,
        inject: str | None = None,
        **options: Any,
    ) -> Enrollment:
        if not link:
            link.append(stack.enter_context(attach_memory(hubspot_portal)))
        if isinstance(flow, dict):
            loaded = load_flow(flow, source="the test's flow", base_dir=root)
        else:
            path = Path(flow)
            if not path.is_absolute() and not path.exists() and (root / path).exists():
                path = root / path
            loaded = open_flow(path if path.exists() else flow, portal=hubspot_portal)
        if inject:
            hubspot_portal.faults.set(parse_faults(inject))
        chosen = dict(secrets or {})
        [enrollment] = run(
            loaded,
            portal=hubspot_portal,
            url=link[0].url,
            runner=_hsrun_runner,
            object_ids=[object_id],
            code_cache=cache,
            options=EngineOptions(**options),
            secrets=chosen,
            until_s=parse_duration(until) if until else None,
        )

        def resume(waiting: Enrollment, more: str | None) -> Enrollment:
            resume_workflow(
                loaded,
                [waiting],
                portal=hubspot_portal,
                url=link[0].url,
                runner=_hsrun_runner,
                code_cache=cache,
                secrets=chosen,
                until_s=parse_duration(more) if more else None,
            )
            return waiting

        enrollment.resumer = resume
        return enrollment

    with stack:
        yield runner
