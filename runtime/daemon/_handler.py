"""One forwarded command, run in a process forked from the daemon for it alone.

The handler becomes the client as far as the command can tell: the client's stdin, stdout
and stderr on fds 0-2 (its terminal or pipes, received with SCM_RIGHTS), its environment,
working folder, ``sys.path`` and ``sys.argv``, and standard streams set up as the client's
interpreter set up its own. Whatever the command changes (module caches, settings, the
environment) dies with the handler.
"""

from __future__ import annotations

import atexit
import io
import os
import signal
import socket
import sys
from typing import Any

from runtime._wire import send_frame
from runtime.invoke._process import use_shared_zygote


def handle(
    request: dict[str, Any],
    fds: list[int],
    conn: socket.socket,
    zygote_address: str,
    zygote_libs: str | None = None,
) -> int:
    """Run the request's command; send its exit code to the client and return it.

    ``zygote_libs`` is the library folder the daemon's zygote imported from first: runs that
    need another one start a zygote of their own.
    """
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    for fd in fds:
        if fd > 2:
            os.close(fd)
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    sys.path[:] = request["sys_path"]
    sys.argv = [request["argv0"], *request["argv"]]
    _reopen_stdio(request["stdio"])
    # The command's actions are forked from the daemon's zygote, never from this process.
    use_shared_zygote(zygote_address, zygote_libs)

    from runtime.cli import main

    try:
        main(list(request["argv"]))
        code = 0
    except SystemExit as exc:
        code = _exit_code(exc)
    # The command is over: a late cancel must not turn its exit code into 130.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _flush()
    atexit._run_exitfuncs()  # what the interpreter would run at exit; os._exit follows
    _flush()
    try:
        send_frame(conn, {"type": "exit", "code": code})
    except OSError:
        pass
    return code


def _reopen_stdio(setup: list[list[Any]]) -> None:
    """New text streams over fds 0-2, with the client's encoding, errors and buffering."""
    streams = []
    for fd, (encoding, errors, line_buffering, write_through) in enumerate(setup):
        raw = io.FileIO(fd, "r" if fd == 0 else "w", closefd=False)
        buffered = io.BufferedReader(raw) if fd == 0 else io.BufferedWriter(raw)
        stream = io.TextIOWrapper(
            buffered,
            encoding=encoding,
            errors=errors,
            line_buffering=line_buffering,
            write_through=write_through,
        )
        streams.append(stream)
    sys.stdin, sys.stdout, sys.stderr = streams


def _exit_code(exc: SystemExit) -> int:
    """The status a fresh interpreter would exit with for this SystemExit."""
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code & 0xFF
    print(exc.code, file=sys.stderr)
    return 1


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
