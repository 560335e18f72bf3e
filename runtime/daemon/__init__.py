"""The CLI daemon: ``hsrun`` commands without the CLI's start-up cost (the nailgun approach).

A fresh ``hsrun`` spends ~300 ms importing the CLI (typer, rich, cryptography, the fake portal
and, for what still validates with it, pydantic) before it runs anything. A daemon, started on
demand with ``hsrun daemon start``, imports all of it once and owns a zygote (HubSpot's
libraries imported once too). The ``hsrun`` console script (:mod:`runtime._launch`) then
forwards commands to it over a unix socket in the state folder, and the daemon runs each in a
freshly forked handler process: the client's stdin/stdout/stderr, environment and working
folder, nothing left over from another command. The handler's actions are forked from the
daemon's zygote, so they are as small as without a daemon.

Files in the state folder (0700): ``daemon.sock`` (commands, mode 0600), ``zygote.sock``
(the handlers' zygote, mode 0600), ``daemon.lock`` (one daemon per folder), ``daemon.log``.

The daemon exits on ``hsrun daemon stop``, SIGTERM, after ``HSRUN_DAEMON_IDLE`` seconds
without a command, when its socket file is removed, and when a client of another hsrun build
asks it for anything (it has stale code loaded).
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from runtime._wire import SOCKET_NAME, FrameError, build_id, recv_frame, send_frame
from runtime.config import Settings, ensure_home, get_settings
from runtime.errors import DaemonError

__all__ = ["DaemonStatus", "daemon_status", "start_daemon", "stop_daemon"]

LOG_NAME = "daemon.log"
LOG_LIMIT = 1 << 20


@dataclass(frozen=True)
class DaemonStatus:
    """A running daemon, as it describes itself."""

    pid: int
    started_at: float
    #: Commands it has run.
    served: int
    #: Commands running now.
    active: int
    idle_s: float
    home: str
    zygote_pid: int | None
    #: False when it runs another hsrun build than the caller, or code that changed since it
    #: started: it exits on its next command, and ``start_daemon`` replaces it.
    current: bool

    @property
    def uptime_s(self) -> float:
        return max(0.0, time.time() - self.started_at)

    def to_dict(self) -> dict[str, object]:
        return {
            "pid": self.pid,
            "started_at": self.started_at,
            "uptime_s": round(self.uptime_s, 3),
            "served": self.served,
            "active": self.active,
            "idle_s": self.idle_s,
            "home": self.home,
            "zygote_pid": self.zygote_pid,
            "current": self.current,
        }


def socket_path(settings: Settings) -> Path:
    """Where the daemon for this state folder listens."""
    return settings.home / SOCKET_NAME


def daemon_status(settings: Settings | None = None) -> DaemonStatus | None:
    """The daemon serving this state folder, or None when none answers."""
    settings = settings or get_settings()
    answer = _ask(socket_path(settings), {"type": "status"}, timeout=5.0)
    if answer is None or answer[0].get("type") != "status":
        return None
    return _status(answer[0])


def _status(msg: dict[str, Any]) -> DaemonStatus:
    return DaemonStatus(
        pid=int(msg["pid"]),
        started_at=float(msg["started_at"]),
        served=int(msg["served"]),
        active=int(msg["active"]),
        idle_s=float(msg["idle_s"]),
        home=str(msg["home"]),
        zygote_pid=msg.get("zygote_pid"),
        current=msg.get("build") == build_id() and not msg.get("stale"),
    )


def start_daemon(settings: Settings | None = None, *, timeout: float = 30.0) -> DaemonStatus:
    """Start a daemon for this state folder (or return the one already running).

    The daemon is a new session with no terminal and its output in ``daemon.log``; it
    inherits nothing from the caller but its environment, so a CI job or a test that starts
    it does not wait for it.

    Raises:
        DaemonError: it did not come up (the reason is in the message and the log).
    """
    settings = settings or get_settings()
    running = daemon_status(settings)
    if running is not None and running.current:
        return running
    if running is not None:
        stop_daemon(settings)
    home = _private_home(settings)
    # -P: nothing from the caller's folder on sys.path (clients compare library paths).
    command = [sys.executable, "-P", "-m", "runtime.daemon", "--home", str(home)]
    command += ["--idle", repr(settings.daemon_idle_s), "--libs", str(settings.libs_path)]
    ready_r, ready_w = os.pipe()
    try:
        with _open_log(home / LOG_NAME) as log:
            # close_fds: the daemon must hold none of the caller's pipes, or whoever reads
            # them (a CI runner, a test harness) would wait for it to exit.
            launcher = subprocess.Popen(
                [*command, "--ready-fd", str(ready_w)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=(ready_w,),
                close_fds=True,
                env=_daemon_environ(os.environ),
                start_new_session=True,
            )
    except OSError as exc:
        os.close(ready_r)
        raise DaemonError(f"cannot start the daemon with {sys.executable}: {exc}") from exc
    finally:
        os.close(ready_w)
    try:
        # The launcher forks the daemon and exits at once: the daemon is nobody's child.
        launcher.wait(timeout)
        report = _read_ready(ready_r, timeout)
    except subprocess.TimeoutExpired:
        launcher.kill()
        launcher.wait()
        report = {}
    finally:
        os.close(ready_r)
    if report.get("busy"):
        running = _await_daemon(settings, timeout)  # another start won the race
        if running is not None:
            return running
    if report.get("type") != "status":
        reason = report.get("error") or f"it did not start within {timeout:.0f} s"
        raise DaemonError(f"the daemon did not start: {reason} (see {home / LOG_NAME})")
    # Its status as it started listening: with a tiny idle period it may be gone already.
    return _status(report)


def stop_daemon(settings: Settings | None = None, *, timeout: float = 10.0) -> DaemonStatus | None:
    """Stop this state folder's daemon; commands it is running are cancelled as by Ctrl-C.

    Returns:
        The daemon's last status, or None when none was running.
    """
    settings = settings or get_settings()
    status = daemon_status(settings)
    answer = _ask(socket_path(settings), {"type": "stop"}, timeout=5.0)
    if answer is None:
        return None
    pid = answer[1]
    deadline = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    if _alive(pid):
        # Unresponsive: it has no state a kill could corrupt (the journal is SQLite).
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return status


def _daemon_environ(environ: Mapping[str, str]) -> dict[str, str]:
    """What the daemon itself needs of the caller's environment: the interpreter's setup
    (clients compare theirs with it) and the locale. Each command gets its client's own
    environment; the daemon keeps no secret, key or token for its whole life."""
    keep = ("PATH", "HOME", "USER", "LOGNAME", "LANG", "TZ", "TMPDIR", "VIRTUAL_ENV")
    return {
        name: value
        for name, value in environ.items()
        if name in keep or name.startswith(("LC_", "PYTHON"))
    }


def _await_daemon(settings: Settings, timeout: float) -> DaemonStatus | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        running = daemon_status(settings)
        if running is not None:
            return running
        time.sleep(0.05)
    return None


def _open_log(path: Path) -> BinaryIO:
    """The daemon's log, appended to (a racing start must not truncate a running daemon's
    log), kept to about a megabyte by moving a long one aside to ``daemon.log.1``."""
    try:
        if path.stat().st_size > LOG_LIMIT:
            os.replace(path, path.with_name(path.name + ".1"))
    except OSError:
        pass
    log = open(path, "ab")  # noqa: SIM115 - the caller closes it
    os.chmod(log.fileno(), 0o600)
    return log


def _private_home(settings: Settings) -> Path:
    home = ensure_home(settings)
    # The sockets run commands as this user: nobody else may reach them.
    if home.stat().st_mode & 0o077:
        home.chmod(0o700)
    return home


def _read_ready(fd: int, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    data = b""
    while time.monotonic() < deadline:
        readable, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not readable:
            break
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        data += chunk
    try:
        report = json.loads(data or b"{}")
    except ValueError:
        return {"error": data.decode(errors="replace").strip()}
    return report if isinstance(report, dict) else {}


def _ask(path: Path, msg: dict[str, Any], *, timeout: float) -> tuple[dict[str, Any], int] | None:
    """Send one control message; the reply and the daemon's pid (from the socket's peer
    credentials), or None when nothing answers."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(str(path))
        creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        pid, uid, _gid = struct.unpack("3i", creds)
        if uid != os.getuid():
            return None
        send_frame(sock, msg)
        reply = recv_frame(sock)
    except (OSError, FrameError):
        return None
    finally:
        sock.close()
    return (reply, pid) if reply is not None else None


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie does not: nobody may be reaping it)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[-1].split()[0] != b"Z"
    except (OSError, IndexError):
        return False
