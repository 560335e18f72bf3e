"""CRM search (contract §4.4). No HTTP here.

- ``filterGroups`` are OR'ed, the filters inside a group AND'ed; every operator of the API
  reference: ``EQ, NEQ, LT, LTE, GT, GTE, BETWEEN, IN, NOT_IN, HAS_PROPERTY,
  NOT_HAS_PROPERTY, CONTAINS_TOKEN, NOT_CONTAINS_TOKEN``;
- comparisons follow the property's type: numbers numerically, dates and datetimes as
  instants (epoch-ms or ISO values), strings case-insensitively for ``EQ``/``NEQ``; ``IN`` on
  strings compares the lower-cased stored value with the values as given (the documented
  "values must be lower-case" gotcha, UNCONFIRMED);
- ``CONTAINS_TOKEN`` matches whole tokens, ``*`` is a wildcard (``*@hubspot.com``);
- ``associations.<type>`` filters by associated record id (``associations.contact EQ 12``);
- ``query`` matches word prefixes in the type's default searchable properties;
- ``limit`` ≤ 200, ``after`` is a numeric offset; only the first 10,000 results can be paged
  (``after`` ≥ 10,000 is a 400) while ``total`` counts them all;
- group and filter counts are capped (5 groups, 10 filters per group, 25 in total since
  2024-08-26; UNCONFIRMED which is live, so :class:`SearchLimits` makes them settings);
- archived records are never found; default order is by id (creation order, UNCONFIRMED).

Equality on a unique property (``email``, ``hs_object_id``, custom unique properties) uses
the index, so an email lookup stays fast over 100,000 contacts.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any, Protocol

from runtime.fake_hubspot.core.clock import parse_instant
from runtime.fake_hubspot.core.errors import ValidationError
from runtime.fake_hubspot.core.http import field_int, field_list, field_str, object_items
from runtime.fake_hubspot.core.object_types import ObjectType, find_object_type
from runtime.fake_hubspot.crm_objects.record import Record
from runtime.fake_hubspot.crm_objects.values import sort_key

if TYPE_CHECKING:
    from runtime.fake_hubspot.crm_objects.models import ObjectsBackend

OPERATORS = (
    "EQ",
    "NEQ",
    "LT",
    "LTE",
    "GT",
    "GTE",
    "BETWEEN",
    "IN",
    "NOT_IN",
    "HAS_PROPERTY",
    "NOT_HAS_PROPERTY",
    "CONTAINS_TOKEN",
    "NOT_CONTAINS_TOKEN",
)
MAX_LIMIT = 200
MAX_RESULTS = 10_000
_TOKEN_SPLIT = re.compile(r"[\s,;:@/_\-.]+")


class SearchIndex(Protocol):
    """A durable index of sort keys and tokens (the store's, :mod:`..search_index`).

    ``None`` from a lookup means it cannot answer exactly (search then answers from memory).
    """

    def is_current(self) -> bool: ...

    def sorted_ids(
        self,
        object_type: ObjectType,
        name: str,
        prop_type: str,
        *,
        descending: bool,
        offset: int,
        limit: int,
    ) -> list[int] | None: ...

    def count(self, object_type: ObjectType, name: str, prop_type: str) -> int | None: ...

    def token_ids(self, object_type: ObjectType, name: str, token: str) -> set[int] | None: ...


@dataclass
class SearchLimits:
    """Caps on a search request (contract §4.4)."""

    groups: int = 5
    filters_per_group: int = 10
    filters_total: int = 25
    max_query_length: int = 3000


@dataclass
class Filter:
    """One parsed filter."""

    property_name: str
    operator: str
    value: str | None
    values: list[str]
    high_value: str | None


@dataclass
class SearchPage:
    """A page of search results."""

    total: int
    results: list[Record]
    next_after: str | None
    properties: list[str] | None


def parse_filters(body: dict[str, Any], limits: SearchLimits) -> list[list[Filter]]:
    """``filterGroups`` parsed and checked.

    Raises:
        ValidationError: too many groups or filters, an unknown operator, a missing value.
    """
    groups = object_items(field_list(body, "filterGroups"), "filterGroups")
    if len(groups) > limits.groups:
        raise ValidationError(
            f"Invalid input JSON: too many filterGroups (count: {len(groups)}, max allowed: "
            f"{limits.groups})"
        )
    parsed: list[list[Filter]] = []
    total = 0
    for group in groups:
        filters = object_items(field_list(group, "filters"), "filters")
        if len(filters) > limits.filters_per_group:
            raise ValidationError(
                f"Invalid input JSON: too many filters in a filterGroup (count: {len(filters)}, "
                f"max allowed: {limits.filters_per_group})"
            )
        total += len(filters)
        parsed.append([_parse_filter(f) for f in filters])
    if total > limits.filters_total:
        raise ValidationError(
            f"Invalid input JSON: too many filters (count: {total}, max allowed: "
            f"{limits.filters_total})"
        )
    return parsed


def _parse_filter(raw: dict[str, Any]) -> Filter:
    name = field_str(raw, "propertyName", required=True)
    operator = (field_str(raw, "operator") or "EQ").upper()
    if operator not in OPERATORS:
        raise ValidationError(
            f"Invalid input JSON: operator '{operator}' is not one of {list(OPERATORS)}"
        )
    value = field_str(raw, "value")
    values = [str(v) for v in field_list(raw, "values")]
    high = field_str(raw, "highValue")
    assert name is not None
    if operator in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
        pass
    elif operator in ("IN", "NOT_IN"):
        if not values:
            raise ValidationError(f"Operator {operator} requires 'values' for '{name}'")
    elif operator == "BETWEEN":
        if value is None or high is None:
            raise ValidationError(f"Operator BETWEEN requires 'value' and 'highValue' for '{name}'")
    elif value is None:
        raise ValidationError(f"Operator {operator} requires a 'value' for '{name}'")
    return Filter(name, operator, value, values, high)


#: Sorted orders kept (per type and sort specification).
SORT_CACHE_SIZE = 8


def parse_sorts(body: dict[str, Any]) -> list[tuple[str, bool]]:
    """``sorts`` as ``(property, descending)``: objects, ``"name"`` and ``"-name"`` all work."""
    out: list[tuple[str, bool]] = []
    for raw in field_list(body, "sorts"):
        if isinstance(raw, str):
            out.append((raw.lstrip("-"), raw.startswith("-")))
        elif isinstance(raw, dict) and raw.get("propertyName"):
            direction = str(raw.get("direction", "ASCENDING")).upper()
            out.append((str(raw["propertyName"]), direction.startswith("DESC")))
        else:
            raise ValidationError("Invalid input JSON: each sort needs a 'propertyName'")
    return out


def search(
    backend: ObjectsBackend,
    object_type: ObjectType,
    body: dict[str, Any],
    limits: SearchLimits | None = None,
) -> SearchPage:
    """Run a ``PublicObjectSearchRequest``.

    Raises:
        ValidationError: a malformed request, an unknown property, a limit over 200 or paging
            past 10,000 results (wordings UNCONFIRMED).
    """
    limits = limits or SearchLimits()
    groups = parse_filters(body, limits)
    sorts = parse_sorts(body)
    limit = field_int(body, "limit", 10)
    if limit > MAX_LIMIT or limit < 0:
        raise ValidationError(f"limit must be between 0 and {MAX_LIMIT}, got {limit}")
    after_text = field_str(body, "after") or "0"
    if not after_text.isdigit() or len(after_text) > 19:
        raise ValidationError(
            f"Invalid input JSON: 'after' must be a numeric offset, got {after_text[:40]}"
        )
    after = int(after_text)
    if after >= MAX_RESULTS:
        raise ValidationError(
            f"The search API can only page through the first {MAX_RESULTS} results (after={after})"
        )
    query = field_str(body, "query")
    if query and len(query) > limits.max_query_length:
        raise ValidationError(f"query must be at most {limits.max_query_length} characters")
    properties = [str(p) for p in field_list(body, "properties")] or None
    props = backend.portal.properties
    for group in groups:
        for item in group:
            if (
                not item.property_name.startswith("associations.")
                and props.find(object_type, item.property_name) is None
            ):
                raise ValidationError(f'Property "{item.property_name}" does not exist')
    lag_s = backend.portal.search_lag_s
    if sorts and not groups and not query and lag_s <= 0:
        indexed = _indexed_page(backend, object_type, sorts, after, limit, properties)
        if indexed is not None:
            return indexed
        # Every live record, sorted: the cached order is the answer (no per-page filtering).
        matches = _sorted_order(backend, object_type, sorts)
        return _page(matches, after, limit, properties)
    matches = [r for r in _candidates(backend, object_type, groups) if _matches(backend, r, groups)]
    if lag_s > 0:
        # Not yet indexed: a record created or changed within the lag is not found at all
        # (HubSpot would still find a changed record by its old values: a simplification).
        cutoff = backend.portal.now_ms() - round(lag_s * 1000)
        matches = [r for r in matches if r.updated_at <= cutoff]
    if query:
        terms = [t.lower() for t in query.split() if t]
        matches = [r for r in matches if _query_match(r, object_type.query_properties, terms)]
    if sorts:
        cached = backend.sort_cache.get((object_type.name, tuple(sorts)))
        fresh = cached is not None and cached[0] == backend.versions.get(object_type.name, 0)
        few = len(matches) * 4 < backend.live_count(object_type)
        if len(matches) <= DIRECT_SORT or (few and not fresh):
            # A few matches: sorting them costs less than the type's whole order.
            matches = _order(backend, object_type, matches, sorts)
        else:
            order = _sorted_order(backend, object_type, sorts)
            wanted = {id(r) for r in matches}
            matches = [r for r in order if id(r) in wanted] if len(wanted) < len(order) else order
    return _page(matches, after, limit, properties)


#: Matches sorted on their own rather than picked from the type's cached order.
DIRECT_SORT = 2_000


def _indexed_page(
    backend: ObjectsBackend,
    object_type: ObjectType,
    sorts: list[tuple[str, bool]],
    after: int,
    limit: int,
    properties: list[str] | None,
) -> SearchPage | None:
    """A page of every live record sorted by one property without sorting them all: by id
    from memory, by another property from the store's index; ``None``: it cannot answer."""
    if len(sorts) != 1:
        return None
    name, descending = sorts[0]
    prop = backend.portal.properties.find(object_type, name)
    prop_type = prop.type if prop is not None else "string"
    store = backend.store(object_type)
    total = backend.live_count(object_type)
    following = min(after + limit, MAX_RESULTS)
    wanted = max(0, following - after)
    if name == "hs_object_id" and prop_type == "number":
        # Every live record has an id, the list of ids is in order.
        ordered = reversed(store.ids) if descending else iter(store.ids)
        live = (store.records[i] for i in ordered if not store.records[i].archived)
        page = list(islice(live, after, following))
        next_after = str(following) if following < total and following < MAX_RESULTS else None
        return SearchPage(total, page, next_after, properties)
    index = backend.search_index
    if index is None or not index.is_current():
        return None
    ids = index.sorted_ids(
        object_type, name, prop_type, descending=descending, offset=after, limit=wanted
    )
    if ids is None:
        return None
    records = [store.records.get(i) for i in ids]
    page = [r for r in records if r is not None and not r.archived]
    if len(page) != len(ids):
        return None  # the index and memory disagree: answer from memory
    if len(page) < wanted and after + len(page) < total:
        # Past the records with a value: those without one follow, in id order.
        present = after + len(page) if page else index.count(object_type, name, prop_type)
        if present is None:
            return None
        missing = (r for r in _live(store.records, store.ids) if r.value(name) in (None, ""))
        start = max(0, after - present)
        page.extend(islice(missing, start, start + wanted - len(page)))
    next_after = str(following) if following < total and following < MAX_RESULTS else None
    return SearchPage(total, page, next_after, properties)


def _page(
    matches: list[Record], after: int, limit: int, properties: list[str] | None
) -> SearchPage:
    following = min(after + limit, MAX_RESULTS)
    page = matches[after:following]
    next_after = str(following) if following < len(matches) and following < MAX_RESULTS else None
    return SearchPage(len(matches), page, next_after, properties)


def _sorted_order(
    backend: ObjectsBackend, object_type: ObjectType, sorts: list[tuple[str, bool]]
) -> list[Record]:
    """Every live record of the type in ``sorts`` order, kept until the type's records change.

    Paging through sorted results asks for the same order again and again: sorting 100,000
    records once per type version, not once per page, keeps each page fast.
    """
    key = (object_type.name, tuple(sorts))
    version = backend.versions.get(object_type.name, 0)
    cached = backend.sort_cache.get(key)
    if cached is not None and cached[0] == version:
        return cached[1]
    store = backend.store(object_type)
    order = _order(backend, object_type, list(_live(store.records, store.ids)), sorts)
    if len(backend.sort_cache) >= SORT_CACHE_SIZE:
        backend.sort_cache.pop(next(iter(backend.sort_cache)))
    backend.sort_cache[key] = (version, order)
    return order


def _order(
    backend: ObjectsBackend,
    object_type: ObjectType,
    records: list[Record],
    sorts: list[tuple[str, bool]],
) -> list[Record]:
    """``records`` (in id order) in ``sorts`` order; ties keep id order in both directions."""
    props = backend.portal.properties
    order = records
    for name, descending in reversed(sorts):
        prop = props.find(object_type, name)
        kind = prop.type if prop is not None else "string"
        # Records without a value sort last in both directions (UNCONFIRMED).
        present = [r for r in order if r.value(name) not in (None, "")]
        missing = [r for r in order if r.value(name) in (None, "")]
        present.sort(key=_sorter(name, kind), reverse=descending)
        order = present + missing
    return order


def _sorter(name: str, kind: str) -> Callable[[Record], tuple[int, Any]]:
    def key(record: Record) -> tuple[int, Any]:
        return sort_key(kind, record.value(name))

    return key


def _candidates(
    backend: ObjectsBackend, object_type: ObjectType, groups: list[list[Filter]]
) -> Iterable[Record]:
    store = backend.store(object_type)
    unique = set(backend.unique_names(object_type))
    if not groups:
        return _live(store.records, store.ids)
    found: dict[int, Record] = {}
    for group in groups:
        indexed = next(
            (
                f
                for f in group
                if f.operator == "EQ"
                and (f.property_name in unique or f.property_name == "hs_object_id")
            ),
            None,
        )
        if indexed is None:
            hits = _token_candidates(backend, object_type, group)
            if hits is None:
                return _live(store.records, store.ids)
            for token_hit in hits:
                record = store.records.get(token_hit)
                if record is not None and not record.archived:
                    found[token_hit] = record
            continue
        assert indexed.value is not None
        if indexed.property_name == "hs_object_id":
            record = (
                store.records.get(int(indexed.value))
                if indexed.value.isdigit() and len(indexed.value) <= 19
                else None
            )
        else:
            record_id = store.index_of(indexed.property_name).get(indexed.value.lower())
            record = store.records.get(record_id) if record_id is not None else None
        if record is not None and not record.archived:
            found[record.id] = record
    return [found[k] for k in sorted(found)]


def _token_candidates(
    backend: ObjectsBackend, object_type: ObjectType, group: list[Filter]
) -> set[int] | None:
    """Ids of the records a group's ``CONTAINS_TOKEN`` filter can match (a superset the
    filters then check), from the store's index or the in-memory token index; ``None``: none
    of them can tell, every record is a candidate."""
    tokens = [
        f
        for f in group
        if f.operator == "CONTAINS_TOKEN"
        and f.value
        and not f.property_name.startswith("associations.")
    ]
    index = backend.search_index
    if index is not None and tokens and index.is_current():
        for item in tokens:
            assert item.value is not None
            hits = index.token_ids(object_type, item.property_name, item.value)
            if hits is not None:
                return hits
    for item in tokens:
        if item.value and "*" not in item.value:
            return set(backend.token_index(object_type, item.property_name).lookup(item.value))
    return None


def _live(records: dict[int, Record], ids: list[int]) -> Iterable[Record]:
    for record_id in ids:
        record = records[record_id]
        if not record.archived:
            yield record


def _matches(backend: ObjectsBackend, record: Record, groups: list[list[Filter]]) -> bool:
    if not groups:
        return True
    return any(all(_check(backend, record, f) for f in group) for group in groups)


def filter_matches(backend: ObjectsBackend, record: Record, item: Filter) -> bool:
    """Whether one record passes one filter (the workflow engine's property filters share
    these semantics)."""
    return _check(backend, record, item)


def _check(backend: ObjectsBackend, record: Record, item: Filter) -> bool:
    if item.property_name.startswith("associations."):
        return _association_check(backend, record, item)
    prop = backend.portal.properties.find(record.object_type, item.property_name)
    kind = prop.type if prop is not None else "string"
    actual = record.value(item.property_name)
    op = item.operator
    if op == "HAS_PROPERTY":
        return actual not in (None, "")
    if op == "NOT_HAS_PROPERTY":
        return actual in (None, "")
    if op in ("IN", "NOT_IN"):
        inside = actual is not None and _in(kind, actual, item.values)
        return inside if op == "IN" else not inside
    if op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        found = actual is not None and _contains_token(actual, item.value or "")
        return found if op == "CONTAINS_TOKEN" else not found
    if actual in (None, ""):
        return op == "NEQ"
    assert actual is not None and item.value is not None
    left, right = _comparable(kind, actual), _comparable(kind, item.value)
    if op == "BETWEEN":
        assert item.high_value is not None
        high = _comparable(kind, item.high_value)
        return _safe_cmp(right, left) <= 0 and _safe_cmp(left, high) <= 0
    order = _safe_cmp(left, right)
    return {
        "EQ": order == 0,
        "NEQ": order != 0,
        "LT": order < 0,
        "LTE": order <= 0,
        "GT": order > 0,
        "GTE": order >= 0,
    }[op]


def _comparable(kind: str, value: str) -> Any:
    if kind == "number":
        try:
            return float(value)
        except ValueError:
            return value.lower()
    if kind in ("datetime", "date"):
        instant = parse_instant(value)
        return instant if instant is not None else value.lower()
    return value.lower()


def _safe_cmp(left: Any, right: Any) -> int:
    if type(left) is not type(right) and not (
        isinstance(left, int | float) and isinstance(right, int | float)
    ):
        left, right = str(left), str(right)
    return int(left > right) - int(left < right)


def _in(kind: str, actual: str, values: list[str]) -> bool:
    if kind in ("number", "datetime", "date"):
        mine = _comparable(kind, actual)
        return any(_safe_cmp(mine, _comparable(kind, v)) == 0 for v in values)
    parts = actual.split(";")
    return any(p.lower() in values for p in parts)


def _contains_token(actual: str, token: str) -> bool:
    wanted = token.lower()
    text = actual.lower()
    words = [w for w in _TOKEN_SPLIT.split(text) if w] + text.split() + [text]
    if "*" in wanted:
        return any(fnmatch.fnmatchcase(w, wanted) for w in words)
    return wanted in words


def _association_check(backend: ObjectsBackend, record: Record, item: Filter) -> bool:
    target = find_object_type(item.property_name.partition(".")[2])
    if target is None:
        return False
    linked = {
        str(i)
        for i in backend.portal.associations.linked_ids(record.object_type, record.id, target)
    }
    if item.operator in ("EQ", "IN"):
        wanted = item.values if item.operator == "IN" else [item.value or ""]
        return any(w in linked for w in wanted)
    if item.operator in ("NEQ", "NOT_IN"):
        unwanted = item.values if item.operator == "NOT_IN" else [item.value or ""]
        return not any(w in linked for w in unwanted)
    if item.operator == "HAS_PROPERTY":
        return bool(linked)
    if item.operator == "NOT_HAS_PROPERTY":
        return not linked
    return False


def _query_match(record: Record, names: tuple[str, ...], terms: list[str]) -> bool:
    words: list[str] = []
    for name in names:
        value = record.value(name)
        if value:
            low = value.lower()
            words.extend(w for w in _TOKEN_SPLIT.split(low) if w)
            words.append(low)
    return all(any(w.startswith(term) for w in words) for term in terms)
