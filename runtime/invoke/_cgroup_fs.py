"""Making a run's cgroup and putting a process in it: the file operations, standard library
only, so that the ``hsrun`` launcher can do it for the one-shot run's process while the rest
of hsrun is still being imported (``_early``). :mod:`runtime.invoke.sandbox.cgroup` builds
on it.

Moving a process into a cgroup waits for the kernel (an RCU grace period on the cgroup
lock: 5-15 ms measured on cgroup v1), which is why it is done early, off the run's path.
"""

from __future__ import annotations

import os
import time

V1_ROOT = "/sys/fs/cgroup"
V2_ROOTS = ("/sys/fs/cgroup", "/sys/fs/cgroup/unified")
#: Which cgroup this process is in, per hierarchy (``ID:CONTROLLERS:PATH`` lines).
PROC_CGROUP = "/proc/self/cgroup"


def own_path(controller: str) -> str | None:
    """This process's cgroup path in ``controller``'s hierarchy ("" for cgroup v2)."""
    try:
        with open(PROC_CGROUP) as fh:
            lines = fh.read().splitlines()
    except OSError:
        return None
    for line in lines:
        _id, names, path = line.split(":", 2)
        if controller in names.split(","):
            return path
    return None


def write(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def read(path: str) -> str:
    with open(path) as fh:
        return fh.read()


def create(token: str) -> tuple[int, str, str | None] | None:
    """A new cgroup ``hsrun-TOKEN`` beside or under this process's, without limits:
    (version, memory folder, pids folder or None), or None where none can be made."""
    return _create_v2(token) or _create_v1(token)


def folders(made: tuple[int, str, str | None]) -> list[str]:
    """The folders of a cgroup :func:`create` made: one per hierarchy (one for v2)."""
    _version, memory, pids = made
    return list(dict.fromkeys(f for f in (memory, pids) if f is not None))


def discard(made: tuple[int, str, str | None]) -> None:
    """Remove a cgroup :func:`create` made that no process was put in."""
    for folder in reversed(folders(made)):
        remove(folder)


def _create_v1(token: str) -> tuple[int, str, str | None] | None:
    memory_own, pids_own = own_path("memory"), own_path("pids")
    if memory_own is None:
        return None
    memory = os.path.join(V1_ROOT, "memory", memory_own.lstrip("/"), f"hsrun-{token}")
    try:
        _mkdir(memory)
    except OSError:
        return None
    pids = None
    if pids_own is not None:
        pids = os.path.join(V1_ROOT, "pids", pids_own.lstrip("/"), f"hsrun-{token}")
        try:
            _mkdir(pids)
        except OSError:
            pids = None
    return 1, memory, pids


#: A run's cgroup left this long without its process (a launcher that ended before its run
#: was adopted) is removed by the next one made beside it.
STALE_AFTER_S = 60.0


def _mkdir(folder: str) -> None:
    parent = os.path.dirname(folder)
    try:
        names = os.listdir(parent)
    except OSError:
        names = []
    now = None
    for name in names:
        if not name.startswith("hsrun-"):
            continue
        path = os.path.join(parent, name)
        try:
            if now is None:
                now = time.time()
            if now - os.stat(path).st_mtime > STALE_AFTER_S:
                os.rmdir(path)  # refused while a process is in it
        except OSError:
            pass
    os.mkdir(folder)


def _create_v2(token: str) -> tuple[int, str, str | None] | None:
    own = own_path("")
    if own is None:
        return None
    for root in V2_ROOTS:
        try:
            controllers = read(os.path.join(root, "cgroup.controllers")).split()
        except OSError:
            continue
        if "memory" not in controllers:
            continue
        # Delegated: the folder holding this process's cgroup is ours to create children
        # in (systemd's Delegate=yes); the run's cgroup is a sibling of ours.
        parent = os.path.dirname(os.path.join(root, own.lstrip("/")).rstrip("/"))
        try:
            enabled = read(os.path.join(parent, "cgroup.subtree_control")).split()
            if "memory" not in enabled:
                return None
            folder = os.path.join(parent, f"hsrun-{token}")
            _mkdir(folder)
        except OSError:
            return None
        return 2, folder, folder if "pids" in enabled else None
    return None


def set_limits(version: int, memory: str, pids: str | None, memory_mb: int, procs: int) -> bool:
    """Cap the cgroup's memory (swap included) and number of processes; False if the memory
    cap could not be set (the limit is below what its processes already use)."""
    limit = str(memory_mb * 1024 * 1024)
    try:
        if version == 1:
            write(os.path.join(memory, "memory.limit_in_bytes"), limit)
            swap = os.path.join(memory, "memory.memsw.limit_in_bytes")
            if os.path.exists(swap):
                write(swap, limit)
        else:
            write(os.path.join(memory, "memory.max"), limit)
    except OSError:
        return False
    if version == 2:
        try:
            write(os.path.join(memory, "memory.swap.max"), "0")
        except OSError:
            pass
    if pids is not None:
        try:
            write(os.path.join(pids, "pids.max"), str(procs))
        except OSError:
            pass
    return True


def join(folders: list[str], pid: int) -> bool:
    """Move process ``pid`` into each folder's cgroup (it must not have started threads of
    its own, or only they would stay behind)."""
    try:
        for folder in folders:
            write(os.path.join(folder, "cgroup.procs"), str(pid))
    except OSError:
        return False
    return True


def remove(folder: str) -> bool:
    """Remove an empty cgroup folder (True once it is gone)."""
    try:
        os.rmdir(folder)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return True
