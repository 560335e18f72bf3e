"""Starting action processes: directly, or forked from a zygote that pre-imported HubSpot's
libraries.

Either way the parent gets a :class:`Child`: a pid that leads its own process group, a control
socket speaking the bootstrap's JSON protocol, and the read ends of its stdout and stderr pipes.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runtime.errors import RunnerError
from runtime.invoke import _early, _messages

if TYPE_CHECKING:
    from runtime.invoke.sandbox import Sandbox

BOOTSTRAP = Path(__file__).with_name("_child_python.py")
INTERPRETER_FLAGS = _early.INTERPRETER_FLAGS
PROTOCOL_VERSION = _messages.PROTOCOL_VERSION
ZYGOTE_PRELOAD = _early.PRELOAD


#: Bytes read from a child's control socket at a time.
RECV_SIZE = 65536


class Channel:
    """Newline-delimited JSON over the control socket (parent side)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = b""
        self.closed = False
        #: Why the child's last message was refused (it is not trusted again).
        self.invalid: str | None = None

    def send(self, msg: dict[str, Any]) -> None:
        msg = {**msg, "v": PROTOCOL_VERSION}
        self.sock.sendall(json.dumps(msg).encode() + b"\n")

    def feed(self) -> list[dict[str, Any]]:
        """Read what is available (the socket is readable) and return complete messages.

        A message the protocol does not allow (the action's code can write to this socket)
        ends the channel with one ``Runtime.InvalidMessage`` error in its place; the buffer
        never holds more than one message's worth.
        """
        try:
            # 64 KiB, not 1 MiB: each recv of a larger buffer costs ~20 µs more (the kernel
            # allocates and copies for the size asked), and a result message is small; a
            # large one arrives over several reads.
            chunk = self.sock.recv(RECV_SIZE)
        except (BlockingIOError, InterruptedError):
            return []
        except OSError:
            chunk = b""
        if not chunk:
            self.closed = True
            return []
        self.buf += chunk
        messages: list[dict[str, Any]] = []
        while b"\n" in self.buf:
            line, _, self.buf = self.buf.partition(b"\n")
            if len(line) > _messages.MAX_MESSAGE_BYTES:
                return self._invalid(messages, "over 16 MiB")
            try:
                messages.append(_messages.parse(line))
            except _messages.InvalidMessage as exc:
                return self._invalid(messages, str(exc))
        if len(self.buf) > _messages.MAX_MESSAGE_BYTES:
            return self._invalid(messages, "over 16 MiB")
        return messages

    def _invalid(self, messages: list[dict[str, Any]], reason: str) -> list[dict[str, Any]]:
        self.invalid = reason
        self.closed = True
        self.buf = b""
        return [*messages, _messages.invalid_error(reason)]


class Child:
    """One live action process."""

    def __init__(
        self,
        pid: int | Callable[[], int],
        control: socket.socket,
        out_fd: int,
        err_fd: int,
        waiter: _Waiter,
    ) -> None:
        # A forked worker's pid arrives from the zygote while the job is already on its way:
        # it is resolved on first use (the first memory sample, a kill, a wait).
        self._pid = pid if isinstance(pid, int) else None
        self._resolve = pid if not isinstance(pid, int) else None
        self.channel = Channel(control)
        self.out_fd = out_fd
        self.err_fd = err_fd
        self._waiter = waiter
        self.dead = False
        #: A forked worker is ready at once; a direct child says so once its imports are done.
        self.ready = True
        self.python = sys.executable
        #: The library folder first on its sys.path (None: hsrun's own environment).
        self.libs: str | None = None
        #: Inherited memory it had not mapped when forked (kB; see ``Outcome.inherited_kb``).
        self.inherited_kb = 0
        #: Its kernel sandbox (``runtime.invoke.sandbox.Sandbox``), once the runner asked.
        self.sandbox: Sandbox | None = None
        #: The cgroup the launcher put it in as it started, for its sandbox to adopt.
        self.early_cgroup: Callable[[], tuple[int, str, str | None] | None] | None = None

    @property
    def pid(self) -> int:
        if self._pid is None:
            assert self._resolve is not None
            self._pid = self._resolve()
        return self._pid

    def release(self) -> None:
        """The exit status of this finished worker will not be asked for: do not keep it."""
        self._waiter.release(self.pid)

    def kill(self) -> None:
        """SIGKILL the whole process group (the action and anything it started)."""
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            # Not yet the leader of its own group (a sandbox's wrapper makes its session only
            # once it runs): it has started nothing yet, so it alone is killed.
            try:
                os.kill(self.pid, signal.SIGKILL)
            except OSError:
                pass

    def wait_status(self, timeout: float) -> tuple[int, int] | None:
        """(wait status, peak memory in kB) once the process has exited, or None."""
        return self._waiter.wait(self.pid, timeout)

    def close(self) -> None:
        self.dead = True
        if self.sandbox is not None:
            self.sandbox.close()
        for fd in (self.out_fd, self.err_fd):
            try:
                os.close(fd)
            except OSError:
                pass
        self.channel.sock.close()


class _Adopted:
    """A direct child started without ``subprocess`` (:mod:`._early`): what the waiter needs."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None


class _Waiter:
    """Exit statuses and peak memory (``wait4``'s maxrss): from ``wait4`` for direct children,
    from the zygote for forked ones."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._statuses: dict[int, tuple[int, int]] = {}
        self._released: set[int] = set()
        self._procs: dict[int, subprocess.Popen[bytes] | _Adopted] = {}

    def track(self, proc: subprocess.Popen[bytes] | _Adopted) -> None:
        self._procs[proc.pid] = proc

    def record(self, pid: int, status: int, maxrss_kb: int) -> None:
        with self._cond:
            if pid in self._released:
                self._released.discard(pid)
                return
            self._statuses[pid] = (status, maxrss_kb)
            self._cond.notify_all()

    def release(self, pid: int) -> None:
        proc = self._procs.get(pid)
        if proc is not None:
            # A direct child is still reaped, or it stays a zombie; off the run's path, since
            # a killed process takes milliseconds to exit.
            threading.Thread(
                target=self._wait_direct, args=(proc, 5.0), name="hsrun-reap", daemon=True
            ).start()
            return
        with self._cond:
            if self._statuses.pop(pid, None) is None:
                self._released.add(pid)

    def wait(self, pid: int, timeout: float) -> tuple[int, int] | None:
        proc = self._procs.get(pid)
        if proc is not None:
            return self._wait_direct(proc, timeout)
        with self._cond:
            self._cond.wait_for(lambda: pid in self._statuses, timeout)
            return self._statuses.pop(pid, None)

    def _wait_direct(
        self, proc: subprocess.Popen[bytes] | _Adopted, timeout: float
    ) -> tuple[int, int] | None:
        end = time.monotonic() + timeout
        delay = 0.0005
        while True:
            try:
                pid, status, _usage = os.wait4(proc.pid, os.WNOHANG)
            except ChildProcessError:
                self._procs.pop(proc.pid, None)
                return None
            if pid:
                self._procs.pop(proc.pid, None)
                proc.returncode = os.waitstatus_to_exitcode(status)
                # wait4's maxrss of an exec'd child includes its pre-exec copy of the
                # parent; a large parent (a test suite) would inflate it. Peak memory of a
                # direct child comes from its own VmHWM instead.
                return status, 0
            if time.monotonic() >= end:
                return None
            time.sleep(delay)
            delay = min(delay * 2, 0.02)


def child_base_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment an action process starts with: nothing of the parent's."""
    env = dict(_early.BASE_ENV)
    env.update(extra or {})
    return env


def _pipes() -> tuple[int, int, int, int]:
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    return out_r, out_w, err_r, err_w


def _path_args(libs: str | None) -> list[str]:
    """The bootstrap's ``--path``: a library folder put first on the action's ``sys.path``."""
    return ["--path", libs] if libs else []


def spawn_direct(
    python: str,
    env: Mapping[str, str],
    preload: tuple[str, ...] = (),
    *,
    libs: str | None = None,
) -> Child:
    """Start one bootstrap process (no zygote). Used for one-shot CLI runs.

    Args:
        python: the interpreter.
        env: its whole environment.
        preload: modules to import before the first job.
        libs: a library folder to import from first (HubSpot's library versions).
    """
    return spawn_bootstrap(
        lambda control_fd: _early.command(python, control_fd, libs, preload),
        env,
        label=f"the action interpreter {python}",
        interpreter=python,
        libs=libs,
    )


def spawn_bootstrap(
    command: Callable[[int], list[str]],
    env: Mapping[str, str],
    *,
    label: str,
    interpreter: str,
    libs: str | None,
    new_session: bool = True,
) -> Child:
    """Start one child bootstrap (Python or Node.js) with its control socket and log pipes.

    Args:
        command: builds the command line from the child's end of the control socket.
        env: the child's whole environment.
        label: what is started, for the error when it cannot be.
        interpreter: recorded on the child (the interpreter or ``node`` that runs it).
        libs: the library folder it imports from first, recorded on the child.
        new_session: make the child lead its own process group (a sandbox wrapper that
            makes its own session passes False).
    """
    parent_sock, child_sock = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    out_r, out_w, err_r, err_w = _pipes()
    waiter = _Waiter()
    try:
        proc = subprocess.Popen(
            command(child_sock.fileno()),
            stdin=subprocess.DEVNULL,
            stdout=out_w,
            stderr=err_w,
            pass_fds=(child_sock.fileno(),),
            env=dict(env),
            start_new_session=new_session,
            close_fds=True,
        )
    except OSError as exc:
        for fd in (out_r, out_w, err_r, err_w):
            os.close(fd)
        parent_sock.close()
        raise RunnerError(f"cannot start {label}: {exc}") from exc
    finally:
        child_sock.close()
    os.close(out_w)
    os.close(err_w)
    waiter.track(proc)
    child = Child(proc.pid, parent_sock, out_r, err_r, waiter)
    child.ready = False
    child.python = interpreter
    child.libs = libs
    return child


def prespawn(python: str | None = None, *, libs: str | None = None) -> None:
    """Start a direct child now, so its interpreter and HubSpot's libraries load while the
    parent is still parsing arguments (the one-shot CLI's critical path; the console script
    calls :func:`._early.start` itself, before importing this module)."""
    _early.start(libs, python)


def _adopt(started: _early.Started) -> Child:
    waiter = _Waiter()
    waiter.track(_Adopted(started.pid))
    control = socket.socket(fileno=started.control_fd)
    child = Child(started.pid, control, started.out_r, started.err_r, waiter)
    child.ready = False
    child.python, child.libs = started.python, started.libs
    child.early_cgroup = started.cgroup
    return child


def take_prespawned(python: str, libs: str | None = None) -> Child | None:
    """The child started by :func:`prespawn`, once, if it runs ``python`` with the library
    folder ``libs`` (a child that guessed another folder is stopped: it has the wrong
    libraries loaded)."""
    started = _early.take()
    child = _adopt(started) if started is not None else None
    if child is not None and (child.python != python or child.libs != libs):
        child.kill()
        child.wait_status(1.0)
        child.close()
        return None
    return child


_shared_zygote: str | None = None
_shared_zygote_libs: str | None = None


def use_shared_zygote(address: str | None, libs: str | None = None) -> None:
    """Make every :class:`~runtime.invoke.Runner` in this process fork its workers from the
    zygote listening at ``address`` instead of starting its own (``None``: start their own).

    The CLI daemon's request handlers set this before running a command, so their actions
    come from the daemon's zygote: cheap to fork, and as small as a zygote of their own.
    ``libs`` is the library folder that zygote imported from first; runs that need another
    one start their own zygote.
    """
    global _shared_zygote, _shared_zygote_libs
    _shared_zygote, _shared_zygote_libs = address, libs


def shared_zygote_address(libs: str | None = None) -> str | None:
    """The address set by :func:`use_shared_zygote`, if any and its zygote imported from
    the library folder ``libs``."""
    return _shared_zygote if _shared_zygote_libs == libs else None


def _zygote_command(
    python: str, control_fd: int, listen_fd: int | None = None, libs: str | None = None
) -> list[str]:
    command = [python, *INTERPRETER_FLAGS, str(BOOTSTRAP), "--mode", "zygote"]
    command += ["--control-fd", str(control_fd)]
    if listen_fd is not None:
        command += ["--listen-fd", str(listen_fd)]
    return [*command, *_path_args(libs), "--preload", ",".join(ZYGOTE_PRELOAD)]


class ZygoteStartError(RunnerError):
    """A zygote (or a slot) that ended as it started; ``stage`` says where, for a slot whose
    sandbox could not be built (``"unshare"``: the kernel refuses namespaces)."""

    def __init__(self, message: str, stage: str = "") -> None:
        super().__init__(message)
        self.stage = stage


class Zygote:
    """A long-lived process that has imported HubSpot's libraries and forks workers.

    By default it starts its own zygote process and talks to it over a socketpair. With
    ``address`` it connects to a zygote that a :class:`SharedZygote` serves on that unix
    socket instead; ``close`` then only disconnects (and the zygote kills the workers this
    connection left running). ``libs`` is a library folder the zygote imports from first
    (for a shared zygote: the one it was started with).
    """

    def __init__(
        self,
        python: str | None = None,
        env: Mapping[str, str] | None = None,
        *,
        address: str | None = None,
        libs: str | None = None,
    ) -> None:
        self.python = python or sys.executable
        self.address = address
        self.libs = libs
        self._env = child_base_env(env)
        self._sock: socket.socket | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._waiter = _Waiter()
        self._lock = threading.Lock()
        self._spawned: dict[int, int] = {}
        self._spawned_cond = threading.Condition()
        self._ready = threading.Event()
        self._peer_gone = False
        self._next_id = 0
        self._reader: threading.Thread | None = None
        #: Why it failed to start (a slot whose sandbox could not be built), and at what stage.
        self.error: str | None = None
        self.error_stage = ""

    @property
    def alive(self) -> bool:
        if self._sock is None or self._peer_gone:
            return False
        return self.address is not None or (self._proc is not None and self._proc.poll() is None)

    def start(self, timeout: float = 30.0) -> None:
        """Start (or connect to) the zygote and wait until its libraries are imported."""
        if self.alive:
            return
        if self.address is not None:
            self._sock = self._connect(self.address, timeout)
        else:
            self._sock = self._launch()
        self._peer_gone = False
        self._ready.clear()
        self._reader = threading.Thread(target=self._read, name="hsrun-zygote", daemon=True)
        self._reader.start()
        if not self._ready.wait(timeout):
            self.close()
            raise RunnerError(f"the zygote did not start within {timeout:.0f} s")
        if self.error is not None or self._peer_gone:
            self.close()
            raise ZygoteStartError(self.error or "the zygote ended as it started", self.error_stage)

    def _launch(self) -> socket.socket:
        parent_sock, child_sock = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self._proc = subprocess.Popen(
                _zygote_command(self.python, child_sock.fileno(), libs=self.libs),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                pass_fds=(child_sock.fileno(),),
                env=self._env,
                start_new_session=True,
            )
        except OSError as exc:
            parent_sock.close()
            raise RunnerError(f"cannot start the zygote with {self.python}: {exc}") from exc
        finally:
            child_sock.close()
        return parent_sock

    @staticmethod
    def _connect(address: str, timeout: float) -> socket.socket:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            sock.settimeout(timeout)
            sock.connect(address)
            sock.settimeout(None)
        except OSError as exc:
            sock.close()
            raise RunnerError(f"cannot reach the zygote at {address}: {exc}") from exc
        return sock

    def _read(self) -> None:
        sock = self._sock
        assert sock is not None
        while True:
            try:
                data = sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                self._peer_gone = True
                self._ready.set()
                with self._spawned_cond:
                    self._spawned_cond.notify_all()
                return
            try:
                msg = json.loads(data)
                kind = msg.get("type")
                if kind == "ready":
                    self._ready.set()
                elif kind == "error":
                    self.error = str(msg.get("message") or "the zygote failed")
                    self.error_stage = str(msg.get("stage") or "")
                    self._ready.set()
                elif kind == "spawned":
                    pid = self._spawned_pid(int(msg["pid"]))
                    with self._spawned_cond:
                        self._spawned[msg["id"]] = pid
                        self._spawned_cond.notify_all()
                elif kind == "exited":
                    pid = self._exited_pid(int(msg["pid"]))
                    self._waiter.record(pid, msg["status"], msg.get("maxrss", 0))
            except (ValueError, KeyError, TypeError, AttributeError, RunnerError):
                continue  # not the zygote's protocol (a slot runs the action's code beside it)

    def _spawned_pid(self, pid: int) -> int:
        """A forked worker's pid as this process knows it (a slot translates its own)."""
        return pid

    def _exited_pid(self, pid: int) -> int:
        return pid

    def spawn(
        self, *, exec_plan: dict[str, Any] | None = None, slot: dict[str, Any] | None = None
    ) -> Child:
        """Fork one worker from the zygote.

        Args:
            exec_plan: make the worker another program instead (a Node.js child): it enters
                ``exec_plan["sandbox"]`` and executes ``exec_plan["argv"]`` (``{control_fd}``
                in it replaced by its end of the control socket) with ``exec_plan["env"]``,
                as ``sandbox.wrap_command`` would, without an interpreter started for it.
            slot: make the worker a slot instead (``runtime.invoke._slots``): it enters this
                sandbox plan and forks workers inside it; its control socket is then a
                SOCK_SEQPACKET one, speaking the zygote's protocol.
        """
        if not self.alive:
            self.start()
        sock = self._sock
        assert sock is not None
        kind = socket.SOCK_SEQPACKET if slot is not None else socket.SOCK_STREAM
        parent_sock, child_sock = socket.socketpair(socket.AF_UNIX, kind)
        out_r, out_w, err_r, err_w = _pipes()
        with self._lock:
            self._next_id += 1
            request_id = self._next_id
            try:
                request: dict[str, Any] = {"type": "spawn", "id": request_id, "v": 1}
                if exec_plan is not None:
                    request["exec"] = exec_plan
                if slot is not None:
                    request["slot"] = slot
                socket.send_fds(
                    sock, [json.dumps(request).encode()], [child_sock.fileno(), out_w, err_w]
                )
            except OSError as exc:
                for fd in (out_r, err_r):
                    os.close(fd)
                parent_sock.close()
                raise RunnerError(f"the zygote is gone: {exc}") from exc
            finally:
                child_sock.close()
                os.close(out_w)
                os.close(err_w)

        def resolve() -> int:
            with self._spawned_cond:
                self._spawned_cond.wait_for(
                    lambda: request_id in self._spawned or not self.alive, 10.0
                )
                pid = self._spawned.pop(request_id, None)
            if pid is None:
                raise RunnerError("the zygote did not fork a worker")
            return pid

        child = Child(resolve, parent_sock, out_r, err_r, self._waiter)
        child.python, child.libs = self.python, self.libs
        if exec_plan is not None:
            child.ready = False  # the program it becomes says when it is
        return child

    def close(self) -> None:
        """Stop the zygote, or disconnect from a shared one (workers of an owned zygote are
        separate process groups and are not touched)."""
        if self._sock is not None:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._sock.close()
            self._sock = None
        if self._proc is not None:
            try:
                self._proc.wait(2)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None
        if self._reader is not None:
            self._reader.join(2)
            self._reader = None


class SharedZygote:
    """A zygote that forks workers for any process of this user that connects to it.

    It listens on a SOCK_SEQPACKET unix socket at ``address`` (mode 0600; keep it in a 0700
    folder), one connection per client, each answered on its own connection; clients use
    ``Zygote(address=...)``. The owner only starts it, checks it and stops it, and needs no
    thread for that, so the owner may fork safely while it runs. ``libs`` is a library folder
    it imports from first; change it and :meth:`start` again to serve another one.
    """

    def __init__(self, address: str, python: str | None = None, libs: str | None = None) -> None:
        self.address = address
        self.python = python or sys.executable
        self.libs = libs
        self._sock: socket.socket | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._inode: int | None = None
        self._retired: list[subprocess.Popen[bytes]] = []

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 30.0) -> None:
        """Start the zygote and wait until its libraries are imported."""
        if self.alive:
            return
        self.close()
        listener = listen_unix(self.address, socket.SOCK_SEQPACKET)
        self._inode = os.stat(self.address).st_ino
        parent_sock, child_sock = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self._proc = subprocess.Popen(
                _zygote_command(self.python, child_sock.fileno(), listener.fileno(), self.libs),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                pass_fds=(child_sock.fileno(), listener.fileno()),
                env=child_base_env(),
                start_new_session=True,
            )
        except OSError as exc:
            parent_sock.close()
            self._unlink()
            raise RunnerError(f"cannot start the zygote with {self.python}: {exc}") from exc
        finally:
            child_sock.close()
            listener.close()
        self._sock = parent_sock
        parent_sock.settimeout(timeout)
        try:
            ready = json.loads(parent_sock.recv(65536) or b"{}").get("type") == "ready"
        except (OSError, ValueError):
            ready = False
        parent_sock.settimeout(None)
        if not ready:
            self.close()
            raise RunnerError(f"the zygote did not start within {timeout:.0f} s")

    def retire(self) -> None:
        """Stop accepting clients without waiting: the zygote serves the clients it has
        (their running actions are its children and die with it) and exits after the last
        one; :meth:`start` may start the next zygote at once."""
        self._unlink()
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self._proc is not None:
            self._retired.append(self._proc)
            self._proc = None
        self._retired = [proc for proc in self._retired if proc.poll() is None]

    def forget(self) -> None:
        """In a forked child of the owner: drop the owner's end without stopping anything."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        self._proc = None
        self._retired = []

    def close(self, timeout: float = 2.0) -> None:
        """Stop accepting clients; the zygote exits once its connected clients are gone."""
        self._unlink()
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self._proc is not None:
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None
        for proc in self._retired:
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._retired = []

    def _unlink(self) -> None:
        # Only our own socket file: another owner may have bound the same path since.
        try:
            if self._inode is not None and os.stat(self.address).st_ino == self._inode:
                os.unlink(self.address)
        except OSError:
            pass
        self._inode = None


def listen_unix(path: str, kind: socket.SocketKind) -> socket.socket:
    """A unix socket listening at ``path`` with mode 0600, replacing a stale socket file.

    Raises:
        RunnerError: the path is too long for a unix socket, or cannot be bound.
    """
    if len(os.fsencode(path)) >= 108:
        raise RunnerError(
            f"{path}: too long for a unix socket (107 bytes at most); "
            "set HSRUN_HOME to a shorter folder"
        )
    sock = socket.socket(socket.AF_UNIX, kind)
    try:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        # Never visible to others, not even between bind and chmod.
        old_umask = os.umask(0o177)
        try:
            sock.bind(path)
        finally:
            os.umask(old_umask)
        os.chmod(path, 0o600)
        sock.listen(64)
    except OSError as exc:
        sock.close()
        raise RunnerError(f"cannot listen on {path}: {exc}") from exc
    return sock
