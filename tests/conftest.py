"""Shared test setup: every test gets its own hsrun state folder and config folder.

The repository's folders and the in-process ``hsrun()`` helper are in ``helpers.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

#: Node.js sets (``hsrun libs install --runtime NODE24X``) live in the project's own state
#: folder, installed once (by ``.ci/run`` or the ``node_runtimes`` fixture) and shared by
#: every test's isolated state folder.
NODE_LIBS = Path(__file__).resolve().parent.parent / ".hsrun" / "libs"


@pytest.fixture(autouse=True)
def _isolated_state(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Never touch the developer's .hsrun/ or key file from a test.
    base = tmp_path_factory.mktemp("hsrun-state")
    monkeypatch.setenv("HSRUN_HOME", str(base / "home"))
    monkeypatch.setenv("HSRUN_CONFIG_DIR", str(base / "config"))
    monkeypatch.delenv("HSRUN_SECRETS_KEY", raising=False)
    monkeypatch.delenv("HSRUN_SECRETS_PASSPHRASE", raising=False)
    monkeypatch.delenv("HSRUN_SECRETS_BACKEND", raising=False)
    monkeypatch.setenv("HSRUN_NODE_LIBS", str(NODE_LIBS))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Tests on Node.js install it from the npm registry when the project has none yet.
    for item in items:
        if "node_runtimes" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.network)


@pytest.fixture(scope="session")
def node_runtimes() -> dict[str, Any]:
    """Node.js 24 and 20 with HubSpot's Node libraries, installed from the npm registry into
    the project's state folder unless already there (fails, never skips, without the
    registry: CI can reach it)."""
    from dataclasses import replace

    from runtime.config import get_settings
    from runtime.errors import HsrunError
    from runtime.invoke.node_libs import current, install

    settings = replace(get_settings(), node_libs_setting=str(NODE_LIBS))
    found: dict[str, Any] = {}
    for runtime in ("NODE24X", "NODE20X"):
        have = current(settings, runtime)
        if have is None:
            try:
                have = install(settings, runtime=runtime)
            except HsrunError as exc:
                pytest.fail(f"installing Node.js for {runtime} from the npm registry failed: {exc}")
        found[runtime] = have
    return found
