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

import json
import math
import re
import sqlite3
from collections.abc import Callable, Iterator
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from runtime.fake_hubspot.core.object_types import ObjectType
from runtime.fake_hubspot.crm_objects.record import Record, calculated_names
from runtime.fake_hubspot.crm_objects.tokens import tokens
from runtime.fake_hubspot.crm_objects.values import sort_key

if TYPE_CHECKING:
    from runtime.fake_hubspot.crm_objects.models import ObjectsBackend
    from runtime.fake_hubspot.properties.models import PropertiesBackend

# ``rev`` is never NULL, but declared NOT NULL it makes SQLite 3.40's integrity_check report
# "NULL value in search_tokens.rev" for every row of the WITHOUT ROWID table (a false alarm).
SCHEMA = """
CREATE TABLE IF NOT EXISTS search_fields (
    id INTEGER PRIMARY KEY, type TEXT NOT NULL, prop TEXT NOT NULL, kind TEXT NOT NULL,
    UNIQUE (type, prop));
CREATE TABLE IF NOT EXISTS search_sort (
    field INTEGER NOT NULL, key NOT NULL, rec INTEGER NOT NULL,
    PRIMARY KEY (field, key, rec)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS search_tokens (
    field INTEGER NOT NULL, token TEXT NOT NULL, rev TEXT, rec INTEGER NOT NULL,
    PRIMARY KEY (field, token, rec)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS search_tokens_rev ON search_tokens (field, rev);
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
TokenRow = tuple[int, str, int]


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
        self._props: PropertiesBackend | None = None

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
        if self._props is None:
            self._props = self.objects.portal.properties
        prop = self._props.find(object_type, name)
        return prop.type if prop is not None else "string"

    def _field(self, object_type: ObjectType, name: str, prop_type: str) -> int:
        """The field id of (type, property), made or re-keyed to the property's kind now."""
        kind = kind_of(prop_type)
        found = self.fields.get((object_type.name, name))
        if found is not None and found[1] == kind:
            return found[0]
        self._load_fields()  # another process may have made it, or re-keyed it
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

    def _values(self, record: Record) -> dict[str, str]:
        """What the index holds of a record: its stored values (not those of calculated
        names) and its created and modified timestamps."""
        object_type = record.object_type
        calculated = calculated_names(object_type.name)
        values = {n: v for n, v in record.properties.items() if n not in calculated and v}
        for name in (object_type.created_property, object_type.modified_property):
            value = record.value(name)
            if value:
                values[name] = value
        return values

    def _rows(
        self,
        record: Record,
        values: dict[str, str],
        sort: list[SortRow],
        toks: list[TokenRow],
        memo: dict[tuple[str, str], tuple[int, str]],
    ) -> None:
        """Append the rows of ``values`` (of ``record``); ``memo`` keeps (field, property
        type) for one call."""
        object_type = record.object_type
        stamps = (object_type.created_property, object_type.modified_property)
        for name, value in values.items():
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
                toks.extend((field, t, record.id) for t in map(_text, tokens(value)))

    def write(self, before: dict[str, str | None]) -> None:
        """Bring the rows of the changed entities in step (inside the caller's write
        transaction). ``before`` maps each changed key (``contacts/12``) to the record as
        last written (its ``entities`` text, ``None`` if it was not there): its rows are the
        ones in the index now, so only the values that changed have their rows deleted and
        inserted (a PATCH of one property changes its rows and the modified date's, not every
        row of the record), and no index by record is needed.
        """
        stores = self.objects.stores
        memo: dict[tuple[str, str], tuple[int, str]] = {}
        old_sort: list[SortRow] = []
        old_toks: list[TokenRow] = []
        new_sort: list[SortRow] = []
        new_toks: list[TokenRow] = []
        for key, text in before.items():
            type_name, _, rest = key.partition("/")
            store = stores.get(type_name)
            if not rest.isdigit() or store is None:
                continue  # merged-id pointers and the GDPR blocklist hold no values
            old = None if text is None else Record.from_state(store.object_type, json.loads(text))
            was = {} if old is None or old.archived else self._values(old)
            record = store.records.get(int(rest))
            now = {} if record is None or record.archived else self._values(record)
            if was and now:
                changed = {n for n in was.keys() | now.keys() if was.get(n) != now.get(n)}
                was = {n: v for n, v in was.items() if n in changed}
                now = {n: v for n, v in now.items() if n in changed}
            if was:
                assert old is not None
                self._rows(old, was, old_sort, old_toks, memo)
            if now:
                assert record is not None
                self._rows(record, now, new_sort, new_toks, memo)
        sort_now, sort_was = set(new_sort), set(old_sort)
        toks_now, toks_was = set(new_toks), set(old_toks)
        conn = self.conn
        conn.executemany(
            "DELETE FROM search_sort WHERE field = ? AND key = ? AND rec = ?", sort_was - sort_now
        )
        conn.executemany(
            "INSERT OR IGNORE INTO search_sort (field, key, rec) VALUES (?,?,?)",
            sort_now - sort_was,
        )
        conn.executemany(
            "DELETE FROM search_tokens WHERE field = ? AND token = ? AND rec = ?",
            toks_was - toks_now,
        )
        conn.executemany(
            "INSERT OR IGNORE INTO search_tokens (field, token, rev, rec) VALUES (?,?,?,?)",
            [(f, t, t[::-1], r) for f, t, r in toks_now - toks_was],
        )

    def rebuild(self) -> None:
        """Every row again from the portal in memory (inside the caller's transaction).

        The secondary indexes are dropped while the rows go in and made after: building a
        b-tree from sorted rows is several times faster than inserting into three.
        """
        conn = self.conn
        conn.execute("DROP INDEX IF EXISTS search_tokens_rev")
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
                    self._rows(record, self._values(record), sort, toks, memo)
        sort.sort()
        toks.sort()
        conn.executemany("INSERT OR IGNORE INTO search_sort (field, key, rec) VALUES (?,?,?)", sort)
        conn.executemany(
            "INSERT OR IGNORE INTO search_tokens (field, token, rev, rec) VALUES (?,?,?,?)",
            ((f, t, t[::-1], r) for f, t, r in toks),
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
        if not descending:
            rows = self.conn.execute(
                "SELECT rec FROM search_sort WHERE field = ? ORDER BY key, rec LIMIT ? OFFSET ?",
                (field, limit, offset),
            )
            return [rec for (rec,) in rows]
        return self._descending(field, offset, limit)

    def _descending(self, field: int, offset: int, limit: int) -> list[int]:
        """A descending page, ties in id order: the primary key read backwards gives the
        keys of the page (ties in reverse id order); each run of equal keys is then put in id
        order, and a run cut by the page's start or end is read again for the right ids (one
        more b-tree per row would cost every write more than this costs a read)."""
        conn = self.conn
        rows = conn.execute(
            "SELECT key, rec FROM search_sort WHERE field = ? "
            "ORDER BY key DESC, rec DESC LIMIT ? OFFSET ?",
            (field, limit, offset),
        ).fetchall()
        runs: list[tuple[Any, list[int]]] = []
        for key, rec in rows:
            if runs and runs[-1][0] == key:
                runs[-1][1].append(rec)
            else:
                runs.append((key, [rec]))
        out: list[int] = []
        for i, (key, recs) in enumerate(runs):
            if i == 0 or i == len(runs) - 1:
                skip = 0
                if i == 0:
                    ahead = conn.execute(
                        "SELECT count(*) FROM search_sort WHERE field = ? AND key > ?",
                        (field, key),
                    ).fetchone()[0]
                    skip = offset - int(ahead)
                recs = [
                    rec
                    for (rec,) in conn.execute(
                        "SELECT rec FROM search_sort WHERE field = ? AND key = ? "
                        "ORDER BY rec LIMIT ? OFFSET ?",
                        (field, key, len(recs), skip),
                    )
                ]
            else:
                recs.sort()
            out.extend(recs)
        return out

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
