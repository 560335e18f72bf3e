"""docs/fake-portal.md lists exactly the routes the fake answers."""

from __future__ import annotations

from pathlib import Path

from runtime.fake_hubspot.route_docs import block_of, routes_markdown

DOC = Path(__file__).resolve().parents[3] / "docs" / "fake-portal.md"


def test_the_route_list_in_the_docs_is_the_route_table() -> None:
    assert block_of(DOC) == routes_markdown(), (
        "run: python -m runtime.fake_hubspot.route_docs docs/fake-portal.md"
    )
