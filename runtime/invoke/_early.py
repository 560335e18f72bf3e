"""The one-shot `hsrun invoke`'s action process, started before anything else is imported.

A one-shot run waits for the action's interpreter to start and import HubSpot's libraries:
that is the floor a bare ``python -c`` pays too, and everything the launcher does before
starting it comes on top. So the console script starts it first, with the standard library's
``os.posix_spawn`` and nothing of hsrun but this module (no ``subprocess``, ``typing``,
``pathlib`` or even ``socket``, whose import costs more than the rest: the C module
``_socket`` makes the pair), and the runner adopts it later (``_process.take_prespawned``).

Standard library only, and cheap to import.
"""

from __future__ import annotations

import _socket
import _thread
import os
import sys

#: The environment an action process starts with: nothing of the parent's.
BASE_ENV = {"PATH": "/usr/local/bin:/usr/bin/:/bin", "LANG": "en_US.UTF-8", "TZ": ":UTC"}
#: The action's interpreter runs isolated from the user's Python settings (-I) and without
#: the column positions 3.11+ keeps for tracebacks, so every traceback it prints (uncaught,
#: ``logging.exception``, ``traceback.print_exc``) has no ``^^^`` lines, as on HubSpot's 3.9.
#: Older interpreters ignore the -X option.
INTERPRETER_FLAGS = ("-I", "-X", "no_debug_ranges")
#: HubSpot's Python libraries, imported once by the zygote so each cold start skips them.
PRELOAD = ("urllib3", "requests", "hubspot")
BOOTSTRAP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_child_python.py")


class Started:
    """A started action process: its pid, the parent's ends of its control socket and
    output pipes, what it runs, and the cgroup it was moved into as it started."""

    def __init__(
        self,
        pid: int,
        control_fd: int,
        out_r: int,
        err_r: int,
        python: str,
        libs: str | None,
    ) -> None:
        self.pid, self.control_fd, self.out_r, self.err_r = pid, control_fd, out_r, err_r
        self.python, self.libs = python, libs
        self._cgroup: tuple[int, str, str | None] | None = None
        self._cgroup_done = _thread.allocate_lock()

    def move_to_cgroup(self) -> None:
        """Put the process in a cgroup of its own for the kernel sandbox to adopt, off the
        main thread: the move waits for the kernel for milliseconds, which the launcher's
        imports go on through."""
        self._cgroup_done.acquire()
        _thread.start_new_thread(self._move, ())

    def _move(self) -> None:
        try:
            from runtime.invoke import _cgroup_fs

            made = _cgroup_fs.create(os.urandom(8).hex())
            if made is not None:
                if _cgroup_fs.join(_cgroup_fs.folders(made), self.pid):
                    self._cgroup = made
                else:
                    _cgroup_fs.discard(made)
        except Exception:
            pass
        finally:
            self._cgroup_done.release()

    def cgroup(self, timeout: float = 5.0) -> tuple[int, str, str | None] | None:
        """(version, memory folder, pids folder) of the cgroup the process is in, or None."""
        if self._cgroup_done.acquire(timeout=timeout):
            self._cgroup_done.release()
            return self._cgroup
        return None


_started: Started | None = None


def command(
    python: str, control_fd: int, libs: str | None, preload: tuple[str, ...] = PRELOAD
) -> list[str]:
    """The bootstrap's command line (``--path``: a library folder first on ``sys.path``;
    ``--preload``: modules to import before the first job)."""
    path = ["--path", libs] if libs else []
    return [
        python,
        *INTERPRETER_FLAGS,
        BOOTSTRAP,
        "--control-fd",
        str(control_fd),
        *path,
        "--preload",
        ",".join(preload),
    ]


def preload_for(action: str | None) -> tuple[str, ...]:
    """What a one-shot run's process imports before its job arrives: HubSpot's libraries
    that the action's source names (all of them when it cannot be read). One run has nothing
    to gain from a library its action does not import: importing it only delays the answer,
    and Lambda's init imports what the handler's module imports, no more."""
    try:
        with open(action or "", "rb") as fh:
            text = fh.read()
    except OSError:
        return PRELOAD
    named = [name for name in PRELOAD[1:] if name.encode() in text]
    return ("urllib3", *named) if named or b"urllib3" in text else ()


def start(libs: str | None, python: str | None = None, preload: tuple[str, ...] = PRELOAD) -> None:
    """Start the action process now (once); :func:`take` hands it over."""
    global _started
    if _started is not None:
        return
    python = python or sys.executable
    parent, child = _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_STREAM)
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    try:
        os.set_inheritable(child.fileno(), True)
        pid = os.posix_spawn(
            python,
            command(python, child.fileno(), libs, preload),
            BASE_ENV,
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_DUP2, out_w, 1),
                (os.POSIX_SPAWN_DUP2, err_w, 2),
            ],
            setsid=True,
        )
    except OSError:
        parent.close()
        for fd in (out_r, err_r):
            os.close(fd)
        return  # the runner starts its own, and says why if it cannot
    finally:
        child.close()
        os.close(out_w)
        os.close(err_w)
    _started = Started(pid, parent.detach(), out_r, err_r, python, libs)
    if sys.platform.startswith("linux") and (
        os.environ.get("HSRUN_ISOLATION", "").strip().lower() != "process"
    ):
        _started.move_to_cgroup()


def take() -> Started | None:
    """The process :func:`start` started, once."""
    global _started
    started, _started = _started, None
    return started
