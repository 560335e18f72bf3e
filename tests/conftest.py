"""Shared test setup: every test gets its own hsrun state folder and config folder.

The repository's folders and the in-process ``hsrun()`` helper are in ``helpers.py``.
"""

from __future__ import annotations

import pytest


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
