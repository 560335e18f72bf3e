"""Starting Node.js action processes, and a pool of pre-started ones.

Node cannot fork a zygote, so a cold start is a fresh ``node`` process. The pool keeps one
process per (Node.js, library folder, memory limit, libraries) started ahead of time: it has
loaded the HubSpot libraries the action requires, and only those (Lambda counts the memory of
what a function loads: a pure action must not carry @hubspot/api-client's ~35 MB), and waits,
blocked on its control socket, for a job. Each serves exactly
one cold run and is replaced at once in the background (starting a process does not wait
for it). Every Node process starts through :func:`spawn_node`, the one place to wrap.
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
from collections.abc import Mapping
from pathlib import Path

from runtime.errors import RunnerError
from runtime.invoke._process import Child, _pipes, _Waiter, child_base_env

BOOTSTRAP = Path(__file__).with_name("_child_node.js")


def heap_limit_mb(memory_mb: int) -> int:
    """V8's old-space limit for a run limited to ``memory_mb`` of RSS: well above it, so the
    parent's sampler ends a memory bomb with Lambda's message before V8 aborts with its own
    "JavaScript heap out of memory"."""
    return max(memory_mb * 4, 512)


def spawn_node(
    node: str,
    *,
    memory_mb: int,
    node_path: str | None,
    preload: tuple[str, ...] = (),
    env: Mapping[str, str] | None = None,
) -> Child:
    """Start one Node.js bootstrap process in its own session.

    Args:
        node: the Node.js binary.
        memory_mb: the run's memory limit (sizes V8's heap limit).
        node_path: the ``node_modules`` folder holding HubSpot's libraries, or None.
        preload: libraries to load before the first job.
        env: extra environment (the job's own environment replaces it when a run starts).
    """
    parent_sock, child_sock = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    out_r, out_w, err_r, err_w = _pipes()
    extra = dict(env or {})
    if node_path:
        extra["NODE_PATH"] = node_path
    waiter = _Waiter()
    command = [
        node,
        f"--max-old-space-size={heap_limit_mb(memory_mb)}",
        str(BOOTSTRAP),
        "--control-fd",
        str(child_sock.fileno()),
        "--preload",
        ",".join(preload if node_path else ()),
    ]
    try:
        proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=out_w,
            stderr=err_w,
            pass_fds=(child_sock.fileno(),),
            env=child_base_env(extra),
            start_new_session=True,
            close_fds=True,
        )
    except OSError as exc:
        for fd in (out_r, out_w, err_r, err_w):
            os.close(fd)
        parent_sock.close()
        raise RunnerError(f"cannot start Node.js {node}: {exc}") from exc
    finally:
        child_sock.close()
    os.close(out_w)
    os.close(err_w)
    waiter.track(proc)
    child = Child(proc.pid, parent_sock, out_r, err_r, waiter)
    child.ready = False
    child.python = node
    child.libs = node_path
    return child


PoolKey = tuple[str, str | None, int, tuple[str, ...]]


class NodePool:
    """Pre-started Node processes, ``size`` per (binary, library folder, memory limit,
    preloaded libraries)."""

    def __init__(self, size: int = 1) -> None:
        self.size = size
        self._idle: dict[PoolKey, list[Child]] = {}
        self._lock = threading.Lock()
        self._closed = False

    def take(
        self, node: str, *, node_path: str | None, memory_mb: int, preload: tuple[str, ...] = ()
    ) -> Child:
        """A started process for one run (pre-started when one is waiting); a replacement
        starts at once."""
        key = (node, node_path, memory_mb, preload)
        child: Child | None = None
        with self._lock:
            idle = self._idle.setdefault(key, [])
            while idle and child is None:
                candidate = idle.pop(0)
                if candidate.wait_status(0) is None:
                    child = candidate
                else:
                    candidate.close()
        if child is None:
            child = spawn_node(node, memory_mb=memory_mb, node_path=node_path, preload=preload)
        # The replacement starts off the run's path: starting a process costs milliseconds.
        threading.Thread(
            target=self.fill,
            args=(node,),
            kwargs={"node_path": node_path, "memory_mb": memory_mb, "preload": preload},
            name="hsrun-node-pool",
            daemon=True,
        ).start()
        return child

    def fill(
        self, node: str, *, node_path: str | None, memory_mb: int, preload: tuple[str, ...] = ()
    ) -> None:
        """Start processes until ``size`` wait for this key."""
        key = (node, node_path, memory_mb, preload)
        with self._lock:
            if self._closed:
                return
            idle = self._idle.setdefault(key, [])
            while len(idle) < self.size:
                idle.append(
                    spawn_node(node, memory_mb=memory_mb, node_path=node_path, preload=preload)
                )

    def close(self) -> None:
        """Stop every waiting process (a closed pool starts no more)."""
        with self._lock:
            self._closed = True
            waiting = [child for idle in self._idle.values() for child in idle]
            self._idle.clear()
        for child in waiting:
            child.kill()
            child.wait_status(1.0)
            child.close()
