"""Slots: one action's kernel sandbox, built once and reused run after run.

On Lambda an execution environment is made once and then serves invocation after
invocation. A slot is hsrun's: a worker forked from the zygote enters the action's sandbox
(namespaces, its own root, loopback relayed to the gateway, a cgroup) and then acts as a
zygote inside it, forking a fresh process for every run. Each run still starts cold (a new
process, its own empty ``/tmp``, ``/dev/shm`` and ``/var/tmp``), and what a run leaves
running is killed before the next one starts (``sweep_slot`` in the bootstrap). What runs
of one slot share is what Lambda's warm environment shares: the sandbox itself (the root,
which is read-only, and the network namespace, which holds nothing once a run's processes
are gone), one run at a time.

Building a sandbox costs several milliseconds of kernel time; forking a process in one
costs what a plain fork does. A batch, a workflow, the daemon and the pytest fixtures run
the same action many times: a slot per action and concurrent run keeps the sandbox's price
off every run but the first.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Hashable

from runtime.errors import RunnerError
from runtime.invoke._process import Child, Zygote
from runtime.invoke._spares import most_recent
from runtime.invoke.sandbox import Sandbox, SlotRun, children, entered_pid

#: Above any pid the kernel gives (at most 2**22): a worker that was gone before it was found.
GONE = 1 << 30


class Slot(Zygote):
    """A zygote inside one action's sandbox (see the module's text)."""

    def __init__(self, zygote: Zygote, box: Sandbox) -> None:
        super().__init__(zygote.python, libs=zygote.libs)
        self.zygote = zygote
        self.box = box
        self.carrier: Child | None = None
        self._inner: dict[int, int] = {}
        self._host_pid: int | None = None

    def _launch(self) -> socket.socket:
        carrier = self.carrier = self.zygote.spawn(slot=self.box.spec)
        for fd in (carrier.out_fd, carrier.err_fd):
            os.close(fd)  # the slot writes nothing; each run has its own pipes
        carrier.out_fd = carrier.err_fd = -1
        return carrier.channel.sock

    @property
    def alive(self) -> bool:
        return self._sock is not None and not self._peer_gone

    def run_child(self) -> Child:
        """A fresh process for one run, in this slot's sandbox.

        Raises:
            RunnerError: the slot did not fork it (it died since its last run: the action
                of that run killed it, or the kernel's OOM killer did). Nothing ran; the
                caller takes another slot.
        """
        child = self.spawn()
        try:
            # Known before the job is sent, unlike a worker of the zygote: a slot that died
            # with its last run must fail here, where another slot can take the run.
            child.pid  # noqa: B018
        except RunnerError:
            child.close()
            raise
        child.sandbox = SlotRun.of(self.box)
        return child

    def _spawned_pid(self, pid: int) -> int:
        # The slot knows its workers by their pid in the sandbox's PID namespace; this
        # process signals and samples them by the pid it sees.
        try:
            host = self._find(pid)
        except RunnerError:
            # Gone before it was found (a run that ended at once): a pid no process can
            # have, for a kill that finds nothing and an exit status that is still recorded.
            host = GONE + pid
        self._inner[pid] = host
        return host

    def _exited_pid(self, pid: int) -> int:
        return self._inner.pop(pid, pid)

    def _find(self, inner: int) -> int:
        if self._host_pid is None:
            assert self.carrier is not None
            self._host_pid = entered_pid(self.carrier.pid)
            if self._host_pid is None:
                raise RunnerError("the slot's processes are gone")
        for pid in children(self._host_pid):
            if _ns_pids(pid)[-1:] == [inner]:
                return pid
        raise RunnerError("the slot's worker is gone")

    def close(self) -> None:
        super().close()
        if self.carrier is not None:
            self.carrier.kill()  # its init: the kernel ends every process in the sandbox
            self.carrier.wait_status(2.0)
            self.carrier.sandbox = None
            self.carrier.close()
            self.carrier = None
        self.box.close()


def _ns_pids(pid: int) -> list[int]:
    """A process's pid in each PID namespace it is in, this process's first."""
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"NSpid:"):
                    return [int(p) for p in line.split()[1:]]
    except OSError:
        pass
    return []


class Slots:
    """Idle slots per key (what makes two sandboxes interchangeable), for the last ``keys``
    keys: a test session that runs a different action in every test does not keep a
    sandbox per test. A slot serves one run at a time; a batch running N at once uses N."""

    def __init__(self, *, size: int, keys: int) -> None:
        self.size = size
        self.keys = keys
        self._idle: dict[Hashable, list[Slot]] = {}
        self._lock = threading.Lock()
        self._closed = False

    def run_child(self, key: Hashable, make: Callable[[], Slot]) -> tuple[Child, Slot]:
        """A process for one run in a slot of ``key`` (an idle one, else a new one); give the
        slot back with :meth:`release` once the run is over."""
        slot: Slot | None = None
        with self._lock:
            idle, stale = most_recent(self._idle, key, self.keys)
            while idle and slot is None:
                candidate = idle.pop()
                if candidate.alive:
                    slot = candidate
                else:
                    stale.append(candidate)
        for old in stale:
            old.close()
        if slot is not None:
            try:
                return slot.run_child(), slot
            except RunnerError:
                slot.close()  # it died between runs (the last run killed it): a new one
        slot = make()
        try:
            slot.start()
            return slot.run_child(), slot
        except BaseException:
            slot.close()
            raise

    def release(self, key: Hashable, slot: Slot) -> None:
        """The run in ``slot`` is over: keep it for the next run of ``key``."""
        with self._lock:
            idle = self._idle.get(key)
            if not self._closed and slot.alive and idle is not None and len(idle) < self.size:
                idle.append(slot)
                return
        slot.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            slots = [slot for idle in self._idle.values() for slot in idle]
            self._idle.clear()
        for slot in slots:
            slot.close()
