"""The daemon process: accept commands, fork a handler per command, report exit codes.

One thread and a selector, so forking is always safe (no other thread can hold a lock the
handler would inherit). A command goes through three steps on its connection:

1. ``run`` (with the client's fds 0-2): checked against this daemon's Python setup, build,
   code and state folder; the answer is ``accepted`` or ``refused`` (the client then runs
   the command itself). Another build, or a loaded file changed since the start, also makes
   the daemon stop: its code is stale.
2. ``go``: the client is committed; a handler is forked (:mod:`runtime.daemon._handler`).
   Until then nothing has run, so a daemon that stops answers ``refused``, never silence.
3. ``cancel`` or the client hanging up: SIGINT to the handler's process group (the CLI
   exits 130 as on Ctrl-C, its Runner kills the action), SIGKILL after a grace period.
   When the handler is reaped, its exit code goes back as ``exit``.
"""

from __future__ import annotations

import fcntl
import gc
import importlib
import json
import os
import pkgutil
import selectors
import signal
import socket
import sys
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from runtime._wire import (
    LIBS_DIRNAME,
    LOCK_NAME,
    PROTOCOL_VERSION,
    PYTHON_LIBS_NAME,
    SOCKET_NAME,
    ZYGOTE_SOCKET_NAME,
    FrameBuffer,
    FrameError,
    build_id,
    interpreter_setup,
    library_path,
    send_frame,
)
from runtime.invoke._process import SharedZygote, listen_unix

#: After a cancel, how long the handler has to clean up (kill the action, write the journal).
CANCEL_GRACE_S = 2.0
#: A client that connects but never gets to ``go`` is dropped after this long.
HANDSHAKE_TIMEOUT_S = 30.0
#: How often the daemon checks its socket file is still there.
WATCH_EVERY_S = 0.5

#: What the forwarded commands import; a handler forked after these finds them loaded.
#: HubSpot's libraries are not among them: only actions use them, and actions are forked
#: from the zygote, which has them loaded.
PRELOAD_PACKAGES = (
    "runtime.cli",
    "runtime.contract",
    "runtime.invoke",
    "runtime.journal",
    "runtime.secrets",
    "runtime.fake_hubspot",
    "runtime.packaging",
)
PRELOAD_MODULES = (
    "pydantic.type_adapter",
    "rich.console",
    "rich.panel",
    "rich.progress",
    "rich.table",
    "rich.text",
    "typer.main",
)
#: Not modules of the CLI: the child bootstrap is a script run by other interpreters.
PRELOAD_SKIP = ("runtime.invoke._child_python",)


def log(message: str) -> None:
    """One line in ``daemon.log`` (the daemon's stderr)."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
    print(f"{stamp} [{os.getpid()}] {message}", file=sys.stderr, flush=True)


def preload() -> None:
    """Import everything a forwarded command needs, then freeze it for cheap forks.

    Every module of the CLI's packages, not just those a command happens to import: hsrun's
    modules do nothing when imported (settings are read lazily, nothing registers itself),
    so importing more changes nothing but what a handler still has to import.
    """
    for name in PRELOAD_MODULES:
        _import(name)
    for package in PRELOAD_PACKAGES:
        module = _import(package)
        path = getattr(module, "__path__", None)
        if path is None:
            continue
        for info in pkgutil.walk_packages(path, prefix=f"{package}.", onerror=lambda _: None):
            if not info.name.endswith("__main__") and not info.name.startswith(PRELOAD_SKIP):
                _import(info.name)
    _prebuild_cli()
    _warm_rendering()
    gc.collect()
    # Handlers are forks: objects moved out of the collector's reach are never written to
    # by it, so their pages stay shared instead of being copied into every handler.
    gc.freeze()


def _prebuild_cli() -> None:
    """Build the CLI's click command tree once, here, instead of in every handler.

    typer rebuilds it from every command's signature on each call (~40 ms: inspect and
    annotation evaluation); it depends only on the code, which :class:`CodeSnapshot` watches.
    ``Typer.__call__`` looks ``get_command`` up in ``typer.main``, so answering from there
    is enough; were typer to stop doing so, handlers would just build it again.
    """
    import typer.main

    from runtime.cli import app

    build = typer.main.get_command
    built = build(app)

    def get_command(typer_instance: typer.Typer) -> Any:
        return built if typer_instance is app else build(typer_instance)

    typer.main.get_command = get_command


def _warm_rendering() -> None:
    """Render once off-screen: rich loads its emoji and cell-width tables on first use."""
    import io

    from rich.console import Console
    from rich.panel import Panel

    Console(file=io.StringIO(), width=80).print(Panel("✔ ⚠ é 漢 :warning:", title="hsrun"))


def _import(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except Exception as exc:
        # A handler imports it again and fails exactly as a fresh hsrun would.
        log(f"preload: cannot import {name}: {type(exc).__name__}: {exc}")
        return None


class CodeSnapshot:
    """The code a daemon runs, to notice when it has gone stale: size and mtime of every file
    of the ``runtime`` package it imported, and the distributions on its library path (a
    ``pip install`` renames their ``.dist-info`` folders).

    Files are stat'ed before anything is imported and narrowed to the imported ones after,
    so an edit made while the daemon was importing still counts as a change.
    """

    def __init__(self) -> None:
        package = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
        self.files = dict(_stat_tree(package))
        self.dists = _distributions()

    def keep_loaded(self) -> None:
        """Watch only the files that were imported: a file added later changes nothing."""
        loaded = {
            os.path.realpath(path)
            for module in list(sys.modules.values())
            if isinstance(path := getattr(module, "__file__", None), str)
        }
        self.files = {path: stamp for path, stamp in self.files.items() if path in loaded}

    def changed(self) -> str | None:
        """The first loaded file or distribution that changed since, if any."""
        for path, stamp in self.files.items():
            try:
                now = os.stat(path)
            except OSError:
                return path
            if (now.st_mtime_ns, now.st_size) != stamp:
                return path
        if _distributions() != self.dists:
            return "the installed distributions"
        return None


def _stat_tree(folder: str) -> Iterator[tuple[str, tuple[int, int]]]:
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name != "__pycache__":
                    yield from _stat_tree(entry.path)
            elif entry.name.endswith(".py"):
                stat = entry.stat()
                yield entry.path, (stat.st_mtime_ns, stat.st_size)


def _distributions() -> set[str]:
    names: set[str] = set()
    for folder in library_path():
        try:
            with os.scandir(folder or ".") as entries:
                names.update(e.name for e in entries if e.name.endswith(_DIST_SUFFIXES))
        except OSError:
            continue
    return names


_DIST_SUFFIXES = (".dist-info", ".egg-info", ".egg-link", ".pth")


@dataclass(eq=False)
class _Conn:
    """One client connection and the command it carries."""

    sock: socket.socket
    opened_at: float = field(default_factory=time.monotonic)
    frames: FrameBuffer = field(default_factory=FrameBuffer)
    fds: list[int] = field(default_factory=list)
    phase: Literal["new", "accepted", "running"] = "new"
    request: dict[str, Any] | None = None
    pid: int | None = None
    kill_at: float | None = None

    def close_fds(self) -> None:
        for fd in self.fds:
            try:
                os.close(fd)
            except OSError:
                pass
        self.fds = []


class Daemon:
    """Serves one state folder until stopped, idle, or made stale."""

    def __init__(self, home: str, *, idle_s: float, libs_path: str | None = None) -> None:
        self.home = home
        #: The project's library folder (``Settings.libs_path``): the project's, not the
        #: state folder's, so that an ``HSRUN_HOME`` elsewhere still sees the installed set.
        self.libs_path = libs_path or os.path.join(home, LIBS_DIRNAME, PYTHON_LIBS_NAME)
        self.address = os.path.join(home, SOCKET_NAME)
        self.idle_s = idle_s
        self.build = build_id()
        # Taken before the preload: files edited after this make the daemon stale.
        self.code = CodeSnapshot()
        self.setup = json.loads(json.dumps(interpreter_setup()))
        self.started_at = time.time()
        self.served = 0
        self.zygote = SharedZygote(os.path.join(home, ZYGOTE_SOCKET_NAME))
        self._sel = selectors.DefaultSelector()
        self._listener: socket.socket | None = None
        self._inode: int | None = None
        self._lock_fd: int | None = None
        self._wake: tuple[int, int] | None = None
        self._conns: dict[int, _Conn] = {}  # socket fd -> connection
        self._handlers: dict[int, _Conn] = {}  # handler pid -> its connection
        self._last_active = time.monotonic()
        self._next_watch = 0.0
        self._stopping: str | None = None
        self._signalled: int | None = None

    # -- lifecycle -----------------------------------------------------------------------

    def claim(self) -> None:
        """Take the state folder's lock: one daemon per folder. Raises DaemonError."""
        from runtime.errors import DaemonError

        lock_fd = os.open(os.path.join(self.home, LOCK_NAME), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(lock_fd)
            raise DaemonError(f"a daemon already serves {self.home}") from None
        self._lock_fd = lock_fd

    def open(self) -> None:
        """Start the zygote and listen (after :meth:`claim` and the preload)."""
        self.code.keep_loaded()
        self._last_active = time.monotonic()  # idle from now, not from before the preload
        self.zygote.libs = self._libs()
        self.zygote.start()
        self._listener = listen_unix(self.address, socket.SOCK_STREAM)
        self._inode = os.stat(self.address).st_ino
        self._sel.register(self._listener, selectors.EVENT_READ, None)
        wake_r, wake_w = os.pipe()
        os.set_blocking(wake_r, False)
        os.set_blocking(wake_w, False)
        self._wake = (wake_r, wake_w)
        self._sel.register(wake_r, selectors.EVENT_READ, "wake")
        signal.set_wakeup_fd(wake_w)
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, self._on_signal)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        log(f"serving {self.home} (exits after {self.idle_s:g} s idle)")

    def serve(self) -> None:
        """Run until stopped and every handler is reaped."""
        try:
            while self._stopping is None or self._handlers:
                for key, _ in self._sel.select(self._timeout()):
                    if key.data is None:
                        self._accept()
                    elif key.data == "wake":
                        self._drain_wake()
                    else:
                        self._serve_conn(key.data)
                self._reap()
                self._tick()
        finally:
            self.close()

    def stop(self, reason: str, *, cancel: bool = True) -> None:
        """Stop accepting; cancel running commands, or (``cancel=False``) let them end."""
        if self._stopping is None:
            self._stopping = reason
            log(f"stopping: {reason}")
            self._close_listener()
        for conn in list(self._conns.values()):
            if conn.phase != "running":
                if conn.phase == "accepted":
                    self._reply(conn, {"type": "refused", "reason": reason})
                self._drop(conn)
            elif cancel:
                self._cancel(conn)

    def close(self) -> None:
        self._close_listener()
        for conn in list(self._conns.values()):
            self._drop(conn)
        self.zygote.close()
        self._sel.close()
        if self._wake is not None:
            signal.set_wakeup_fd(-1)
            for fd in self._wake:
                os.close(fd)
            self._wake = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
        log(f"stopped after {self.served} commands")

    def _close_listener(self) -> None:
        if self._listener is None:
            return
        self._sel.unregister(self._listener)
        self._listener.close()
        self._listener = None
        try:
            if os.stat(self.address).st_ino == self._inode:
                os.unlink(self.address)
        except OSError:
            pass

    def _on_signal(self, signum: int, _frame: object) -> None:
        self._signalled = signum

    def _drain_wake(self) -> None:
        assert self._wake is not None
        try:
            while os.read(self._wake[0], 4096):
                pass
        except BlockingIOError:
            pass

    def _timeout(self) -> float:
        now = time.monotonic()
        wait = WATCH_EVERY_S
        if self._stopping is None and not self._handlers:
            wait = min(wait, max(0.0, self._last_active + self.idle_s - now))
        for conn in self._handlers.values():
            if conn.kill_at is not None:
                wait = min(wait, max(0.0, conn.kill_at - now))
        return wait

    def _tick(self) -> None:
        now = time.monotonic()
        if self._signalled is not None:
            self.stop(f"signal {signal.Signals(self._signalled).name}")
            self._signalled = None
        for conn in list(self._conns.values()):
            if conn.phase != "running" and now - conn.opened_at > HANDSHAKE_TIMEOUT_S:
                self._drop(conn)
            elif conn.kill_at is not None and now >= conn.kill_at and conn.pid is not None:
                _killpg(conn.pid, signal.SIGKILL)
                conn.kill_at = None
        if self._stopping is not None:
            return
        if not self._handlers and now - self._last_active >= self.idle_s:
            self.stop(f"idle for {self.idle_s:g} s")
        elif now >= self._next_watch:
            self._next_watch = now + WATCH_EVERY_S
            try:
                moved = os.stat(self.address).st_ino != self._inode
            except OSError:
                moved = True
            if moved:
                self.stop(f"its socket {self.address} was removed")

    # -- connections ---------------------------------------------------------------------

    def _accept(self) -> None:
        assert self._listener is not None
        try:
            sock, _ = self._listener.accept()
        except OSError:
            return
        conn = _Conn(sock)
        self._conns[sock.fileno()] = conn
        self._sel.register(sock, selectors.EVENT_READ, conn)

    def _serve_conn(self, conn: _Conn) -> None:
        try:
            self._on_readable(conn)
        except Exception:
            # One bad connection must not take the daemon (and other commands) down.
            log(f"error on a connection:\n{traceback.format_exc()}")
            if conn.phase != "running":
                self._drop(conn)

    def _on_readable(self, conn: _Conn) -> None:
        try:
            data, fds, _flags, _addr = socket.recv_fds(conn.sock, 1 << 16, 8)
        except OSError:
            data, fds = b"", []
        conn.fds.extend(fds)
        if not data:
            self._hung_up(conn)
            return
        try:
            messages = conn.frames.feed(data)
        except FrameError:  # too large or not an object: nothing more on it can be trusted
            self._drop(conn)
            return
        for msg in messages:
            self._on_message(conn, msg)

    def _on_message(self, conn: _Conn, msg: dict[str, Any]) -> None:
        kind = msg.get("type")
        if conn.phase == "new" and kind == "status":
            self._reply(conn, self.status())
            self._drop(conn)
        elif conn.phase == "new" and kind == "stop":
            self._reply(conn, {"type": "stopping"})
            self._drop(conn)
            self.stop("hsrun daemon stop")
        elif conn.phase == "new" and kind == "run":
            self._admit(conn, msg)
        elif conn.phase == "accepted" and kind == "go":
            self._start_handler(conn)
        elif conn.phase == "running" and kind == "cancel":
            self._cancel(conn)
        elif conn.phase != "running":
            self._drop(conn)

    def _hung_up(self, conn: _Conn) -> None:
        if conn.phase != "running":
            self._drop(conn)
            return
        # Usually the client got the handler's exit code and left; reaping tells. Otherwise
        # it was killed and nobody wants the result: cancel (a handler that has finished its
        # command ignores SIGINT, so this race is harmless).
        self._reap()
        if conn.pid in self._handlers:
            self._sel.unregister(conn.sock)
            self._cancel(conn, quiet=True)

    def _admit(self, conn: _Conn, msg: dict[str, Any]) -> None:
        # A client set up differently (another venv, -X, -W) says nothing about this daemon;
        # one set up the same way but with other code means this daemon's code is stale.
        stale = False
        if msg.get("v") != PROTOCOL_VERSION:
            reason = "the client speaks another protocol version"
        elif msg.get("setup") != self.setup:
            reason = "the client runs another Python setup (path, flags, -W, -X)"
        elif msg.get("build") != self.build:
            reason, stale = f"the client is another hsrun build ({msg.get('build')})", True
        elif (changed := self.code.changed()) is not None:
            reason, stale = f"{changed} changed since the daemon started", True
        elif os.path.realpath(str(msg.get("address"))) != os.path.realpath(self.address):
            reason = "the client uses another state folder"
        elif _file_id(str(msg.get("cwd"))) != msg.get("cwd_id"):
            reason = "the client's folder is not the one the daemon sees under that path"
        elif len(conn.fds) != 3:
            reason = "the client sent no standard streams"
        else:
            conn.request, conn.phase = msg, "accepted"
            self._reply(conn, {"type": "accepted"})
            return
        self._reply(conn, {"type": "refused", "reason": reason})
        self._drop(conn)
        if stale:
            self.stop(f"{reason}: this daemon is stale", cancel=False)

    def _start_handler(self, conn: _Conn) -> None:
        if self._stopping is not None:
            self._reply(conn, {"type": "refused", "reason": self._stopping})
            self._drop(conn)
            return
        libs = self._libs()
        if libs != self.zygote.libs:
            # HubSpot's libraries were installed, replaced or removed: the zygote has the
            # old ones imported. (A command with HSRUN_LIBS set otherwise uses its own.)
            log(f"the library folder is now {libs or 'none'}: restarting the zygote")
            self.zygote.retire()
            self.zygote.libs = libs
            self._restart_zygote()
        elif not self.zygote.alive:
            self._restart_zygote()
        request, fds = conn.request, conn.fds
        assert request is not None
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            code = 70
            try:
                self._become_handler(conn)
                from runtime.daemon._handler import handle

                code = handle(request, fds, conn.sock, self.zygote.address, self.zygote.libs)
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(code)
        # Also set here: a cancel may come before the child has run a single line.
        try:
            os.setpgid(pid, pid)
        except OSError:
            pass
        conn.close_fds()
        conn.pid, conn.phase = pid, "running"
        self._handlers[pid] = conn
        self.served += 1
        self._last_active = time.monotonic()

    def _libs(self) -> str | None:
        """The project's installed HubSpot library folder, resolved (an install replaces it
        under a new real path), or None."""
        folder = self.libs_path
        return os.path.realpath(folder) if os.path.isdir(folder) else None

    def _restart_zygote(self) -> None:
        from runtime.errors import RunnerError

        if self.zygote.pid is not None:
            log("the zygote is gone: starting another")
        try:
            self.zygote.start()
        except RunnerError as exc:
            # Handlers then start zygotes of their own: slower, still correct.
            log(f"cannot restart the zygote: {exc}")

    def _become_handler(self, conn: _Conn) -> None:
        """In the forked handler: let go of everything that belongs to the daemon."""
        os.setpgid(0, 0)
        signal.set_wakeup_fd(-1)
        for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        self._sel.close()
        if self._listener is not None:
            self._listener.close()
        for other in self._conns.values():
            if other is not conn:
                other.sock.close()
                other.close_fds()
        for fd in (*(self._wake or ()), *((self._lock_fd,) if self._lock_fd is not None else ())):
            os.close(fd)
        self.zygote.forget()

    def _cancel(self, conn: _Conn, *, quiet: bool = False) -> None:
        if conn.pid is None or conn.kill_at is not None:
            return
        if not quiet:
            log(f"cancelling command {conn.pid}")
        _killpg(conn.pid, signal.SIGINT)
        conn.kill_at = time.monotonic() + CANCEL_GRACE_S

    def _reap(self) -> None:
        for pid, conn in list(self._handlers.items()):
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done, status = pid, 70 << 8
            if not done:
                continue
            del self._handlers[pid]
            code = os.waitstatus_to_exitcode(status)
            # The handler sends its exit code itself; this covers a handler that was killed.
            self._reply(conn, {"type": "exit", "code": 128 - code if code < 0 else code})
            self._drop(conn)
            self._last_active = time.monotonic()

    def _reply(self, conn: _Conn, msg: dict[str, Any]) -> None:
        try:
            send_frame(conn.sock, msg)
        except OSError:
            pass

    def _drop(self, conn: _Conn) -> None:
        if self._conns.pop(conn.sock.fileno(), None) is None:
            return
        try:
            self._sel.unregister(conn.sock)
        except (KeyError, ValueError):
            pass
        conn.sock.close()
        conn.close_fds()

    def status(self) -> dict[str, Any]:
        return {
            "type": "status",
            "pid": os.getpid(),
            "started_at": self.started_at,
            "served": self.served,
            "active": len(self._handlers),
            "idle_s": self.idle_s,
            "home": self.home,
            "zygote_pid": self.zygote.pid,
            "build": self.build,
            "stale": self.code.changed() is not None,
        }


def _file_id(path: str) -> list[int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return [found.st_dev, found.st_ino]


def _killpg(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except OSError:
        pass
