"""A cgroup per run, so the kernel counts and caps what the action and every process it starts
use: memory (shared memory and ``/tmp`` included) and the number of processes.

HubSpot's 128 MB and Lambda's process limit are properties of the whole sandbox, not of one
process. cgroup v2 is used where this process may create a child of its own cgroup
(delegation), cgroup v1 where the memory and pids hierarchies let it create one; otherwise
there is none and the runner samples the action's memory as before.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from runtime.invoke import _cgroup_fs as fs


@dataclass
class RunCgroup:
    """The cgroup folders of one run (one per hierarchy) and how to read them."""

    version: int
    memory: Path
    pids: Path | None
    #: hsrun's own processes in it besides the action's (the worker and init; a slot's
    #: zygote too).
    ours: int = 2
    #: OOM kills counted before this run (a slot's cgroup serves run after run).
    oom_before: int = 0

    @property
    def folders(self) -> list[str]:
        return [str(p) for p in dict.fromkeys([self.memory, self.pids]) if p is not None]

    @property
    def label(self) -> str:
        return f"cgroup v{self.version}"

    def peak_kb(self) -> int:
        """Highest memory charged to the run so far, in kB."""
        name = "memory.max_usage_in_bytes" if self.version == 1 else "memory.peak"
        return _read_int(self.memory / name) // 1024

    def oom_killed(self) -> bool:
        """Whether the kernel killed a process of the run for going over the limit."""
        return self.oom_kills() > self.oom_before

    def oom_kills(self) -> int:
        name = "memory.oom_control" if self.version == 1 else "memory.events"
        return _read_key(self.memory / name, "oom_kill")

    def processes(self) -> int:
        return _read_int(self.pids / "pids.current") if self.pids is not None else 0

    def remove(self) -> None:
        """Remove the folders once their processes are gone (they are being killed): off the
        run's critical path, on a background thread."""
        _reaper.add(self.folders)


class _Reaper:
    """Removes cgroup folders whose processes are still exiting, retrying for a while."""

    def __init__(self) -> None:
        self._pending: list[tuple[str, float]] = []
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def add(self, folders: list[str]) -> None:
        with self._cond:
            give_up = time.monotonic() + 10.0
            self._pending.extend((folder, give_up) for folder in folders)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="hsrun-cgroups", daemon=True)
                self._thread.start()
                atexit.register(self.flush)
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending:
                    self._cond.wait()
                pending, self._pending = self._pending, []
            left = [(f, end) for f, end in pending if not fs.remove(f) and time.monotonic() < end]
            with self._cond:
                self._pending[:0] = left
            if left:
                time.sleep(0.01)

    def flush(self, timeout: float = 2.0) -> None:
        """At exit: one last try for what is left."""
        end = time.monotonic() + timeout
        delay = 0.001  # a killed run's processes are usually gone within a few ms
        while True:
            with self._cond:
                pending = list(self._pending)
            if not pending or time.monotonic() > end:
                return
            with self._cond:
                self._pending = [(f, e) for f, e in self._pending if not fs.remove(f)]
            time.sleep(delay)
            delay = min(delay * 2, 0.01)


_reaper = _Reaper()


def _read_int(path: Path) -> int:
    try:
        return int(_read(path).split()[0])
    except (OSError, ValueError, IndexError):
        return 0


def _read_key(path: Path, key: str) -> int:
    try:
        for line in _read(path).splitlines():
            name, _, value = line.partition(b" ")
            if name == key.encode():
                return int(value)
    except (OSError, ValueError):
        pass
    return 0


def _read(path: Path) -> bytes:
    # Read as the runner samples a run (several times a second): no text layer.
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.read(fd, 8192)
    finally:
        os.close(fd)


def create(token: str, *, memory_mb: int, max_processes: int) -> RunCgroup | None:
    """A cgroup for one run with the memory and process limits set, or None."""
    made = fs.create(token)
    if made is None:
        return None
    run = _wrap(made)
    if not set_limits(run, memory_mb=memory_mb, max_processes=max_processes):
        fs.discard(made)
        return None
    return run


def adopt(
    made: tuple[int, str, str | None], *, memory_mb: int, max_processes: int
) -> RunCgroup | None:
    """The cgroup the launcher made and put the one-shot run's process in (``_early``),
    with this run's limits set. The process was moved in as it started, so the cgroup
    counts all of it, as Lambda's limit does.

    None if the memory cap could not be set (cgroup v1 refuses one below what the process
    already uses): the run is then capped by sampling alone, and its record says so. The
    folder goes once the process has.
    """
    run = _wrap(made)
    if not set_limits(run, memory_mb=memory_mb, max_processes=max_processes):
        run.remove()
        return None
    return run


def set_limits(run: RunCgroup, *, memory_mb: int, max_processes: int) -> bool:
    # Processes of ours sit in the cgroup besides the action's: the worker and init (and a
    # slot's zygote).
    pids = str(run.pids) if run.pids is not None else None
    return fs.set_limits(run.version, str(run.memory), pids, memory_mb, max_processes + 4)


def _wrap(made: tuple[int, str, str | None]) -> RunCgroup:
    version, memory, pids = made
    return RunCgroup(version, Path(memory), Path(pids) if pids is not None else None)
