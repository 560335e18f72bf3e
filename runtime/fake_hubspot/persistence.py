"""Files of the CLI's portal: the ``portal.json`` snapshot format, locks, atomic writes, ids.

The portal itself lives in SQLite (:mod:`.store`); ``portal.json`` is the seed and snapshot
format it imports and exports, written as follows.

- **Atomic writes**: a temporary file in the same folder, ``fsync``, ``os.replace``, then
  ``fsync`` of the folder; a crash leaves the old file or the new one, never half of one.
- **Locking**: an exclusive ``flock`` around the id counter's read-modify-write.
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

from runtime.errors import PortalError
from runtime.fake_hubspot.core.ids import STARTS
from runtime.fake_hubspot.portal import FakePortal

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
