"""One invocation, seen from the parent: send the job, watch the clock and the memory, collect
the logs, and come back with what happened.

The parent owns the clock: at the deadline it kills the child's whole process group, whatever
the action is doing (HubSpot's 20 s are enforced by Lambda the same way, from outside).
"""

from __future__ import annotations

import os
import selectors
import signal
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from runtime.contract.record import LogLine, Stream
from runtime.errors import InterpreterError
from runtime.invoke._process import Child
from runtime.invoke.sandbox import NAMESPACES

#: Why the parent killed an action: the limit it went past.
KillReason = Literal["timeout", "memory", "processes", "interrupted"]

#: First memory sample after this long; a trivial action never pays for sampling.
FIRST_SAMPLE_S = 0.004
SAMPLE_EVERY_S = 0.005
PROCESS_SCAN_EVERY_S = 0.1
DRAIN_AFTER_KILL_S = 0.5
#: How long building a sandbox may take before the run's own clock starts anyway.
SANDBOX_SETUP_S = 10.0


@dataclass
class Outcome:
    """Raw facts about one invocation, before HubSpot's rules are applied."""

    message: dict[str, Any] | None = None  # the child's result or error message
    started: dict[str, Any] | None = None  # the child's "start" message
    killed_for: KillReason | None = None
    exit_status: int | None = None  # wait status when the child died on its own
    elapsed_s: float = 0.0
    #: The action process's whole peak (kB): its VmHWM plus ``inherited_kb``, Lambda's
    #: "Max Memory Used". The limit is checked against this figure.
    peak_kb: int = 0
    #: Memory the action's process inherited from the process it was forked from (a zygote,
    #: or in the sandbox the worker) but had not mapped yet: file pages of the interpreter
    #: and libraries. Included in ``peak_kb``.
    inherited_kb: int = 0
    logs: list[LogLine] = field(default_factory=list)
    logs_truncated: bool = False
    log_bytes_dropped: int = 0
    #: "namespaces" or "process" (None: no sandbox was asked for), and how limits were kept.
    isolation: str | None = None
    isolation_reason: str = ""
    enforcement: dict[str, str] = field(default_factory=dict)


class _LogCollector:
    """Splits the child's output into timestamped lines, keeping at most ``max_bytes``."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.kept = 0
        self.dropped = 0
        self.lines: list[LogLine] = []
        self._partial: dict[Stream, tuple[float, bytes]] = {}

    def feed(self, stream: Stream, data: bytes) -> None:
        now = time.time()
        if self.kept >= self.max_bytes:
            self.dropped += len(data)
            return
        start, buf = self._partial.get(stream, (now, b""))
        buf += data
        *complete, rest = buf.split(b"\n")
        for raw in complete:
            self._add(stream, start, raw)
            start = now
        if len(rest) > self.max_bytes:  # one endless line: keep what fits
            self._add(stream, start, rest)
            rest = b""
        if rest:
            self._partial[stream] = (start, rest)
        else:
            self._partial.pop(stream, None)

    def _add(self, stream: Stream, t: float, raw: bytes) -> None:
        # Each line counts as its bytes plus the newline.
        room = self.max_bytes - self.kept
        size = len(raw) + 1
        if room <= 1:
            self.dropped += size
            return
        if size > room:
            self.dropped += size - room
            raw = raw[: room - 1]
            size = room
        self.kept += size
        self.lines.append(LogLine(t, stream, raw.decode("utf-8", "backslashreplace")))

    def finish(self) -> None:
        for stream, (t, rest) in list(self._partial.items()):
            self._add(stream, t, rest)
        self._partial.clear()


def read_peak_kb(pid: int) -> tuple[int, int]:
    """(VmHWM, VmRSS) in kB from /proc; (0, 0) once the process is gone."""
    hwm = rss = 0
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmHWM:"):
                    hwm = int(line.split()[1])
                elif line.startswith(b"VmRSS:"):
                    rss = int(line.split()[1])
                    break
    except (OSError, ValueError):
        pass
    return hwm, rss


def count_group(pgid: int) -> int:
    """How many live processes are in process group ``pgid``."""
    count = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat.rsplit(b")", 1)[-1].split()
        if len(fields) > 2 and fields[0] != b"Z" and int(fields[2]) == pgid:
            count += 1
    return count


def run_job(
    child: Child,
    job: dict[str, Any],
    *,
    timeout_s: float,
    memory_limit_mb: int,
    max_processes: int,
    max_log_bytes: int,
    keep_alive: bool,
) -> Outcome:
    """Send ``job`` to ``child`` and supervise it until it answers, dies or is killed."""
    if not child.ready:
        _await_ready(child)  # before the selector: a child that never starts leaks nothing
    outcome = Outcome(inherited_kb=child.inherited_kb)
    logs = _LogCollector(max_log_bytes)
    limit_kb = memory_limit_mb * 1024
    sel = selectors.DefaultSelector()
    channel = child.channel
    box = child.sandbox
    sel.register(channel.sock, selectors.EVENT_READ, "control")
    open_streams: dict[int, Stream] = {child.out_fd: "stdout", child.err_fd: "stderr"}
    for fd in open_streams:
        os.set_blocking(fd, False)
        sel.register(fd, selectors.EVENT_READ, "stream")
    start = time.monotonic()
    deadline = start + timeout_s
    if box is not None and box.isolation is None:
        # HubSpot's clock starts at the handler, not while the sandbox is built: the
        # deadline restarts when the child says it is in (bounded if it never does).
        deadline += SANDBOX_SETUP_S
    next_sample = start + FIRST_SAMPLE_S
    next_scan = start + PROCESS_SCAN_EVERY_S
    try:
        channel.send(job)
    except (BrokenPipeError, ConnectionResetError):
        # It ended before the job reached it: a spare whose sandbox could not be entered
        # has already said why (read below), and any other ends as a child that died.
        pass
    try:
        while outcome.message is None and not channel.closed:
            now = time.monotonic()
            wait = max(0.0, min(deadline, next_sample) - now)
            for key, _ in sel.select(wait):
                if key.data == "control":
                    for msg in channel.feed():
                        if msg.get("type") == "start":
                            outcome.started = msg
                            _note_peak(outcome, int(msg.get("peak_kb") or 0))
                        elif msg.get("type") in ("result", "error"):
                            outcome.message = msg
                        elif msg.get("type") == "inherited":  # sent once per process
                            child.inherited_kb = outcome.inherited_kb = int(msg.get("kb") or 0)
                        elif msg.get("type") == "sandbox" and box is not None:
                            if box.isolation is None:
                                start = time.monotonic()
                                deadline = start + timeout_s
                            box.note(msg)
                    if channel.closed:
                        sel.unregister(channel.sock)
                else:
                    _read_stream(key.fd, open_streams, logs, sel)
            now = time.monotonic()
            if outcome.message is not None or channel.closed:
                break
            if now >= next_sample:
                # The same whole-process figure as the one reported, so the kill past the
                # limit and the figure beside it agree.
                if _sample(child, outcome) > limit_kb or _cgroup_oom(child):
                    outcome.killed_for = "memory"
                    break
                next_sample = now + SAMPLE_EVERY_S
            if now >= next_scan:
                if _processes(child) > max_processes:
                    outcome.killed_for = "processes"
                    break
                next_scan = now + PROCESS_SCAN_EVERY_S
            if now >= deadline:
                outcome.killed_for = "timeout"
                break
        outcome.elapsed_s = time.monotonic() - start
        if not channel.closed:
            sel.unregister(channel.sock)

        finished = outcome.message is not None
        if channel.invalid is not None:
            keep_alive = False  # a process that broke the protocol is not used again
        if finished and not outcome.killed_for and not keep_alive:
            # A cold run that answered: the child flushed its output before answering, and
            # Lambda freezes the sandbox once the handler returns. Stop whatever it left
            # running; its exit status tells nothing more.
            child.kill()
            _drain(open_streams, logs, sel, 0.0)
            child.release()
            child.close()
        elif outcome.killed_for or not finished:
            # Kills end here; a child that died on its own is reaped here.
            if outcome.killed_for:
                _sample(child, outcome)
            waited = None
            if not outcome.killed_for:
                # It died on its own: its status first (a sandbox's worker passes the
                # action's on once init has ended), then stop what it left behind.
                waited = child.wait_status(DRAIN_AFTER_KILL_S)
                if _cgroup_oom(child):
                    outcome.killed_for = "memory"  # the kernel's cgroup limit killed it
            child.kill()
            _drain(open_streams, logs, sel, DRAIN_AFTER_KILL_S)
            if waited is None:
                waited = child.wait_status(2.0)
            if waited is not None:
                status, maxrss_kb = waited
                # A forked worker's wait4 maxrss (0 for a direct child, whose exec'd copy
                # of the parent would inflate it): in the sandbox it also covers init and
                # the action, each of which misses what it inherited unmapped, as the
                # worker's own does.
                if maxrss_kb:
                    _note_peak(outcome, maxrss_kb)
                if not finished and not outcome.killed_for:
                    outcome.exit_status = status
            child.close()
        else:
            _drain(open_streams, logs, sel, 0.0)
        if outcome.message is not None:
            _note_peak(outcome, int(outcome.message.get("peak_kb") or 0))
        if box is not None:
            outcome.isolation, outcome.isolation_reason = box.isolation, box.reason
            outcome.enforcement = box.enforcement
            # The reported figure stays the action process's peak (Lambda's "Max Memory
            # Used"); the cgroup's also counts page cache, init and the worker, and only
            # enforces.
    finally:
        sel.close()
    logs.finish()
    outcome.logs = logs.lines
    outcome.log_bytes_dropped = logs.dropped
    outcome.logs_truncated = logs.dropped > 0
    return outcome


def _note_peak(outcome: Outcome, hwm_kb: int) -> int:
    """Take one VmHWM of the action's process: its whole figure (plus what it inherited
    unmapped) raises ``outcome.peak_kb``; returns that figure."""
    whole = hwm_kb + outcome.inherited_kb if hwm_kb else 0
    outcome.peak_kb = max(outcome.peak_kb, whole)
    return whole


def _sample(child: Child, outcome: Outcome) -> int:
    """Sample the action's process (see :func:`_note_peak`); 0 when it cannot be found."""
    pid = _action_pid(child)
    if pid is None:
        return 0
    hwm, _ = read_peak_kb(pid)
    return _note_peak(outcome, hwm)


def _action_pid(child: Child) -> int | None:
    """The process running the action: the worker itself, or in the sandbox, once entered,
    the action's process (None while it is not found: the worker is then only a relay whose
    own memory, loaded before the fork, is not the action's; adding the action's inherited
    share to it would count the interpreter twice)."""
    box = child.sandbox
    if box is None:
        return child.pid
    pid = box.action_pid(child.pid)
    if pid == child.pid and box.isolation == NAMESPACES:
        return None
    return pid


def _cgroup_oom(child: Child) -> bool:
    """Whether the run's cgroup (in a sandbox that was entered) saw the kernel's OOM kill."""
    box = child.sandbox
    if box is None or box.cgroup is None or box.isolation != "namespaces":
        return False
    return box.cgroup.oom_killed()


def _processes(child: Child) -> int:
    """The action's processes: the run's pids cgroup (less the worker and init), else the
    process group's members."""
    box = child.sandbox
    cgroup = box.cgroup if box is not None and box.isolation == "namespaces" else None
    if cgroup is not None and cgroup.pids is not None:
        return cgroup.processes() - cgroup.ours
    return count_group(child.pid)


def _await_ready(child: Child, limit_s: float = 60.0) -> None:
    """Wait for a direct child's interpreter to start: HubSpot's clock starts at the handler,
    not while the sandbox boots."""
    end = time.monotonic() + limit_s
    with selectors.DefaultSelector() as sel:
        sel.register(child.channel.sock, selectors.EVENT_READ)
        while not child.ready and not child.channel.closed and time.monotonic() < end:
            if sel.select(max(0.0, end - time.monotonic())):
                child.ready = any(m.get("type") == "ready" for m in child.channel.feed())
    if not child.ready:
        child.kill()
        child.wait_status(2.0)
        try:
            os.set_blocking(child.err_fd, False)
            stderr = os.read(child.err_fd, 4096).decode("utf-8", "replace").strip()
        except OSError:
            stderr = ""
        child.close()
        detail = f": {stderr}" if stderr else ""
        raise InterpreterError(
            f"the action's interpreter {child.python} did not start hsrun's bootstrap{detail} "
            "(--python takes a Python 3.9 or newer)"
        )


def _read_stream(
    fd: int, open_streams: dict[int, Stream], logs: _LogCollector, sel: selectors.BaseSelector
) -> None:
    try:
        data = os.read(fd, 1 << 16)
    except BlockingIOError:
        return
    except OSError:
        data = b""
    if not data:
        sel.unregister(fd)
        open_streams.pop(fd, None)
        return
    logs.feed(open_streams[fd], data)


def _drain(
    open_streams: dict[int, Stream],
    logs: _LogCollector,
    sel: selectors.BaseSelector,
    wait_s: float,
) -> None:
    """Read what the child already wrote; with ``wait_s``, until EOF or that long."""
    end = time.monotonic() + wait_s
    while open_streams:
        events = sel.select(max(0.0, end - time.monotonic()))
        if not events:
            return
        for key, _ in events:
            if key.fd in open_streams:
                _read_stream(key.fd, open_streams, logs, sel)


def describe_exit(status: int | None) -> str:
    """Lambda's wording for a runtime that exited on its own."""
    if status is None or status == 0:
        # A runtime that exits cleanly mid-invocation (sys.exit(0)) gives no reason either.
        return "Runtime exited without providing a reason"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        text = _SIGNAL_TEXT.get(signal.Signals(sig), signal.Signals(sig).name)
        return f"Runtime exited with error: signal: {text}"
    return f"Runtime exited with error: exit status {os.waitstatus_to_exitcode(status)}"


# How the Lambda service (written in Go) names a signal: Go's syscall.Signal strings.
_SIGNAL_TEXT = {
    signal.SIGHUP: "hangup",
    signal.SIGINT: "interrupt",
    signal.SIGQUIT: "quit",
    signal.SIGILL: "illegal instruction",
    signal.SIGTRAP: "trace/breakpoint trap",
    signal.SIGABRT: "aborted",
    signal.SIGBUS: "bus error",
    signal.SIGFPE: "floating point exception",
    signal.SIGKILL: "killed",
    signal.SIGUSR1: "user defined signal 1",
    signal.SIGSEGV: "segmentation fault",
    signal.SIGUSR2: "user defined signal 2",
    signal.SIGPIPE: "broken pipe",
    signal.SIGALRM: "alarm clock",
    signal.SIGTERM: "terminated",
}
