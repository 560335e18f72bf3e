"""The ``hsrun`` console script: hand the command to a running daemon, or run the CLI here.

Importing the CLI (typer, pydantic, rich, cryptography) costs ~300 ms, more than a trivial
action takes to run. Two ways around it, both decided here before the CLI is imported:

- **A daemon** (``hsrun daemon start``, :mod:`runtime.daemon`) serves this state folder: this
  process becomes a thin client. It sends the daemon the command, the working folder, the
  environment and its own stdin/stdout/stderr (SCM_RIGHTS), then waits for the exit code and
  exits with it; the daemon runs the command in a process forked from one that has the whole
  CLI imported. Only commands that need no terminal of their own are forwarded. Until the
  daemon has accepted the command (no daemon, a stale socket, another hsrun build, changed
  code, another Python setup) the client falls back silently to running here.
  ``HSRUN_DAEMON=0`` turns it off.
- **Without a daemon**, ``hsrun invoke`` starts the action's process first, so its interpreter
  and HubSpot's libraries load while the CLI is being imported (two cores, half the wait).

So this module must stay cheap to import: the standard library only, and only what a
forwarded command needs (os, sys, socket, json, signal). The daemon imports the protocol
helpers from here so both sides speak the same version.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import socket
    from collections.abc import Iterable, Mapping

#: Commands a daemon may run: they read no terminal of their own (no prompts besides a
#: passphrase, which works on a passed terminal fd) and end by themselves.
FORWARDED = frozenset({"invoke", "history", "show", "check", "package"})
SOCKET_NAME = "daemon.sock"
STATE_DIRNAME = ".hsrun"  # runtime.config.STATE_DIRNAME; importing config costs ~15 ms
LIBS_DIRNAME, PYTHON_LIBS_NAME = "libs", "python39"  # runtime.config's, for the same reason
PROTOCOL_VERSION = 1
#: How long the client waits for a daemon to accept a command before running it here.
ACCEPT_TIMEOUT_S = 5.0
_MAX_FRAME = 64 << 20
_NO_PRESPAWN = {"--help", "-h", "--events", "--live", "--warm", "--python"}
_OFF = {"0", "false", "no", "off"}


def main() -> None:
    """Console-script entry point."""
    args = sys.argv[1:]
    if args[:1] and args[0] in FORWARDED and daemon_enabled(os.environ):
        code = forward(args)
        if code is not None:
            sys.exit(code)
    # A Node.js action starts its own process (runtime.invoke._node_process): no Python child.
    node = any(arg.endswith(".js") for arg in args)
    if args[:1] == ["invoke"] and not node and not _NO_PRESPAWN.intersection(args):
        try:
            libs = action_libs(os.getcwd(), os.environ)
        except OSError:
            pass  # no folder here, or HSRUN_LIBS names none (the CLI says so): no guess
        else:
            from runtime.invoke._process import prespawn

            try:
                prespawn(libs=libs)
            except Exception:
                pass
    from runtime.cli import main as cli_main

    cli_main(args)


def daemon_enabled(environ: Mapping[str, str]) -> bool:
    """``HSRUN_DAEMON``: 0/false/no/off keeps every command in this process.

    Read here rather than through :mod:`runtime.config`, whose import costs more than the
    daemon saves on a short command.
    """
    return environ.get("HSRUN_DAEMON", "").strip().lower() not in _OFF


# -- locating the daemon -------------------------------------------------------------------


def state_home(cwd: str, environ: Mapping[str, str]) -> str:
    """The state folder, resolved exactly as :func:`runtime.config.get_settings` does."""
    home = environ.get("HSRUN_HOME")
    if home:
        return os.path.realpath(os.path.join(cwd, os.path.expanduser(home)))
    here = os.path.realpath(cwd)
    folder = here
    while True:
        if any(os.path.exists(os.path.join(folder, m)) for m in ("actions", STATE_DIRNAME)):
            return os.path.join(folder, STATE_DIRNAME)
        if os.path.exists(os.path.join(folder, "pyproject.toml")):
            return os.path.join(folder, STATE_DIRNAME)
        parent = os.path.dirname(folder)
        if parent == folder:
            return os.path.join(here, STATE_DIRNAME)
        folder = parent


def action_libs(cwd: str, environ: Mapping[str, str]) -> str | None:
    """The library folder actions import from first, resolved exactly as
    :meth:`runtime.config.Settings.action_libs` does (None: hsrun's own environment). The
    runner discards a prespawned child whose folder differs from its own, so a wrong answer
    here costs time, never correctness.

    Raises:
        FileNotFoundError: ``HSRUN_LIBS`` names a folder that does not exist.
    """
    value = environ.get("HSRUN_LIBS", "").strip()
    if value.lower() in _OFF:
        return None
    if value:
        folder = os.path.realpath(os.path.join(cwd, os.path.expanduser(value)))
        if not os.path.isdir(folder):
            raise FileNotFoundError(folder)
        return folder
    folder = os.path.join(state_home(cwd, environ), LIBS_DIRNAME, PYTHON_LIBS_NAME)
    return os.path.realpath(folder) if os.path.isdir(folder) else None


def library_path() -> list[str]:
    """``sys.path`` without the entry for the script or ``-m``'s folder, which differs
    between the console script, ``python -m runtime`` and the daemon."""
    return list(sys.path if sys.flags.safe_path else sys.path[1:])


def build_id() -> str:
    """Names this hsrun build: its version, package folder and interpreter.

    A daemon refuses a client of another build, and exits; it also checks, on every command,
    that none of the files it has loaded changed since it started (see
    :class:`runtime.daemon._server.CodeSnapshot`), which is what makes it stale while a
    developer edits hsrun itself.
    """
    from runtime import __version__

    package = os.path.dirname(os.path.abspath(__file__))
    # Resolved: "python" and "python3" in one venv are the same interpreter.
    return f"{__version__} {package} {os.path.realpath(sys.executable)} {sys.version}"


def interpreter_setup() -> dict[str, Any]:
    """What a fresh interpreter takes from its command line and environment at startup and
    a forked one cannot change afterwards. The daemon runs a command only for a client whose
    setup matches its own (otherwise the client runs it itself)."""
    flags = sys.flags
    return {
        "prefix": sys.prefix,
        "path": library_path(),
        "warnoptions": list(sys.warnoptions),
        "xoptions": {str(k): str(v) for k, v in sys._xoptions.items()},
        "flags": [
            flags.optimize,
            flags.dev_mode,
            flags.utf8_mode,
            flags.bytes_warning,
            flags.no_user_site,
            flags.isolated,
            flags.ignore_environment,
            flags.hash_randomization,
        ],
        "fs_encoding": sys.getfilesystemencoding(),
    }


# -- framing: a 4-byte length, then JSON; descriptors ride on the first byte ---------------


def send_frame(sock: socket.socket, msg: Mapping[str, Any], fds: Iterable[int] = ()) -> None:
    """Send one message, with ``fds`` attached (SCM_RIGHTS) if any."""
    import json
    import socket

    data = json.dumps(msg, separators=(",", ":")).encode()
    header = len(data).to_bytes(4, "big")
    fds = list(fds)
    if fds:
        socket.send_fds(sock, [header], fds)
        sock.sendall(data)
    else:
        sock.sendall(header + data)


def recv_frame(sock: socket.socket) -> dict[str, Any] | None:
    """Read one message (blocking); None at end of stream."""
    import json

    header = _recv_exactly(sock, 4)
    if header is None:
        return None
    size = int.from_bytes(header, "big")
    if size > _MAX_FRAME:
        raise ValueError(f"frame of {size} bytes")
    data = _recv_exactly(sock, size)
    if data is None:
        return None
    msg = json.loads(data)
    if not isinstance(msg, dict):
        raise ValueError("frame is not an object")
    return msg


def _recv_exactly(sock: socket.socket, size: int) -> bytes | None:
    buf = b""
    while len(buf) < size:
        chunk = sock.recv(size - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


# -- the client ----------------------------------------------------------------------------


def forward(args: list[str]) -> int | None:
    """Run ``hsrun ARGS`` in this state folder's daemon and return its exit code, or None
    when there is no daemon that will run it (the caller runs it itself)."""
    try:
        cwd = os.getcwd()
        address = os.path.join(state_home(cwd, os.environ), SOCKET_NAME)
        found = os.stat(address)
    except OSError:
        return None
    import stat

    if not stat.S_ISSOCK(found.st_mode) or found.st_uid != os.getuid():
        return None
    import socket

    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(ACCEPT_TIMEOUT_S)
        sock.connect(address)
        send_frame(sock, _request(args, cwd, address), fds=(0, 1, 2))
        reply = recv_frame(sock)
        if reply is None or reply.get("type") != "accepted":
            sock.close()
            return None
        send_frame(sock, {"type": "go"})
        sock.settimeout(None)
    except (OSError, ValueError):
        sock.close()
        return None
    try:
        return _await_exit(sock)
    finally:
        sock.close()


def _request(args: list[str], cwd: str, address: str) -> dict[str, Any]:
    return {
        "type": "run",
        "v": PROTOCOL_VERSION,
        "build": build_id(),
        "setup": interpreter_setup(),
        "address": address,
        "argv": args,
        "argv0": sys.argv[0],
        "sys_path": list(sys.path),
        "cwd": cwd,
        "cwd_id": _file_id(cwd),
        "env": dict(os.environ),
        "stdio": [_stream_setup(s) for s in (sys.stdin, sys.stdout, sys.stderr)],
    }


def _file_id(path: str) -> list[int]:
    """(device, inode): the daemon checks it sees the same folder under the same path (it
    would not from another container or mount namespace)."""
    found = os.stat(path)
    return [found.st_dev, found.st_ino]


def _stream_setup(stream: Any) -> list[Any]:
    """How this interpreter set up a standard stream (locale, PYTHONIOENCODING, -u), so the
    daemon's handler recreates it the same way."""
    return [
        getattr(stream, "encoding", None) or "utf-8",
        getattr(stream, "errors", None) or "strict",
        bool(getattr(stream, "line_buffering", False)),
        bool(getattr(stream, "write_through", False)),
    ]


def _await_exit(sock: socket.socket) -> int | None:
    """Wait for the command's exit code; Ctrl-C (or SIGTERM, SIGHUP) cancels the command.

    None when the daemon, stopping, declined the command after all: it never started, so
    the caller runs it itself. Once the command has started it is never run a second time.
    """
    import signal

    cancelled = False

    def cancel(signum: int, _frame: object) -> None:
        nonlocal cancelled
        if cancelled:  # a second Ctrl-C: stop waiting for the daemon to clean up
            os._exit(128 + signum)
        cancelled = True
        try:
            send_frame(sock, {"type": "cancel"})
        except OSError:
            pass

    signums = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {signum: signal.signal(signum, cancel) for signum in signums}
    try:
        msg = recv_frame(sock)
    except (OSError, ValueError):
        msg = None
    if msg is not None and msg.get("type") == "refused":
        if cancelled:
            return 128 + signal.SIGINT  # nothing ran, and nothing should
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        return None
    if msg is None or msg.get("type") != "exit":
        print("hsrun: the daemon stopped before the command finished", file=sys.stderr)
        return 70
    return int(msg.get("code", 70))
