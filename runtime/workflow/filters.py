"""Filter trees of ``LIST_BRANCH`` arms and ``LIST_BASED`` enrollment (workflows contract §2.4).

A node ``{filterBranchType, filters[], filterBranches[]}`` combines its filters and child
nodes: ``AND`` all, ``OR`` any, ``NOT_ALL`` not all, ``NOT_ANY`` none. Property filters whose
semantics match CRM search's are evaluated by the search code itself
(:func:`runtime.fake_hubspot.crm_objects.search.filter_matches`: numbers numerically, dates as
instants, strings case-insensitively); the rest (``CONTAINS``, ``STARTS_WITH``,
``IS_EXACTLY``...) are here. ``includeObjectsWithNoValueSet`` decides for a record without a
value. Node types and filter types hsrun cannot evaluate (events, associations, lists, forms)
count as not met and say so in the result's notes.

The complete operator list is UNCONFIRMED (§2.4); the ones production flows use are covered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from runtime.fake_hubspot.crm_objects.search import Filter, filter_matches

if TYPE_CHECKING:
    from runtime.fake_hubspot.crm_objects.record import Record
    from runtime.fake_hubspot.portal import FakePortal

#: v4 operator → CRM search operator, where the two mean the same.
SEARCH_OPERATORS = {
    "IS_EQUAL_TO": "EQ",
    "IS_NOT_EQUAL_TO": "NEQ",
    "IS_KNOWN": "HAS_PROPERTY",
    "IS_UNKNOWN": "NOT_HAS_PROPERTY",
    "IS_ANY_OF": "IN",
    "IS_NONE_OF": "NOT_IN",
    "IS_GREATER_THAN": "GT",
    "IS_GREATER_THAN_OR_EQUAL_TO": "GTE",
    "IS_LESS_THAN": "LT",
    "IS_LESS_THAN_OR_EQUAL_TO": "LTE",
    "IS_BETWEEN": "BETWEEN",
    "IS_BEFORE": "LT",
    "IS_AFTER": "GT",
}
#: Operators with their own semantics (substring, prefix, whole-set matches).
TEXT_OPERATORS = (
    "CONTAINS",
    "CONTAINS_EXACTLY",
    "DOES_NOT_CONTAIN",
    "STARTS_WITH",
    "ENDS_WITH",
    "IS_EXACTLY",
    "IS_NOT_EXACTLY",
    "CONTAINS_ALL",
    "DOES_NOT_CONTAIN_ALL",
)
_PRESENCE = ("IS_KNOWN", "IS_UNKNOWN")


@dataclass
class Evaluation:
    """A tree's verdict and what was checked."""

    matched: bool
    checks: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def property_names(node: Any) -> set[str]:
    """The property names a filter tree reads (what to fetch of a live record)."""
    if not isinstance(node, dict):
        return set()
    names = {
        str(f["property"])
        for f in node.get("filters") or []
        if isinstance(f, dict) and f.get("filterType") == "PROPERTY" and f.get("property")
    }
    for child in node.get("filterBranches") or []:
        names |= property_names(child)
    return names


def evaluate(portal: FakePortal, record: Record, node: Any) -> Evaluation:
    """Whether ``record`` meets the filter tree ``node``."""
    result = Evaluation(False)
    result.matched = _node(portal, record, node, result)
    return result


def _node(portal: FakePortal, record: Record, node: Any, out: Evaluation) -> bool:
    if not isinstance(node, dict):
        return False
    kind = str(node.get("filterBranchType") or node.get("filterBranchOperator") or "AND").upper()
    if kind not in ("AND", "OR", "NOT_ALL", "NOT_ANY"):
        out.notes.append(f"{kind} filter branches are not emulated: counted as not met")
        return False
    verdicts = [_filter(portal, record, f, out) for f in node.get("filters") or []]
    verdicts += [_node(portal, record, b, out) for b in node.get("filterBranches") or []]
    if kind == "AND":
        return all(verdicts)
    if kind == "OR":
        return any(verdicts)
    if kind == "NOT_ALL":
        return not all(verdicts)
    return not any(verdicts)


def _filter(portal: FakePortal, record: Record, item: Any, out: Evaluation) -> bool:
    if not isinstance(item, dict):
        return False
    kind = item.get("filterType")
    if kind == "CONSTANT":
        return bool(item.get("shouldAccept"))
    if kind != "PROPERTY":
        out.notes.append(f"{kind} filters are not emulated: counted as not met")
        return False
    name = str(item.get("property") or "")
    operation = item.get("operation") or {}
    operator = str(operation.get("operator") or "").upper()
    actual = record.value(name)
    verdict = _property(portal, record, name, operator, operation, actual, out)
    shown = "(no value)" if actual in (None, "") else repr(actual)
    out.checks.append(f"{name} {operator} {_wanted(operation)}: {shown} -> {verdict}")
    return verdict


def _property(
    portal: FakePortal,
    record: Record,
    name: str,
    operator: str,
    operation: dict[str, Any],
    actual: str | None,
    out: Evaluation,
) -> bool:
    if actual in (None, "") and operator not in _PRESENCE:
        return bool(operation.get("includeObjectsWithNoValueSet", False))
    values = [t for t in (_text(v) for v in operation.get("values") or []) if t is not None]
    if operator in SEARCH_OPERATORS:
        op = SEARCH_OPERATORS[operator]
        value = _text(_first(operation, "value", "timestamp", "lowerBound"))
        high = _text(_first(operation, "highValue", "upperBound"))
        if op in ("IN", "NOT_IN"):
            # Search compares IN values with the lower-cased stored value (its documented gotcha).
            values = [v.lower() for v in values]
            if not values and value is not None:
                values = [value.lower()]
        missing = value is None and op not in ("IN", "NOT_IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY")
        if missing or (op == "BETWEEN" and high is None):
            out.notes.append(f"filter on {name}: {operator} without a value, counted as not met")
            return False
        item = Filter(name, op, value, values, high)
        return filter_matches(portal.objects, record, item)
    if operator in TEXT_OPERATORS:
        return _text_match(operator, actual or "", values or [_text(operation.get("value")) or ""])
    out.notes.append(f"operator {operator} is not emulated: counted as not met")
    return False


def _text_match(operator: str, actual: str, values: list[str]) -> bool:
    low = actual.lower()
    wanted = [v.lower() for v in values]
    parts = {p.strip().lower() for p in actual.split(";") if p.strip()}
    if operator in ("CONTAINS", "CONTAINS_EXACTLY"):
        return any(w in low for w in wanted)
    if operator == "DOES_NOT_CONTAIN":
        return not any(w in low for w in wanted)
    if operator == "STARTS_WITH":
        return any(low.startswith(w) for w in wanted)
    if operator == "ENDS_WITH":
        return any(low.endswith(w) for w in wanted)
    if operator == "IS_EXACTLY":
        return parts == set(wanted)
    if operator == "IS_NOT_EXACTLY":
        return parts != set(wanted)
    if operator == "CONTAINS_ALL":
        return set(wanted) <= parts
    return not set(wanted) <= parts  # DOES_NOT_CONTAIN_ALL


def _first(operation: dict[str, Any], *keys: str) -> Any:
    return next((operation[k] for k in keys if operation.get(k) is not None), None)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _wanted(operation: dict[str, Any]) -> str:
    if operation.get("values"):
        return repr([_text(v) for v in operation["values"]])
    value = _first(operation, "value", "timestamp", "lowerBound")
    return "" if value is None else repr(_text(value))
