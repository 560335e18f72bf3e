"""Processes started ahead of their run: each serves exactly one cold run and is replaced in
the background, so a run does not wait for what can be done before it is asked for.

A Python worker in the kernel sandbox is the case that needs it: the sandbox (namespaces, a
new root, an init process, a cgroup) takes longer to build than the fork it follows, and it
depends only on the action and its network, not on the event. A spare is forked from the
zygote and enters the sandbox at once; the run that takes it sends only its job.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable

from runtime.invoke._process import Child


class Spares:
    """Started processes, ``size`` per key (what makes two interchangeable).

    A key gets spares from its second run on (a command that runs one action once must not
    pay for a process it never uses), and idle ones are kept for the last ``keys`` keys only:
    a test session that runs a different action in every test must not collect a process
    per test."""

    def __init__(self, *, size: int = 1, keys: int = 1, name: str = "hsrun-spares") -> None:
        self.size = size
        self.keys = keys
        self.name = name
        self._idle: dict[Hashable, list[Child]] = {}
        self._building: dict[Hashable, int] = {}
        self._seen: set[Hashable] = set()
        self._lock = threading.Lock()
        self._closed = False

    def take(self, key: Hashable, start: Callable[[], Child]) -> Child:
        """A started process for one run: an idle one of ``key`` when there is one, else
        ``start()`` now; replacements are started at once, off the run's path."""
        child: Child | None = None
        stale: list[Child] = []
        with self._lock:
            idle = self._idle.pop(key, [])
            self._idle[key] = idle  # the most recent key last
            while len(self._idle) > self.keys:
                old = next(iter(self._idle))
                stale += self._idle.pop(old)
            while idle and child is None:
                candidate = idle.pop(0)
                if candidate.wait_status(0) is None:
                    child = candidate
                else:
                    stale.append(candidate)
            missing = self.size - len(idle) - self._building.get(key, 0)
            if key not in self._seen or self._closed:
                self._seen.add(key)
                missing = 0
            if missing > 0:
                self._building[key] = self._building.get(key, 0) + missing
        if child is None:
            child = start()
        if stale or missing > 0:
            thread = threading.Thread(
                target=self._fill,
                args=(key, start, max(0, missing), stale),
                name=self.name,
                daemon=True,
            )
            thread.start()
        return child

    def _fill(
        self, key: Hashable, start: Callable[[], Child], count: int, stale: list[Child]
    ) -> None:
        stop(stale)
        for _ in range(count):
            try:
                child: Child | None = None if self._closed else start()
            except Exception:
                child = None  # the run that needs one starts its own, and reports why
            with self._lock:
                self._building[key] -= 1
                keep = child is not None and not self._closed and key in self._idle
                if keep and child is not None:
                    self._idle[key].append(child)
            if child is not None and not keep:
                stop([child])

    def close(self) -> None:
        """Stop every idle process (one being started is stopped once it is: a closed pool
        keeps no more)."""
        with self._lock:
            self._closed = True
            waiting = [child for idle in self._idle.values() for child in idle]
            self._idle.clear()
        stop(waiting)


def stop(children: list[Child]) -> None:
    for child in children:
        child.kill()
        child.wait_status(5.0)
        child.close()
