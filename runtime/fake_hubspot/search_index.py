"""The durable portal's search index: sorted pages and ``CONTAINS_TOKEN`` without a scan.

Search answers from memory (:mod:`.crm_objects.search`); two questions would otherwise cost
a pass over every record of a type: a page of records *sorted* by a property (sorting 100,000
contacts again after every change), and ``CONTAINS_TOKEN`` (splitting every value into
tokens). ``portal.db`` keeps an index for both, written in the same transaction as the records
it describes (:meth:`SearchIndex.write`, called by the store's write-through), so it is never
behind the records another process reads:

- ``search_fields``: one row per (object type, property) that a live record has a value for,
  with the *kind* its sort keys were made with (``n`` number, ``d`` date/datetime, ``s`` any
  other) and its number;
- ``search_sort (field, key, rec)``: one row per live record and property value, the key
  typed as HubSpot sorts the property (:func:`~.crm_objects.values.sort_key`: numbers
  numerically as ``REAL``, dates as their instant, anything else its lower-cased text, which
  SQLite's binary collation orders as Python orders strings). The primary key answers
  ascending pages, ``search_sort_desc`` descending ones; ties go by id ascending both ways,
  as the in-memory sort does (a stable sort of records in id order);
- ``search_tokens (field, token, rev, rec)``: the tokens ``CONTAINS_TOKEN`` matches
  (:func:`~.crm_objects.tokens.tokens`), and each reversed, so a pattern with a literal
  start (``ada*``) or a literal end (``*@hubspot.com``) reads a range of the index, not
  every token.

Indexed: each record's stored values, and its created and modified timestamps (sortable,
calculated on read). Other calculated properties (``hs_object_id``, ``hs_email_domain``...)
are answered from memory as before. The index answers only when it describes exactly what
the portal holds in memory (nothing unwritten in this process, no other process's write not
yet taken in); otherwise search falls back to the in-memory path, with the same results.
A property whose type changed since its keys were made is re-keyed on the type's next write
and answered from memory until then.

A database written before the index existed gets it (built from the loaded portal) the
first time it is opened: a one-off cost of seconds at 100,000 records.
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from runtime.fake_hubspot.core.object_types import ObjectType
from runtime.fake_hubspot.crm_objects.record import Record, calculated_names
from runtime.fake_hubspot.crm_objects.tokens import tokens
from runtime.fake_hubspot.crm_objects.values import sort_key

if TYPE_CHECKING:
    from runtime.fake_hubspot.crm_objects.models import ObjectsBackend

# ``rev`` is never NULL, but declared NOT NULL it makes SQLite 3.40's integrity_check report
# "NULL value in search_tokens.rev" for every row of the WITHOUT ROWID table (a false alarm).
SCHEMA = """
CREATE TABLE IF NOT EXISTS search_fields (
    id INTEGER PRIMARY KEY, type TEXT NOT NULL, prop TEXT NOT NULL, kind TEXT NOT NULL,
    UNIQUE (type, prop));
CREATE TABLE IF NOT EXISTS search_sort (
    field INTEGER NOT NULL, key NOT NULL, rec INTEGER NOT NULL,
    PRIMARY KEY (field, key, rec)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS search_sort_desc ON search_sort (field, key DESC, rec);
CREATE INDEX IF NOT EXISTS search_sort_rec ON search_sort (rec);
CREATE TABLE IF NOT EXISTS search_tokens (
    field INTEGER NOT NULL, token TEXT NOT NULL, rev TEXT, rec INTEGER NOT NULL,
    PRIMARY KEY (field, token, rec)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS search_tokens_rev ON search_tokens (field, rev);
CREATE INDEX IF NOT EXISTS search_tokens_rec ON search_tokens (rec);
"""
#: ``meta`` keys: the index's format (absent: not built yet) and a counter bumped whenever
#: ``search_fields`` changes (other processes reload their copy of it).
VERSION_KEY = "search_index"
FIELDS_KEY = "search_fields"
VERSION = "1"
#: The last code point: ``prefix <= token < prefix + _TOP`` is every token with the prefix.
_TOP = "\U0010ffff"
_WILD = frozenset("*?[")

SortRow = tuple[int, Any, int]
TokenRow = tuple[int, str, str, int]


def kind_of(prop_type: str) -> str:
    """The sort-key kind of a property type (``n``, ``d`` or ``s``)."""
    if prop_type == "number":
        return "n"
    if prop_type in ("datetime", "date"):
        return "d"
    return "s"


def _key(prop_type: str, value: str) -> Any:
    key = sort_key(prop_type, value)[1]
    if isinstance(key, float) and math.isnan(key):
        return math.inf  # a legacy "NaN" (now refused on input): SQLite would store NULL
    if isinstance(key, str) and not key.isascii():
        # A legacy lone surrogate (now refused on input) cannot be encoded for SQLite.
        return key.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return key


def _text(value: str) -> str:
    if value.isascii():
        return value
    return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def sortable(object_type: ObjectType, name: str) -> bool:
    """Whether the index holds sort keys for ``name`` (stored values and the timestamps)."""
    return name in (object_type.created_property, object_type.modified_property) or (
        name not in calculated_names(object_type.name)
    )


def tokenised(object_type: ObjectType, name: str) -> bool:
    """Whether the index holds ``CONTAINS_TOKEN`` tokens for ``name`` (stored values)."""
    return name not in calculated_names(object_type.name)


class SearchIndex:
    """The index tables of one connection, kept in step with ``objects``."""

    def __init__(
        self, conn: sqlite3.Connection, objects: ObjectsBackend, seq: Callable[[], int]
    ) -> None:
        self.conn = conn
        self.objects = objects
        #: The database ``seq`` the portal in memory reflects (the store link's).
        self.seq = seq
        #: (type, property) → (field id, kind), as of ``fields_version``.
        self.fields: dict[tuple[str, str], tuple[int, str]] = {}
        self.fields_version: str | None = None

    def is_current(self) -> bool:
        """Whether the tables describe exactly the records in memory: nothing changed here
        and not yet written, nothing written by another process and not yet taken in."""
        if self.objects.dirty:
            return False
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'seq'").fetchone()
        if (int(row[0]) if row else 0) != self.seq():
            return False
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (VERSION_KEY,)).fetchone()
        return row is not None and row[0] == VERSION

    # -- fields ----------------------------------------------------------------------------

    def _load_fields(self) -> None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (FIELDS_KEY,)).fetchone()
        version = row[0] if row else "0"
        if version == self.fields_version:
            return
        self.fields = {
            (t, p): (i, k)
            for i, t, p, k in self.conn.execute("SELECT id, type, prop, kind FROM search_fields")
        }
        self.fields_version = version

    def _bump_fields(self) -> None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (FIELDS_KEY,)).fetchone()
        version = str(int(row[0]) + 1 if row else 1)
        self.conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (FIELDS_KEY, version)
        )
        self.fields_version = version

    def _prop_type(self, object_type: ObjectType, name: str) -> str:
        prop = self.objects.portal.properties.find(object_type, name)
        return prop.type if prop is not None else "string"

    def _field(self, object_type: ObjectType, name: str, prop_type: str) -> int:
        """The field id of (type, property), made or re-keyed to the property's kind now."""
        kind = kind_of(prop_type)
        found = self.fields.get((object_type.name, name))
        if found is not None and found[1] == kind:
            return found[0]
        if found is None:
            cursor = self.conn.execute(
                "INSERT INTO search_fields (type, prop, kind) VALUES (?, ?, ?)",
                (object_type.name, name, kind),
            )
            field = cursor.lastrowid
            assert field is not None
        else:
            # The property's type changed: every key of the field is made again.
            field = found[0]
            self.conn.execute("UPDATE search_fields SET kind = ? WHERE id = ?", (kind, field))
            self.conn.execute("DELETE FROM search_sort WHERE field = ?", (field,))
            self.conn.executemany(
                "INSERT OR IGNORE INTO search_sort (field, key, rec) VALUES (?, ?, ?)",
                [
                    (field, _key(prop_type, value), r.id)
                    for r in self._live(object_type)
                    if (value := r.value(name))
                ],
            )
        self.fields[(object_type.name, name)] = (field, kind)
        self._bump_fields()
        return field

    def _live(self, object_type: ObjectType) -> Iterator[Record]:
        store = self.objects.stores.get(object_type.name)
        if store is None:
            return
        for record in store.records.values():
            if not record.archived:
                yield record

    # -- writing ---------------------------------------------------------------------------

    def _rows(
        self,
        record: Record,
        sort: list[SortRow],
        toks: list[TokenRow],
        memo: dict[tuple[str, str], tuple[int, str]],
    ) -> None:
        """Append a record's rows; ``memo`` keeps (field, property type) for one call."""
        object_type = record.object_type
        calculated = calculated_names(object_type.name)
        stamps = (object_type.created_property, object_type.modified_property)
        values = {n: v for n, v in record.properties.items() if n not in calculated}
        for name in stamps:
            values[name] = record.value(name) or ""
        for name, value in values.items():
            if not value:
                continue
            found = memo.get((object_type.name, name))
            if found is None:
                prop_type = self._prop_type(object_type, name)
                found = memo[(object_type.name, name)] = (
                    self._field(object_type, name, prop_type),
                    prop_type,
                )
            field, prop_type = found
            sort.append((field, _key(prop_type, value), record.id))
            if name not in stamps:
                toks.extend((field, t, t[::-1], record.id) for t in map(_text, tokens(value)))

    def write(self, keys: Iterable[str]) -> None:
        """Bring the rows of the changed entities (``contacts/12``...) in step (inside the
        caller's write transaction)."""
        recs: list[tuple[int]] = []
        sort: list[SortRow] = []
        toks: list[TokenRow] = []
        stores = self.objects.stores
        memo: dict[tuple[str, str], tuple[int, str]] = {}
        loaded = False
        for key in keys:
            type_name, _, rest = key.partition("/")
            if not rest.isdigit():
                continue  # merged-id pointers and the GDPR blocklist hold no values
            if not loaded:
                self._load_fields()
                loaded = True
            rec = int(rest)
            recs.append((rec,))
            store = stores.get(type_name)
            record = store.records.get(rec) if store is not None else None
            if record is not None and not record.archived:
                self._rows(record, sort, toks, memo)
        if not recs:
            return
        conn = self.conn
        conn.executemany("DELETE FROM search_sort WHERE rec = ?", recs)
        conn.executemany("DELETE FROM search_tokens WHERE rec = ?", recs)
        conn.executemany("INSERT OR IGNORE INTO search_sort (field, key, rec) VALUES (?,?,?)", sort)
        conn.executemany(
            "INSERT OR IGNORE INTO search_tokens (field, token, rev, rec) VALUES (?,?,?,?)", toks
        )

    def rebuild(self) -> None:
        """Every row again from the portal in memory (inside the caller's transaction).

        The secondary indexes are dropped while the rows go in and made after: building a
        b-tree from sorted rows is several times faster than inserting into three.
        """
        conn = self.conn
        conn.execute("DROP INDEX IF EXISTS search_sort_desc")
        conn.execute("DROP INDEX IF EXISTS search_sort_rec")
        conn.execute("DROP INDEX IF EXISTS search_tokens_rev")
        conn.execute("DROP INDEX IF EXISTS search_tokens_rec")
        conn.execute("DELETE FROM search_sort")
        conn.execute("DELETE FROM search_tokens")
        conn.execute("DELETE FROM search_fields")
        self.fields = {}
        sort: list[SortRow] = []
        toks: list[TokenRow] = []
        memo: dict[tuple[str, str], tuple[int, str]] = {}
        for store in self.objects.stores.values():
            for record in store.records.values():
                if not record.archived:
                    self._rows(record, sort, toks, memo)
        sort.sort()
        toks.sort()
        conn.executemany("INSERT OR IGNORE INTO search_sort (field, key, rec) VALUES (?,?,?)", sort)
        conn.executemany(
            "INSERT OR IGNORE INTO search_tokens (field, token, rev, rec) VALUES (?,?,?,?)", toks
        )
        self._make_indexes()
        conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (VERSION_KEY, VERSION)
        )
        self._bump_fields()

    def _make_indexes(self) -> None:
        # executescript would COMMIT the caller's transaction: one statement at a time.
        for statement in SCHEMA.split(";"):
            if "CREATE INDEX" in statement:
                self.conn.execute(statement)

    def forget(self) -> None:
        """Drop the cached field table (after a rolled-back transaction)."""
        self.fields = {}
        self.fields_version = None

    # -- reading ---------------------------------------------------------------------------

    def _field_for_read(self, object_type: ObjectType, name: str, kind: str) -> int | None:
        """The field id, ``0`` when no live record has a value, ``None`` when its keys are
        of another kind than the property's type now (search answers from memory)."""
        self._load_fields()
        found = self.fields.get((object_type.name, name))
        if found is None:
            return 0
        return found[0] if found[1] == kind else None

    def sorted_ids(
        self,
        object_type: ObjectType,
        name: str,
        prop_type: str,
        *,
        descending: bool,
        offset: int,
        limit: int,
    ) -> list[int] | None:
        """Ids of live records with a value for ``name``, in sort order, ``offset`` on
        (``None``: not in the index)."""
        if not sortable(object_type, name):
            return None
        field = self._field_for_read(object_type, name, kind_of(prop_type))
        if not field:
            return None if field is None else []
        order = "key DESC, rec" if descending else "key, rec"
        rows = self.conn.execute(
            f"SELECT rec FROM search_sort WHERE field = ? ORDER BY {order} LIMIT ? OFFSET ?",
            (field, limit, offset),
        )
        return [rec for (rec,) in rows]

    def count(self, object_type: ObjectType, name: str, prop_type: str) -> int | None:
        """How many live records have a value for ``name`` (``None``: not in the index)."""
        if not sortable(object_type, name):
            return None
        field = self._field_for_read(object_type, name, kind_of(prop_type))
        if not field:
            return None if field is None else 0
        row = self.conn.execute(
            "SELECT count(*) FROM search_sort WHERE field = ?", (field,)
        ).fetchone()
        return int(row[0])

    def token_ids(self, object_type: ObjectType, name: str, token: str) -> set[int] | None:
        """Ids of live records whose ``name`` holds ``token`` (``*`` wildcards as
        :func:`fnmatch.fnmatchcase` reads them, the in-memory filter's rule; ``None``: not
        in the index)."""
        if not tokenised(object_type, name):
            return None
        self._load_fields()
        found = self.fields.get((object_type.name, name))
        if found is None:
            return set()
        field = found[0]
        wanted = token.lower()
        if "*" not in wanted:
            rows = self.conn.execute(
                "SELECT rec FROM search_tokens WHERE field = ? AND token = ?", (field, wanted)
            )
            return {rec for (rec,) in rows}
        cut = min(i for i, c in enumerate(wanted) if c in _WILD)
        prefix = wanted[:cut]
        suffix = wanted[max(i for i, c in enumerate(wanted) if c in _WILD) + 1 :]
        if prefix:
            query = (
                "SELECT token, rec FROM search_tokens WHERE field = ? AND token >= ? AND token < ?"
            )
            args: tuple[Any, ...] = (field, prefix, prefix + _TOP)
        elif suffix:
            rev = suffix[::-1]
            query = "SELECT token, rec FROM search_tokens WHERE field = ? AND rev >= ? AND rev < ?"
            args = (field, rev, rev + _TOP)
        else:
            # Wildcards at both ends: SQLite scans the field's tokens for the longest literal
            # part (in C), the pattern is then checked on those.
            part = max(re.split(r"[*?\[\]]", wanted), key=len)
            query = "SELECT token, rec FROM search_tokens WHERE field = ? AND instr(token, ?)"
            args = (field, part)
        return {rec for t, rec in self.conn.execute(query, args) if fnmatchcase(t, wanted)}
