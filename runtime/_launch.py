"""The ``hsrun`` console script: hand the command to a running daemon, or run the CLI here.

Importing the CLI (typer, rich, cryptography, the fake portal) costs a few hundred ms, more
than a trivial action takes to run. Two ways around it, both decided here before the CLI is
imported:

- **A daemon** (``hsrun daemon start``, :mod:`runtime.daemon`) serves this state folder: this
  process becomes a thin client. It sends the daemon the command, the working folder, the
  environment and its own stdin/stdout/stderr (SCM_RIGHTS), then waits for the exit code and
  exits with it; the daemon runs the command in a process forked from one that has the whole
  CLI imported. Only commands that need no terminal of their own are forwarded. Until the
  daemon has accepted the command (no daemon, a stale socket, another hsrun build, changed
  code, another Python setup) the client falls back silently to running here.
  ``HSRUN_DAEMON=0`` turns it off.
- **Without a daemon**, ``hsrun invoke`` starts the action's process first, so its interpreter
  and HubSpot's libraries load while this process imports what the run needs (two cores,
  half the wait); :mod:`runtime._oneshot` then runs the common forms of the command without
  the CLI framework, and the process ends without the interpreter's teardown.

So this module must stay cheap to import: the standard library only, and only what a
forwarded command needs (os, sys, socket, json, signal). The wire protocol and the path
rules the daemon and :mod:`runtime.config` share live in :mod:`runtime._wire`.
"""

from __future__ import annotations

import os
import sys

from runtime._wire import (
    OFF_VALUES,
    PROJECT_MARKERS,
    PROTOCOL_VERSION,
    SOCKET_NAME,
    STATE_DIRNAME,
    FrameError,
    build_id,
    interpreter_setup,
    libs_folder,
    project_root,
    recv_frame,
    send_frame,
    state_home,
)

# Not `from typing import ...`: `typing` costs the thin `hsrun` client ~10 ms.
TYPE_CHECKING = False

if TYPE_CHECKING:
    import socket
    from collections.abc import Mapping
    from typing import Any

#: Commands a daemon may run: they read no terminal of their own (no prompts besides a
#: passphrase, which works on a passed terminal fd) and end by themselves.
FORWARDED = frozenset({"invoke", "history", "show", "check", "package"})
#: How long the client waits for a daemon to accept a command before running it here.
ACCEPT_TIMEOUT_S = 5.0
_NO_PRESPAWN = {"--help", "-h", "--events", "--live", "--warm", "--python"}
#: ``invoke`` options followed by a value (``--input NAME=VALUE``...), not the ACTION.
_TAKES_VALUE = {
    "--input",
    "-i",
    "--event",
    "--events",
    "--concurrency",
    "--object-id",
    "--env-file",
    "--format",
    "--timeout",
    "--memory",
    "--python",
}


def main() -> None:
    """Console-script entry point."""
    args = sys.argv[1:]
    if args[:1] and args[0] in FORWARDED and daemon_enabled(os.environ):
        code = forward(args)
        if code is not None:
            sys.exit(code)
    # A Node.js action gets a Node process started now, not a Python child; only where it runs
    # without the kernel sandbox (a sandboxed node is started by the sandbox's wrapper).
    script = next((arg for arg in args[1:2] if arg.endswith(".js")), None)
    plain = not sys.platform.startswith("linux") or os.environ.get("HSRUN_ISOLATION") == "process"
    if (
        args[:1] == ["invoke"]
        and script
        and plain
        and not (_NO_PRESPAWN | {"--memory"}).intersection(args)
    ):
        from runtime.invoke._node_process import prespawn_node

        try:
            cwd = os.getcwd()
            prespawn_node(
                os.path.join(cwd, script),
                state_home(cwd, os.environ),
                os.path.expanduser(os.environ.get("HSRUN_NODE_LIBS", "")),
            )
        except Exception:
            pass
    if args[:1] == ["invoke"] and not _NO_PRESPAWN.intersection(args) and not script:
        # (A .js action has no use for a Python child.)
        try:
            cwd, action = os.getcwd(), _action_arg(args)
            libs = action_libs(cwd, os.environ, action=action)
        except OSError:
            pass  # no folder here, or HSRUN_LIBS names none (the CLI says so): no guess
        else:
            # Before anything else is imported: the action's interpreter starting and
            # importing HubSpot's libraries is the one-shot run's critical path.
            from runtime.invoke import _early

            _early.start(libs, preload=_early.preload_for(action and os.path.join(cwd, action)))
    if args[:1] == ["invoke"] and not _NO_PRESPAWN.intersection(args):
        # One run of one action: without typer, rich or anything the run does not need.
        from runtime._oneshot import exit_now
        from runtime._oneshot import main as oneshot

        code = oneshot(args[1:])
        if code is not None:
            exit_now(code)
    from runtime.cli import main as cli_main

    cli_main(args)


def daemon_enabled(environ: Mapping[str, str]) -> bool:
    """``HSRUN_DAEMON``: 0/false/no/off keeps every command in this process.

    Read here rather than through :mod:`runtime.config`, whose import costs more than the
    daemon saves on a short command.
    """
    return environ.get("HSRUN_DAEMON", "").strip().lower() not in OFF_VALUES


# -- the prespawned action process ---------------------------------------------------------


def action_libs(cwd: str, environ: Mapping[str, str], *, action: str | None = None) -> str | None:
    """The library folder actions import from first, resolved exactly as
    :meth:`runtime.config.Settings.action_libs` does (None: hsrun's own environment): the
    action's project's set, else the working folder's project's (the set belongs to the
    project, not to ``HSRUN_HOME``). The runner discards a prespawned child whose folder
    differs from its own, so a wrong answer here costs time, never correctness.

    Raises:
        FileNotFoundError: ``HSRUN_LIBS`` names a folder that does not exist.
    """
    root = project_root(cwd)
    if action:
        found = project_root(os.path.dirname(os.path.join(cwd, action)) or cwd)
        if any(os.path.exists(os.path.join(found, m)) for m in PROJECT_MARKERS):
            root = found
    return libs_folder(environ.get("HSRUN_LIBS", ""), os.path.join(root, STATE_DIRNAME), cwd)


def _action_arg(args: list[str]) -> str | None:
    """The ACTION of ``invoke ... ACTION ...`` (a guess: the first word not an option)."""
    items = iter(args[1:])
    for item in items:
        if item in _TAKES_VALUE:
            next(items, None)
        elif not item.startswith("-"):
            return item
    return None


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
    except (OSError, FrameError):
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
    except (OSError, FrameError):
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
