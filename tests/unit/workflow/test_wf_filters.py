"""Filter trees of if/then branches and enrollment, on records of an in-memory portal."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.fake_hubspot import FakePortal
from runtime.workflow.filters import evaluate


def _prop(name: str, operator: str, no_value: bool = False, **operation: Any) -> dict[str, Any]:
    return {"filterType": "PROPERTY", "property": name,
            "operation": {"operator": operator, "includeObjectsWithNoValueSet": no_value,
                          **operation}}  # fmt: skip


def _node(kind: str, *filters: dict[str, Any], branches: tuple[Any, ...] = ()) -> dict[str, Any]:
    return {"filterBranchType": kind, "filters": list(filters), "filterBranches": list(branches)}


@pytest.fixture
def ada() -> tuple[FakePortal, Any]:
    portal = FakePortal()
    view = portal.create(
        "contacts",
        {"email": "Ada@Example.com", "hs_analytics_num_visits": "12", "jobtitle": "VP Sales",
         "hs_lead_status": "OPEN", "createdate": "2026-01-05T00:00:00Z"},
    )  # fmt: skip
    record = portal.objects.find(portal._type("contacts"), view.id)
    return portal, record


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        (_prop("email", "IS_KNOWN"), True),
        (_prop("firstname", "IS_UNKNOWN"), True),
        (_prop("email", "IS_EQUAL_TO", value="ada@example.com"), True),  # case-insensitive
        (_prop("email", "IS_NOT_EQUAL_TO", value="ada@example.com"), False),
        (_prop("hs_analytics_num_visits", "IS_GREATER_THAN", value=9), True),  # numerically
        (_prop("hs_analytics_num_visits", "IS_LESS_THAN_OR_EQUAL_TO", value=11), False),
        (_prop("hs_analytics_num_visits", "IS_BETWEEN", lowerBound=10, upperBound=20), True),
        (_prop("hs_lead_status", "IS_ANY_OF", values=["NEW", "OPEN"]), True),
        (_prop("hs_lead_status", "IS_NONE_OF", values=["OPEN"]), False),
        (_prop("jobtitle", "CONTAINS", value="vp"), True),
        (_prop("jobtitle", "DOES_NOT_CONTAIN", value="ceo"), True),
        (_prop("jobtitle", "STARTS_WITH", value="vp "), True),
        (_prop("email", "ENDS_WITH", value="@gmail.com"), False),
        (_prop("createdate", "IS_BEFORE", timestamp=1767225600000 + 10 * 86400000), True),
        (_prop("createdate", "IS_AFTER", value="2026-02-01"), False),
        (_prop("firstname", "IS_EQUAL_TO", value="x"), False),  # no value
        (_prop("firstname", "IS_EQUAL_TO", True, value="x"), True),  # ...unless included
        (_prop("email", "SOUNDS_LIKE", value="x"), False),  # unknown operator
        ({"filterType": "CONSTANT", "shouldAccept": True}, True),
        ({"filterType": "IN_LIST", "listId": "4"}, False),
    ],
)
def test_property_operators(
    ada: tuple[FakePortal, Any], item: dict[str, Any], expected: bool
) -> None:
    portal, record = ada
    assert evaluate(portal, record, _node("AND", item)).matched is expected


def test_tree_types(ada: tuple[FakePortal, Any]) -> None:
    portal, record = ada
    yes, no = _prop("email", "IS_KNOWN"), _prop("firstname", "IS_KNOWN")
    assert evaluate(portal, record, _node("OR", no, branches=(_node("AND", yes),))).matched
    assert not evaluate(portal, record, _node("AND", yes, no)).matched
    assert evaluate(portal, record, _node("NOT_ALL", yes, no)).matched
    assert not evaluate(portal, record, _node("NOT_ANY", yes, no)).matched
    verdict = evaluate(portal, record, _node("ASSOCIATION", yes))
    assert not verdict.matched and "not emulated" in verdict.notes[0]
