"""The store's wording for a stored secret the manifest does not select (check finds it)."""

from __future__ import annotations

import pytest

from runtime.secrets import unselected_secret_hint


def test_python_reads_would_be_none_in_hubspot() -> None:
    hint = unselected_secret_hint("API_KEY")
    assert "reads API_KEY, a stored secret that the manifest does not select" in hint
    assert "would be None" in hint
    assert 'add "API_KEY" to secrets = [...]' in hint
    assert not hint.startswith("line")  # the finding carries the location


def test_node_reads_would_be_undefined() -> None:
    assert "would be undefined" in unselected_secret_hint("API_KEY", language="node")


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="'python' or 'node'"):
        unselected_secret_hint("API_KEY", language="ruby")  # type: ignore[arg-type]
