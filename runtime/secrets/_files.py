"""Crash-safe file primitives: an exclusive lock file and atomic replace-on-write.

Readers never lock: a writer only ever renames a complete, fsynced file over the old one,
so a reader (or a writer killed at any instant) sees either the old or the new version.
Writers serialise their read-modify-write cycles on a separate lock file with ``flock``,
which the kernel releases when the holder dies, so a killed writer never wedges the store.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

_TEMP_SUFFIX = ".tmp"


def lock_path_for(path: Path) -> Path:
    """The lock file that guards writes to ``path``."""
    return path.with_name(path.name + ".lock")


@contextlib.contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path``'s lock file for the ``with`` block."""
    lock = lock_path_for(path)
    lock.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        # Only writers create temp files, and they hold this lock: any left now is debris
        # from a writer that was killed mid-write.
        _remove_stale_temps(path)
        yield
    finally:
        # Closing the descriptor releases the lock.
        os.close(fd)


def _temp_prefix(path: Path) -> str:
    return f".{path.name}."


def _remove_stale_temps(path: Path) -> None:
    prefix = _temp_prefix(path)
    with contextlib.suppress(FileNotFoundError):
        for entry in path.parent.iterdir():
            if entry.name.startswith(prefix) and entry.name.endswith(_TEMP_SUFFIX):
                entry.unlink(missing_ok=True)


def atomic_write(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves the old or the new file whole.

    Temp file in the same folder (rename is only atomic within a filesystem), fsync the
    data, rename over the target, then fsync the folder so the rename itself is durable.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temp = path.with_name(f"{_temp_prefix(path)}{os.getpid()}.{os.urandom(4).hex()}{_TEMP_SUFFIX}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    """Make a rename or create in ``folder`` durable."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def append_line(path: Path, line: str) -> None:
    """Append one line durably (``O_APPEND`` keeps concurrent appenders' lines whole)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (line.rstrip("\n") + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
