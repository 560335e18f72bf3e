"""The CLI's portal on disk: ``.hsrun/portal.db``, SQLite in WAL mode, written within each request.

The portal keeps working in memory (its indexes answer reads and searches); the database is
the durable copy and the channel between concurrent hsrun processes:

- **Durable per request.** A portal loaded from the store writes through: the request that
  changes a record commits the change before its answer leaves (:class:`StoreLink`), so a
  ``201`` survives ``kill -9`` of ``hsrun portal serve`` the next instant. The database runs
  with ``synchronous=NORMAL`` in WAL mode: a committed transaction survives the process dying;
  an operating-system crash or power cut may lose the last ones (``HSRUN_PORTAL_FSYNC=1`` is
  not offered yet: a documented limit).
- **No lost updates across processes.** A write request takes SQLite's write lock
  (``BEGIN IMMEDIATE``), first takes in every entity other processes changed since this one
  last looked (a global ``seq`` number on each row), then applies the request and commits. Two
  processes therefore never overwrite each other's newer version of a record. A read request
  takes in others' changes first too, so ``hsrun invoke`` sees what ``hsrun portal serve``
  just created.
- **Entities** are the keys the areas' ``to_state`` produce (``contacts/12``, ``apps/ci``,
  ``labels/…``): one row each. Records are tracked as they change
  (:attr:`ObjectsBackend.dirty`); the small collections (apps, properties, owners, flows,
  association labels) are compared with what was last written.
- ``portal.json`` stays the seed and snapshot format: an existing ``.hsrun/portal.json`` is
  imported into a new database, and ``hsrun portal export`` writes one.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from runtime.config import Settings, ensure_home
from runtime.errors import PortalError
from runtime.fake_hubspot.core.logs import DEFAULT_CALL_LOG_SIZE
from runtime.fake_hubspot.persistence import RESET_HINT, FileIds, load_into, read_json
from runtime.fake_hubspot.portal import STATE_VERSION, FakePortal
from runtime.fake_hubspot.search_index import SCHEMA as INDEX_SCHEMA
from runtime.fake_hubspot.search_index import VERSION as INDEX_VERSION
from runtime.fake_hubspot.search_index import VERSION_KEY as INDEX_VERSION_KEY
from runtime.fake_hubspot.search_index import SearchIndex

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entities (
    collection TEXT NOT NULL, key TEXT NOT NULL, value TEXT, seq INTEGER NOT NULL,
    PRIMARY KEY (collection, key)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entities_by_seq ON entities (seq);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS calls (
    correlation_id TEXT PRIMARY KEY, time REAL NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS calls_by_time ON calls (time);
"""
#: Collections written by comparing with what was last written (small ones); records and
#: associations are tracked as they change.
OBJECTS = "crm_objects"
ASSOCIATIONS = "associations"
APPS = "apps"
PORTAL = "_portal"
SECURITY = "_security"
#: Seconds between writes of the call log when only reads happen.
CALL_FLUSH_S = 1.0


def _dump(value: Any) -> str:
    # Sorted keys: the small collections are compared by their text.
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


#: Records are never compared by text: the plain (faster) encoder will do.
_RECORD_DUMP = json.JSONEncoder(separators=(",", ":")).encode


def _portal_meta(portal: FakePortal) -> dict[str, Any]:
    return {
        "portalId": portal.portal_id,
        "tier": portal.limiter.tier,
        "packs": portal.limiter.packs,
        "timezone": portal.limiter.timezone,
        "region": portal.apps.region,
    }


def _collections(portal: FakePortal, names: set[str] | None) -> dict[str, dict[str, Any]]:
    """``to_state`` of the named small collections (every one but records when ``None``)."""
    out: dict[str, dict[str, Any]] = {}
    wanted = names if names is not None else {APPS, PORTAL, SECURITY, *portal.backends}
    wanted.discard(OBJECTS)
    for name in wanted:
        if name == APPS:
            out[name] = portal.apps.to_state()
        elif name == PORTAL:
            out[name] = {"meta": _portal_meta(portal)}
        elif name == SECURITY:
            out[name] = {"events": {"list": portal.security_log.to_state()}}
        elif name in portal.backends:
            out[name] = portal.backends[name].to_state()
    return out


class StoreLink:
    """A loaded portal's write-through connection (``portal.storage``)."""

    def __init__(self, conn: sqlite3.Connection, portal: FakePortal, seq: int) -> None:
        self.conn = conn
        self.portal = portal
        self.seq = seq
        self.assoc_changes = portal.associations.changes
        self.calls_written = portal.call_log.total
        self.last_call_flush = time.monotonic()
        #: Last written text of every small-collection entity, per collection.
        self.written: dict[str, dict[str, str]] = {
            name: {k: _dump(v) for k, v in data.items()}
            for name, data in _collections(portal, None).items()
        }
        #: Sort keys and tokens, written with the records (``search_index``).
        self.index = SearchIndex(conn, portal.objects, lambda: self.seq)
        portal.objects.search_index = self.index

    def ensure_index(self) -> None:
        """Build the search index of a database written before it existed (a write
        transaction of its own; others' changes are taken in first)."""
        if _index_built(self.conn):
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            self.catch_up()
            if not _index_built(self.conn):
                self.index.rebuild()
            self.conn.execute("COMMIT")
        except BaseException:
            self.rollback()
            raise

    def rollback(self) -> None:
        self.conn.execute("ROLLBACK")
        self.index.forget()

    def detach(self) -> None:
        """Stop keeping the portal's search index (the connection closes)."""
        if self.portal.objects.search_index is self.index:
            self.portal.objects.search_index = None

    # -- the dispatch hook ------------------------------------------------------------

    def begin(self, *, write: bool) -> None:
        if write:
            self.conn.execute("BEGIN IMMEDIATE")
        try:
            self.catch_up()
        except BaseException:
            if write:
                self.rollback()
            raise

    def end(self, *, write: bool, area: str) -> None:
        if not write:
            if time.monotonic() - self.last_call_flush >= CALL_FLUSH_S:
                self.flush()
            return
        try:
            self.write_changes(area)
            self.conn.execute("COMMIT")
        except BaseException:
            self.rollback()
            raise

    # -- reading others' changes ------------------------------------------------------

    def catch_up(self) -> None:
        """Take in every entity other processes wrote since this one last looked."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'seq'").fetchone()
        latest = int(row[0]) if row else 0
        if latest <= self.seq:
            return
        rows = self.conn.execute(
            "SELECT collection, key, value FROM entities WHERE seq > ?", (self.seq,)
        ).fetchall()
        changed: dict[str, dict[str, Any]] = {}
        records: list[tuple[str, Any]] = []
        for collection, key, value in rows:
            data = None if value is None else json.loads(value)
            if collection == OBJECTS:
                records.append((key, data))
                continue
            changed.setdefault(collection, {})[key] = data
            written = self.written.setdefault(collection, {})
            if value is None:
                written.pop(key, None)
            else:
                written[key] = _dump(data)
        # Schemas before records: a custom object's records need their type.
        for collection in sorted(changed, key=lambda c: c != "schemas"):
            self._apply_collection(collection, changed[collection])
        for key, data in records:
            self.portal.objects.apply_entity(key, data)
        self.seq = latest
        self.assoc_changes = self.portal.associations.changes

    def _apply_collection(self, collection: str, entries: dict[str, Any]) -> None:
        portal = self.portal
        if collection == PORTAL:
            meta = entries.get("meta") or {}
            portal.limiter.configure(
                tier=str(meta.get("tier", portal.limiter.tier)),
                packs=int(meta.get("packs", portal.limiter.packs)),
                timezone=str(meta.get("timezone", portal.limiter.timezone)),
            )
            return
        if collection == SECURITY:
            events = (entries.get("events") or {}).get("list", [])
            portal.security_log.load_state(events)
            return
        state = portal.apps.to_state() if collection == APPS else None
        backend = portal.backends.get(collection)
        if state is None and backend is not None:
            state = backend.to_state()
        if state is None:
            return
        for key, value in entries.items():
            if value is None:
                state.pop(key, None)
            else:
                state[key] = value
        if collection == APPS:
            portal.apps.load_state(state)
        elif backend is not None:
            backend.load_state(state)

    # -- writing ours -----------------------------------------------------------------

    def write_changes(self, area: str) -> None:
        """Write what changed (inside the caller's transaction). ``area`` narrows the
        comparison of small collections to the one a request touched (``""``: all)."""
        portal = self.portal
        rows: list[tuple[str, str, str | None]] = []
        objects = portal.objects
        for key in objects.dirty:
            data = objects.entity(key)
            rows.append((OBJECTS, key, None if data is None else _RECORD_DUMP(data)))
        if objects.dirty:
            # The index rows to replace are those of the records as last written.
            before = dict.fromkeys(objects.dirty)
            for chunk in _chunks(list(before), 500):
                marks = ",".join("?" * len(chunk))
                before.update(
                    self.conn.execute(
                        "SELECT key, value FROM entities"
                        f" WHERE collection = ? AND key IN ({marks})",
                        (OBJECTS, *chunk),
                    )
                )
            self.index.write(before)
        objects.dirty = set()
        names: set[str] | None
        if area in ("", "hsrun"):
            names = None
        else:
            names = {area}
            # Records' routes (objects, engagements, schemas) also link records.
            if portal.associations.changes != self.assoc_changes:
                names.add(ASSOCIATIONS)
            if area == "schemas":
                names.add("properties")  # a schema's properties are definitions of its type
        if names is None or ASSOCIATIONS in names:
            self.assoc_changes = portal.associations.changes
        for name, data in _collections(portal, names).items():
            written = self.written.setdefault(name, {})
            now = {k: _dump(v) for k, v in data.items()}
            for key, text in now.items():
                if written.get(key) != text:
                    rows.append((name, key, text))
            rows.extend((name, key, None) for key in written.keys() - now.keys())
            self.written[name] = now
        if rows:
            self.seq += 1
            self.conn.executemany(
                "INSERT OR REPLACE INTO entities (collection, key, value, seq) VALUES (?,?,?,?)",
                [(c, k, v, self.seq) for c, k, v in rows],
            )
            self.conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('seq', ?)", (str(self.seq),)
            )
        # The call log is not part of an acknowledged write: it goes out at most once a
        # second (and on close), which keeps a write request to one small transaction.
        if area in ("", "hsrun") or time.monotonic() - self.last_call_flush >= CALL_FLUSH_S:
            self._write_calls()

    def _write_calls(self) -> None:
        log = self.portal.call_log
        if log.total == self.calls_written:
            return
        self.conn.executemany(
            "INSERT OR IGNORE INTO calls (correlation_id, time, body) VALUES (?,?,?)",
            [
                (c["correlationId"], float(c["time"]), _dump(c))
                for c in log.since(self.calls_written)
            ],
        )
        self.calls_written = log.total
        self.last_call_flush = time.monotonic()

    def flush(self, *, area: str = "") -> None:
        """Write everything pending in a transaction of its own (take in others' first)."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            self.catch_up()
            self.write_changes(area)
            self.conn.execute("COMMIT")
        except BaseException:
            self.rollback()
            raise


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _index_built(conn: sqlite3.Connection) -> bool:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (INDEX_VERSION_KEY,)).fetchone()
    return row is not None and row[0] == INDEX_VERSION


class PortalFile:
    """The project's persistent portal: ``.hsrun/portal.db`` (imported from ``portal.json``)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.json_path = settings.portal_path
        self.path = self.json_path.with_suffix(".db")
        self.ids_path = self.json_path.with_name("portal.ids")

    def exists(self) -> bool:
        return self.path.exists() or self.json_path.exists()

    def new_portal(self) -> FakePortal:
        """An empty portal wired to the shared id counter."""
        return FakePortal(portal_id=self.settings.portal_id, ids=FileIds(self.ids_path))

    # -- connection ---------------------------------------------------------------------

    def connect(self) -> sqlite3.Connection:
        """Open (creating, and importing ``portal.json`` into, a new database)."""
        ensure_home(self.settings)
        fresh = not self.path.exists()
        try:
            conn = sqlite3.connect(
                self.path, timeout=30, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.executescript(_SCHEMA + INDEX_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise PortalError(
                f"{self.path} is not a usable portal database: {exc}{RESET_HINT}"
            ) from exc
        with contextlib.suppress(OSError):
            os.chmod(self.path, 0o600)
        if fresh and self.json_path.exists():
            try:
                self._import_json(conn)
            except BaseException:
                conn.close()
                self.path.unlink(missing_ok=True)
                raise
        return conn

    def _import_json(self, conn: sqlite3.Connection) -> None:
        state = read_json(self.json_path)
        if state is None:
            return
        portal = self.new_portal()
        load_into(portal, state, self.json_path)
        self._replace_all(conn, portal)

    def _replace_all(self, conn: sqlite3.Connection, portal: FakePortal) -> None:
        """Make the database hold exactly ``portal`` (one transaction)."""
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'seq'").fetchone()
            seq = (int(row[0]) if row else 0) + 1
            # Deleted rows stay as tombstones (value NULL) so other processes drop them too.
            conn.execute("UPDATE entities SET value = NULL, seq = ?", (seq,))
            rows = [
                (OBJECTS, key, _dump(value), seq)
                for key, value in portal.objects.to_state().items()
            ]
            for name, data in _collections(portal, None).items():
                rows.extend((name, key, _dump(value), seq) for key, value in data.items())
            conn.executemany(
                "INSERT OR REPLACE INTO entities (collection, key, value, seq) VALUES (?,?,?,?)",
                rows,
            )
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('seq', ?)", (str(seq),))
            SearchIndex(conn, portal.objects, lambda: seq).rebuild()
            conn.execute("DELETE FROM calls")
            conn.executemany(
                "INSERT OR IGNORE INTO calls (correlation_id, time, body) VALUES (?,?,?)",
                [(c["correlationId"], float(c["time"]), _dump(c)) for c in portal.call_log.all()],
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _read(self, conn: sqlite3.Connection, portal: FakePortal) -> int:
        """Load everything into ``portal``; the ``seq`` it reflects.

        The cyclic garbage collector is paused while 100,000 records are built (it would scan
        the growing heap again and again). A long-running ``portal serve`` then freezes the
        loaded heap out of its reach (``gc.freeze``) so requests do not rescan it; a process
        that loads portals again and again (the dashboard) leaves them collectable.
        """
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._read_all(conn, portal)
        finally:
            if enabled:
                gc.enable()

    def _read_all(self, conn: sqlite3.Connection, portal: FakePortal) -> int:
        row = conn.execute("SELECT value FROM meta WHERE key = 'seq'").fetchone()
        seq = int(row[0]) if row else 0
        # One JSON document per collection, assembled by SQLite: one parse instead of one per
        # row keeps opening 100,000 records fast.
        collections: dict[str, dict[str, Any]] = {
            collection: json.loads(document)
            for collection, document in conn.execute(
                "SELECT collection, '{' || group_concat(json_quote(key) || ':' || value, ',')"
                " || '}' FROM entities WHERE value IS NOT NULL GROUP BY collection"
            )
        }
        if seq == 0 and not collections:
            return 0
        meta = collections.pop(PORTAL, {}).get("meta", {})
        security = collections.pop(SECURITY, {}).get("events", {}).get("list", [])
        calls = [
            json.loads(body)
            for (body,) in conn.execute(
                "SELECT body FROM (SELECT body, time FROM calls ORDER BY time DESC LIMIT ?) "
                "ORDER BY time",
                (DEFAULT_CALL_LOG_SIZE,),
            )
        ]
        state = {
            "version": STATE_VERSION,
            "portal": meta,
            "collections": collections,
            "callLog": calls,
            "securityLog": security,
        }
        load_into(portal, state, self.path)
        portal.portal_id = self.settings.portal_id  # HSRUN_PORTAL_ID names the portal
        return seq

    # -- what the CLI and attach() call ------------------------------------------------------

    def load(self) -> tuple[FakePortal, dict[str, Any]]:
        """The portal, loaded and writing through to the database (the second value is kept
        for callers of the snapshot era and is always empty)."""
        conn = self.connect()
        portal = self.new_portal()
        conn.execute("BEGIN")
        try:
            seq = self._read(conn, portal)
        finally:
            conn.execute("COMMIT")
        link = StoreLink(conn, portal, seq)
        portal.storage = link
        link.ensure_index()
        return portal, {}

    def save(self, portal: FakePortal, base: dict[str, Any] | None = None) -> None:
        """Write whatever is still pending (call log, changes made outside a request)."""
        link = portal.storage
        if isinstance(link, StoreLink):
            with portal.lock:
                link.flush()
        else:
            conn = self.connect()
            try:
                self._replace_all(conn, portal)
            finally:
                conn.close()
        self._release(portal)

    def close(self, portal: FakePortal) -> None:
        """Write what is pending and close the connection."""
        link = portal.storage
        self.save(portal)
        if isinstance(link, StoreLink):
            portal.storage = None
            link.detach()
            link.conn.close()

    @staticmethod
    def detach(portal: FakePortal) -> None:
        """Stop writing through: later changes stay in memory only."""
        link = portal.storage
        portal.storage = None
        if isinstance(link, StoreLink):
            link.detach()
            link.conn.close()

    def sync(self, portal: FakePortal, base: dict[str, Any]) -> dict[str, Any]:
        """Take in other processes' changes and write the pending call log."""
        link = portal.storage
        if isinstance(link, StoreLink):
            with portal.lock:
                link.flush()
        return base

    @contextlib.contextmanager
    def transaction(self) -> Iterator[FakePortal]:
        """Load, change and save under the database's write lock (short CLI commands)."""
        conn = self.connect()
        link: StoreLink | None = None
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                portal = self.new_portal()
                seq = self._read(conn, portal)
                link = StoreLink(conn, portal, seq)
                if not _index_built(conn):
                    link.index.rebuild()
                yield portal
                link.write_changes("")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        finally:
            if link is not None:
                link.detach()
            conn.close()
        self._release(portal)

    def reset(self) -> None:
        """An empty portal (apps, records and logs gone); works on a damaged database."""
        ensure_home(self.settings)
        self.json_path.unlink(missing_ok=True)  # never imported again over the reset
        try:
            conn = self.connect()
        except PortalError:
            self.path.unlink(missing_ok=True)
            for suffix in ("-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            conn = self.connect()
        try:
            self._replace_all(conn, self.new_portal())
        finally:
            conn.close()

    def export_json(self, destination: Path) -> None:
        """Write the portal as a ``portal.json`` snapshot (the seed format)."""
        from runtime.fake_hubspot.persistence import atomic_write

        portal, _ = self.load()
        try:
            data = json.dumps(portal.to_state(), separators=(",", ":")).encode("utf-8")
        finally:
            self.close(portal)
        atomic_write(destination, data)

    def import_json(self, source: Path) -> FakePortal:
        """Replace the portal with a ``portal.json`` snapshot (what :meth:`export_json` wrote).

        Raises:
            PortalError: the file is missing, damaged or of another version.
        """
        state = read_json(source)
        if state is None:
            raise PortalError(f"snapshot not found: {source}")
        portal = self.new_portal()
        load_into(portal, state, source)
        conn = self.connect()
        try:
            self._replace_all(conn, portal)
        finally:
            conn.close()
        self._release(portal)
        return portal

    @staticmethod
    def _release(portal: FakePortal) -> None:
        if isinstance(portal.ids, FileIds):
            portal.ids.release()
