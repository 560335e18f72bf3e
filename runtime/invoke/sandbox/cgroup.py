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

V1_ROOT = Path("/sys/fs/cgroup")
V2_ROOTS = (Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/unified"))


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
            left = [(f, end) for f, end in pending if not _rmdir(f) and time.monotonic() < end]
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
                self._pending = [(f, e) for f, e in self._pending if not _rmdir(f)]
            time.sleep(delay)
            delay = min(delay * 2, 0.01)


def _rmdir(folder: str) -> bool:
    try:
        os.rmdir(folder)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return True


_reaper = _Reaper()


def _read_int(path: Path) -> int:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


def _read_key(path: Path, key: str) -> int:
    try:
        for line in path.read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    except (OSError, ValueError):
        pass
    return 0


def _own_path(controller: str) -> str | None:
    """This process's cgroup path in ``controller``'s hierarchy ("" for cgroup v2)."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _id, names, path = line.split(":", 2)
        if controller in names.split(","):
            return path
    return None


def create(token: str, *, memory_mb: int, max_processes: int) -> RunCgroup | None:
    """A cgroup for one run with the memory and process limits set, or None."""
    return _create_v2(token, memory_mb, max_processes) or _create_v1(
        token, memory_mb, max_processes
    )


def _limit_files(memory_mb: int, max_processes: int) -> tuple[str, str]:
    # Processes of ours sit in the cgroup besides the action's: the worker and init (and a
    # slot's zygote).
    return str(memory_mb * 1024 * 1024), str(max_processes + 4)


def _create_v1(token: str, memory_mb: int, max_processes: int) -> RunCgroup | None:
    memory_own, pids_own = _own_path("memory"), _own_path("pids")
    if memory_own is None:
        return None
    memory = V1_ROOT / "memory" / memory_own.lstrip("/") / f"hsrun-{token}"
    pids = V1_ROOT / "pids" / pids_own.lstrip("/") / f"hsrun-{token}" if pids_own else None
    limit, procs = _limit_files(memory_mb, max_processes)
    made: list[Path] = []
    try:
        memory.mkdir()
        made.append(memory)
        (memory / "memory.limit_in_bytes").write_text(limit)
        swap = memory / "memory.memsw.limit_in_bytes"
        if swap.exists():
            swap.write_text(limit)
        if pids is not None:
            try:
                pids.mkdir()
                made.append(pids)
                (pids / "pids.max").write_text(procs)
            except OSError:
                pids = None
    except OSError:
        for folder in reversed(made):
            try:
                folder.rmdir()
            except OSError:
                pass
        return None
    return RunCgroup(1, memory, pids)


def _create_v2(token: str, memory_mb: int, max_processes: int) -> RunCgroup | None:
    own = _own_path("")
    if own is None:
        return None
    for root in V2_ROOTS:
        try:
            controllers = (root / "cgroup.controllers").read_text().split()
        except OSError:
            continue
        if "memory" not in controllers:
            continue
        # Delegated: the folder holding this process's cgroup is ours to create children
        # in (systemd's Delegate=yes); the run's cgroup is a sibling of ours.
        parent = (root / own.lstrip("/")).parent
        folder = parent / f"hsrun-{token}"
        limit, procs = _limit_files(memory_mb, max_processes)
        try:
            enabled = (parent / "cgroup.subtree_control").read_text().split()
            if "memory" not in enabled:
                return None
            folder.mkdir()
        except OSError:
            return None
        try:
            (folder / "memory.max").write_text(limit)
            (folder / "memory.swap.max").write_text("0")
        except OSError:
            pass
        has_pids = "pids" in enabled
        if has_pids:
            try:
                (folder / "pids.max").write_text(procs)
            except OSError:
                has_pids = False
        return RunCgroup(2, folder, folder if has_pids else None)
    return None
