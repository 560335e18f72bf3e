"""The CLI's portal on disk: ``.hsrun/portal.json``, shared safely by concurrent hsrun processes.

- **Atomic writes**: a temporary file in the same folder, ``fsync``, ``os.replace``, then
  ``fsync`` of the folder; a crash leaves the old file or the new one, never half of one.
- **Locking**: an exclusive ``flock`` on ``portal.json.lock`` around every read-merge-write;
  readers take it shared.
- **Merging**: a process that held the portal for a while (``hsrun invoke``, ``hsrun portal
  serve``) saves with a three-way merge: for every entity key (a record, an app, a property),
  its own change wins if it made one since it loaded, otherwise what is on disk now stays. Logs
  are merged by correlation id. So two invocations that touch different records both keep
  their writes; the same record written by both keeps the last writer's version.
- **Ids**: record, owner and app ids come from ``portal.ids`` (a counter file under the same
  lock, handed out in blocks), so two processes never create the same id.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from runtime.config import Settings, ensure_home
from runtime.errors import PortalError
from runtime.fake_hubspot.core.ids import STARTS
from runtime.fake_hubspot.core.logs import DEFAULT_CALL_LOG_SIZE
from runtime.fake_hubspot.portal import STATE_VERSION, FakePortal

#: Ids reserved per trip to the counter file (unused ones are handed back on save).
ID_BLOCK = 50


@contextlib.contextmanager
def file_lock(path: Path, *, shared: bool = False) -> Iterator[None]:
    """Hold an advisory lock on ``path`` (created if needed) for the block."""
    # The state folder holds tokens and secrets: only its owner may enter it.
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    handle: IO[bytes] = os.fdopen(fd, "a+b")
    try:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - no flock: single-process use only
            yield
            return
        fcntl.flock(handle.fileno(), fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    finally:
        handle.close()


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically (temp + fsync + rename), mode 0600."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # not every platform can fsync a folder
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def read_json(path: Path) -> dict[str, Any] | None:
    """The JSON object in ``path``, ``None`` if absent.

    Raises:
        PortalError: unreadable or not a JSON object.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise PortalError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PortalError(
            f"{path} is not valid JSON (line {exc.lineno}): {exc.msg}{RESET_HINT}"
        ) from exc
    if not isinstance(data, dict):
        raise PortalError(f"{path} does not hold a JSON object{RESET_HINT}")
    return data


#: How to get out of a damaged portal file; the file is never overwritten without it.
RESET_HINT = "; `hsrun portal reset` starts an empty portal (copy the file first to keep it)"


def load_into(portal: FakePortal, state: dict[str, Any], path: Path) -> None:
    """``portal.load_state(state)``, a damaged document becoming a PortalError."""
    try:
        portal.load_state(state)
    except PortalError as exc:
        raise PortalError(f"{path}: {exc}{RESET_HINT}") from exc
    except (AttributeError, TypeError, KeyError, ValueError, IndexError) as exc:
        raise PortalError(f"{path} is damaged ({type(exc).__name__}: {exc}){RESET_HINT}") from exc


class FileIds:
    """Id allocator shared by processes through a counter file (blocks of :data:`ID_BLOCK`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock_path = path.with_name(path.name + ".lock")
        self._blocks: dict[str, tuple[int, int]] = {}  # kind → (next, end exclusive)
        self._mutex = threading.Lock()

    def __call__(self, kind: str) -> int:
        with self._mutex:
            current, end = self._blocks.get(kind, (0, 0))
            if current >= end:
                current, end = self._reserve(kind)
            self._blocks[kind] = (current + 1, end)
            return current

    def _reserve(self, kind: str) -> tuple[int, int]:
        with file_lock(self._lock_path):
            counters = read_json(self.path) or {}
            start = int(counters.get(kind, STARTS.get(kind, 1)))
            counters[kind] = start + ID_BLOCK
            atomic_write(self.path, json.dumps(counters, indent=1).encode("utf-8"))
        return start, start + ID_BLOCK

    def release(self) -> None:
        """Hand back the unused rest of each block if no other process reserved after us."""
        with self._mutex:
            if not self._blocks:
                return
            with file_lock(self._lock_path):
                counters = read_json(self.path) or {}
                changed = False
                for kind, (current, end) in self._blocks.items():
                    if int(counters.get(kind, 0)) == end and current < end:
                        counters[kind] = current
                        changed = True
                if changed:
                    atomic_write(self.path, json.dumps(counters, indent=1).encode("utf-8"))
            self._blocks.clear()

    def bump(self, kind: str, seen: int) -> None:
        """Make sure future ids of ``kind`` are above ``seen`` (after a seed or an import)."""
        with self._mutex, file_lock(self._lock_path):
            counters = read_json(self.path) or {}
            if int(counters.get(kind, STARTS.get(kind, 1))) <= seen:
                counters[kind] = seen + 1
                atomic_write(self.path, json.dumps(counters, indent=1).encode("utf-8"))
            self._blocks.pop(kind, None)


# -- three-way merge -----------------------------------------------------------------------


def merge_collection(
    base: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any]
) -> dict[str, Any]:
    """Keys we changed since ``base`` take our value (or go, if we deleted them); others keep
    ``theirs``."""
    result = dict(theirs)
    for key in base.keys() | ours.keys():
        if ours.get(key) != base.get(key):
            if key in ours:
                result[key] = ours[key]
            else:
                result.pop(key, None)
    return result


def _merge_log(
    ours: list[dict[str, Any]], theirs: list[dict[str, Any]], key: str, size: int | None
) -> list[dict[str, Any]]:
    seen: dict[Any, dict[str, Any]] = {}
    for entry in [*theirs, *ours]:
        ident = entry.get(key) if key else json.dumps(entry, sort_keys=True)
        seen[ident] = entry
    merged = sorted(seen.values(), key=lambda e: float(e.get("time", 0)))
    return merged[-size:] if size else merged


def merge_states(
    base: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any] | None
) -> dict[str, Any]:
    """Our changes since ``base`` applied on top of ``theirs`` (what is on disk now)."""
    if theirs is None or theirs.get("version") != STATE_VERSION:
        theirs = {"version": STATE_VERSION, "portal": base.get("portal", {}), "collections": {}}
    out: dict[str, Any] = {"version": STATE_VERSION}
    out["portal"] = (
        ours["portal"]
        if ours.get("portal") != base.get("portal")
        else theirs.get("portal", ours["portal"])
    )
    base_c, ours_c, theirs_c = (
        base.get("collections", {}),
        ours.get("collections", {}),
        theirs.get("collections", {}),
    )
    out["collections"] = {
        name: merge_collection(base_c.get(name, {}), ours_c.get(name, {}), theirs_c.get(name, {}))
        for name in base_c.keys() | ours_c.keys() | theirs_c.keys()
    }
    base_calls = {c.get("correlationId") for c in base.get("callLog", [])}
    new_calls = [c for c in ours.get("callLog", []) if c.get("correlationId") not in base_calls]
    out["callLog"] = _merge_log(
        new_calls, theirs.get("callLog", []), "correlationId", DEFAULT_CALL_LOG_SIZE
    )
    base_events = {json.dumps(e, sort_keys=True) for e in base.get("securityLog", [])}
    new_events = [
        e for e in ours.get("securityLog", []) if json.dumps(e, sort_keys=True) not in base_events
    ]
    out["securityLog"] = _merge_log(new_events, theirs.get("securityLog", []), "", None)
    return out


# -- the portal file -------------------------------------------------------------------------


class PortalFile:
    """``.hsrun/portal.json`` with its lock and id counter."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.path = settings.portal_path
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.ids_path = self.path.with_name("portal.ids")

    def exists(self) -> bool:
        return self.path.exists()

    def new_portal(self) -> FakePortal:
        """An empty portal wired to the shared id counter."""
        return FakePortal(portal_id=self.settings.portal_id, ids=FileIds(self.ids_path))

    def load(self) -> tuple[FakePortal, dict[str, Any]]:
        """The portal on disk (or a fresh one) and the state it was loaded from (the merge base)."""
        portal = self.new_portal()
        with file_lock(self.lock_path, shared=True):
            state = read_json(self.path)
        if state is not None:
            load_into(portal, state, self.path)
            portal.portal_id = self.settings.portal_id  # HSRUN_PORTAL_ID names the portal
        return portal, portal.to_state()

    def save(self, portal: FakePortal, base: dict[str, Any] | None = None) -> None:
        """Write the portal; with ``base``, merge with what other processes wrote since."""
        ensure_home(self.settings)
        ours = portal.to_state()
        if base is not None and ours == base:
            # Nothing changed here (an action that made no API call): the file stays as
            # other processes left it, and this process pays no lock or fsync.
            self._release(portal)
            return
        with file_lock(self.lock_path):
            if base is not None:
                ours = merge_states(base, ours, read_json(self.path))
            atomic_write(self.path, json.dumps(ours, separators=(",", ":")).encode("utf-8"))
        self._release(portal)

    @staticmethod
    def _release(portal: FakePortal) -> None:
        if isinstance(portal.ids, FileIds):
            portal.ids.release()

    def sync(self, portal: FakePortal, base: dict[str, Any]) -> dict[str, Any]:
        """Merge-save, then take in what other processes wrote; the new merge base.

        A long-running ``hsrun portal serve`` calls this every few seconds, so an app created
        with ``hsrun portal apps create`` meanwhile starts working without a restart.
        """
        ensure_home(self.settings)
        with portal.lock, file_lock(self.lock_path):
            ours = portal.to_state()
            theirs = read_json(self.path)
            if ours == base and theirs == base:
                return base
            merged = merge_states(base, ours, theirs)
            if merged != theirs:
                atomic_write(self.path, json.dumps(merged, separators=(",", ":")).encode("utf-8"))
            if merged != ours:
                load_into(portal, merged, self.path)
                portal.portal_id = self.settings.portal_id
            return portal.to_state()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[FakePortal]:
        """Load, change and save under one exclusive lock (short CLI commands)."""
        ensure_home(self.settings)
        with file_lock(self.lock_path):
            portal = self.new_portal()
            state = read_json(self.path)
            if state is not None:
                load_into(portal, state, self.path)
                portal.portal_id = self.settings.portal_id
            yield portal
            data = json.dumps(portal.to_state(), separators=(",", ":")).encode("utf-8")
            atomic_write(self.path, data)
        self._release(portal)

    def reset(self) -> None:
        """An empty portal on disk (apps, records and logs gone); works on a damaged file."""
        ensure_home(self.settings)
        with file_lock(self.lock_path):
            portal = self.new_portal()
            data = json.dumps(portal.to_state(), separators=(",", ":")).encode("utf-8")
            atomic_write(self.path, data)
        self._release(portal)
