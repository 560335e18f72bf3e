"""Processes started ahead of their run: each serves exactly one cold run and is replaced in
the background, so a run does not wait for what can be done before it is asked for.

Two kinds use it. A Node.js process cannot be forked from a zygote, so a pre-started one has
already paid Node's start and loaded HubSpot's libraries. A Python worker in the kernel
sandbox, where no slot can be made (``._slots``, which build an action's sandbox once for
all its runs), has already built its own (namespaces, a new root, an init process, a
cgroup), which depends only on the action and its network, not on the event: the run that
takes it sends only its job.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Hashable
from typing import TypeVar

from runtime.invoke._process import Child

T = TypeVar("T")

#: A replacement waits for the run that took a process to end, at most this long: starting
#: one takes the parent's CPU and GIL for a few milliseconds, better not spent while the run
#: is being served, unless it runs long.
REFILL_AFTER_S = 0.05

#: A replacement to start: the key, how to start one, processes to stop first, and the
#: process the run took.
_Refill = tuple[Hashable, Callable[[], Child], list[Child], Child]


class Spares:
    """Started processes, ``size`` per key (what makes two interchangeable).

    A key gets spares from its second run on (a command that runs one action once must not
    pay for a process it never uses), and idle ones are kept for the last ``keys`` keys only:
    a test session that runs a different action in every test must not collect a process
    per test.
    """

    def __init__(self, *, size: int = 1, keys: int = 1, name: str = "hsrun-spares") -> None:
        self.size = size
        self.keys = keys
        self.name = name
        self._idle: dict[Hashable, list[Child]] = {}
        self._seen: set[Hashable] = set()
        self._lock = threading.Lock()
        self._closed = False
        # Replacements are started by one thread that waits for requests: a thread per run
        # would cost the run a GIL hand-off (~0.1-1 ms) while it starts.
        self._requests: queue.SimpleQueue[_Refill | None] = queue.SimpleQueue()
        self._worker: threading.Thread | None = None

    def take(self, key: Hashable, start: Callable[[], Child]) -> Child:
        """A started process for one run: an idle one of ``key`` when there is one, else
        ``start()`` now; replacements are started off the run's path."""
        child: Child | None = None
        with self._lock:
            idle, stale = most_recent(self._idle, key, self.keys)
            while idle and child is None:
                candidate = idle.pop(0)
                if candidate.wait_status(0) is None:
                    child = candidate
                else:
                    stale.append(candidate)
            refill = key in self._seen
            self._seen.add(key)
        if child is None:
            child = start()
        if refill or stale:
            self._requests.put((key, start if refill else _nothing, stale, child))
            with self._lock:
                if self._worker is None and not self._closed:
                    self._worker = threading.Thread(target=self._serve, name=self.name, daemon=True)
                    self._worker.start()
        return child

    def _serve(self) -> None:
        while True:
            request = self._requests.get()
            if request is None:
                return
            try:
                self._fill(*request)
            except Exception:
                pass  # a start that failed: the next run starts its own, and reports why

    def _fill(
        self, key: Hashable, start: Callable[[], Child], stale: list[Child], taken: Child
    ) -> None:
        deadline = time.monotonic() + REFILL_AFTER_S
        while not taken.dead and time.monotonic() < deadline and not self._closed:
            time.sleep(0.001)
        stop(stale)
        if start is _nothing:
            return
        while True:
            with self._lock:
                idle = self._idle.get(key)
                if self._closed or idle is None or len(idle) >= self.size:
                    return
            # Started outside the lock: a batch's other runs take processes meanwhile.
            child = start()
            with self._lock:
                idle = self._idle.get(key)
                if not self._closed and idle is not None and len(idle) < self.size:
                    idle.append(child)
                    continue
            stop([child])  # the pool closed, moved on to another key, or is full
            return

    def close(self, timeout: float = 5.0) -> None:
        """Stop every idle process, once a replacement being started is (a closed pool
        starts no more, and its owner may close what starts them)."""
        with self._lock:
            self._closed = True
            worker = self._worker
        self._requests.put(None)
        if worker is not None and worker is not threading.current_thread():
            worker.join(timeout)
        with self._lock:
            waiting = [child for idle in self._idle.values() for child in idle]
            self._idle.clear()
        stop(waiting)


def most_recent(idle: dict[Hashable, list[T]], key: Hashable, keys: int) -> tuple[list[T], list[T]]:
    """``key``'s idle list, made the most recent, and what no longer fits in the last
    ``keys`` keys (to be stopped)."""
    mine = idle.pop(key, [])
    idle[key] = mine  # the most recent key last
    stale: list[T] = []
    while len(idle) > keys:
        stale += idle.pop(next(iter(idle)))
    return mine, stale


def _nothing() -> Child:
    raise AssertionError("a refill that only stops stale processes starts none")


def stop(children: list[Child]) -> None:
    for child in children:
        child.kill()
        child.wait_status(5.0)
        child.close()
