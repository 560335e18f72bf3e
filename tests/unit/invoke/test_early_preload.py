"""A one-shot run's process imports, before its job, only the HubSpot libraries its action
names: Lambda's init imports what the handler's module imports, and a library the action does
not use only delays its answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime.invoke._early import PRELOAD, preload_for


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def main(event):\n    return {}\n", ()),
        ("import requests\n", ("urllib3", "requests")),
        ("from hubspot import HubSpot\n", ("urllib3", "hubspot")),
        ("import requests\nimport hubspot\n", ("urllib3", "requests", "hubspot")),
        ("import urllib3\n", ("urllib3",)),
    ],
)
def test_the_libraries_the_action_names(
    tmp_path: Path, source: str, expected: tuple[str, ...]
) -> None:
    action = tmp_path / "act.py"
    action.write_text(source)
    assert preload_for(str(action)) == expected


def test_an_action_that_cannot_be_read_gets_every_library(tmp_path: Path) -> None:
    assert preload_for(str(tmp_path / "missing.py")) == PRELOAD
    assert preload_for(None) == PRELOAD
