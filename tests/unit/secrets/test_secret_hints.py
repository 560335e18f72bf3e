from __future__ import annotations

import pytest

from runtime.secrets import unselected_secret_hints

STORED = {"API_KEY", "TEST_SECRET", "OTHER"}


def names_in(messages: list[str]) -> list[str]:
    return [m.split("reads ", 1)[1].split(",", 1)[0] for m in messages]


def test_python_reads_of_unselected_stored_secrets_are_reported() -> None:
    source = """\
import os

def main(event):
    a = os.getenv("API_KEY")
    b = os.environ["TEST_SECRET"]
    c = os.environ.get('OTHER', 'default')
    return {"outputData": {}}
"""
    hints = unselected_secret_hints(source, selected=[], stored=STORED)
    assert names_in(hints) == ["API_KEY", "TEST_SECRET", "OTHER"]
    assert hints[0].startswith("line 4:")
    assert "would be None" in hints[0]
    assert 'add "API_KEY" to secrets = [...]' in hints[0]


def test_selected_and_unstored_names_are_not_reported() -> None:
    source = 'import os\nos.getenv("API_KEY")\nos.getenv("AWS_REGION")\nos.getenv("OTHER")\n'
    hints = unselected_secret_hints(source, selected=["API_KEY"], stored=STORED)
    assert names_in(hints) == ["OTHER"]


def test_aliases_and_from_imports_are_followed() -> None:
    source = """\
import os as system
from os import environ as env, getenv
system.getenv("API_KEY")
env["TEST_SECRET"]
getenv(key="OTHER")
"""
    hints = unselected_secret_hints(source, selected=[], stored=STORED)
    assert names_in(hints) == ["API_KEY", "TEST_SECRET", "OTHER"]


def test_membership_test_counts_and_each_name_is_reported_once() -> None:
    source = 'import os\nif "API_KEY" in os.environ:\n    os.getenv("API_KEY")\n'
    hints = unselected_secret_hints(source, selected=[], stored=STORED)
    assert len(hints) == 1
    assert hints[0].startswith("line 2:")


def test_unrelated_get_calls_and_dynamic_names_are_ignored() -> None:
    source = 'import os\nd = {}\nd.get("API_KEY")\nname = "OTHER"\nos.getenv(name)\n'
    assert unselected_secret_hints(source, selected=[], stored=STORED) == []


def test_source_that_does_not_parse_falls_back_to_patterns() -> None:
    source = 'import os\ndef main(event)\n    token = os.getenv("API_KEY")\n'
    hints = unselected_secret_hints(source, selected=[], stored=STORED)
    assert names_in(hints) == ["API_KEY"]
    assert hints[0].startswith("line 3:")


def test_node_reads_are_reported_as_undefined() -> None:
    source = """\
exports.main = async (event, callback) => {
  const token = process.env.API_KEY;
  const other = process.env["OTHER"];
  const { TEST_SECRET, UNSTORED: alias } = process.env;
};
"""
    hints = unselected_secret_hints(source, selected=[], stored=STORED, language="node")
    assert names_in(hints) == ["API_KEY", "OTHER", "TEST_SECRET"]
    assert "would be undefined" in hints[0]
    assert hints[2].startswith("line 4:")


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="'python' or 'node'"):
        unselected_secret_hints("", selected=[], stored=STORED, language="ruby")
