"""The daemon's wire protocol and the path rules both ends of it resolve alike.

One module for what the ``hsrun`` launcher (:mod:`runtime._launch`), the daemon
(:mod:`runtime.daemon`) and :mod:`runtime.config` must agree on:

- **frames**: a 4-byte big-endian length, then a JSON object, at most :data:`MAX_FRAME`
  bytes; descriptors (SCM_RIGHTS) ride on the first byte of a frame. :func:`send_frame` and
  :func:`recv_frame` for blocking sockets, :class:`FrameBuffer` for the daemon's
  non-blocking ones; both refuse a frame over the limit;
- **names**: the state folder, the sockets and the lock inside it, :data:`PROTOCOL_VERSION`;
- **paths**: the project root, the state folder and the library folder, resolved from a
  working folder and an environment (:mod:`runtime.config` reads its settings through these);
- **who may talk**: :func:`build_id` and :func:`interpreter_setup`, which a daemon compares
  with its own before it runs a client's command.

The launcher imports this module before deciding anything, so it holds the standard library
only and imports ``json``/``socket`` where a frame is actually sent.
"""

from __future__ import annotations

import os
import sys

# Not `from typing import ...`: `typing` costs the thin `hsrun` client ~10 ms.
TYPE_CHECKING = False

if TYPE_CHECKING:
    import socket
    from collections.abc import Iterable, Mapping
    from typing import Any

#: Folder, inside the project, holding every piece of local state (git-ignored).
STATE_DIRNAME = ".hsrun"
#: Folder under the state folder holding HubSpot's Python libraries (``hsrun libs install``),
#: named after HubSpot's runtime (``PYTHON39``).
LIBS_DIRNAME = "libs"
PYTHON_LIBS_NAME = "python39"
#: Values of a boolean ``HSRUN_*`` switch (``HSRUN_DAEMON``, ``HSRUN_LIBS``) that mean off.
OFF_VALUES = frozenset({"0", "false", "no", "off"})
#: Files that mark a project's root folder, looked for upwards from the working folder.
PROJECT_MARKERS = ("actions", STATE_DIRNAME, "pyproject.toml")

#: The daemon's socket, its zygote's socket and its lock, inside the state folder.
SOCKET_NAME = "daemon.sock"
ZYGOTE_SOCKET_NAME = "zygote.sock"
LOCK_NAME = "daemon.lock"
#: Bumped when a message changes shape; a daemon refuses a client of another version.
PROTOCOL_VERSION = 1
#: The largest frame either side accepts (a run request carries the client's environment).
MAX_FRAME = 64 << 20
FRAME_HEADER = 4


class FrameError(ValueError):
    """A frame that is too large or not a JSON object: the connection is unusable."""


# -- paths ---------------------------------------------------------------------------------


def project_root(cwd: str) -> str:
    """The nearest folder upwards from ``cwd`` holding one of :data:`PROJECT_MARKERS`,
    resolved; ``cwd`` itself (resolved) when there is none, so hsrun works in any folder."""
    here = os.path.realpath(cwd)
    folder = here
    while True:
        if any(os.path.exists(os.path.join(folder, m)) for m in PROJECT_MARKERS):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return here
        folder = parent


def state_home(cwd: str, environ: Mapping[str, str]) -> str:
    """The state folder: ``HSRUN_HOME`` (``~`` expanded, relative to ``cwd``), else the
    project root's :data:`STATE_DIRNAME`."""
    home = environ.get("HSRUN_HOME")
    if home:
        return os.path.realpath(os.path.join(cwd, os.path.expanduser(home)))
    return os.path.join(project_root(cwd), STATE_DIRNAME)


def libs_folder(setting: str, home: str, cwd: str) -> str | None:
    """The library folder actions import from first, resolved, or None for hsrun's own
    environment: ``HSRUN_LIBS`` (``setting``) if it names a folder, else the installed set
    under ``home`` if there is one; an off value always means none.

    Raises:
        FileNotFoundError: ``setting`` names a folder that does not exist.
    """
    value = setting.strip()
    if value.lower() in OFF_VALUES:
        return None
    if value:
        folder = os.path.realpath(os.path.join(cwd, os.path.expanduser(value)))
        if not os.path.isdir(folder):
            raise FileNotFoundError(folder)
        return folder
    folder = os.path.join(home, LIBS_DIRNAME, PYTHON_LIBS_NAME)
    return os.path.realpath(folder) if os.path.isdir(folder) else None


# -- who may talk --------------------------------------------------------------------------


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


# -- frames --------------------------------------------------------------------------------


def encode_frame(msg: Mapping[str, Any]) -> bytes:
    """One message as it goes on the wire.

    Raises:
        FrameError: the message is larger than :data:`MAX_FRAME`.
    """
    import json

    data = json.dumps(msg, separators=(",", ":")).encode()
    if len(data) > MAX_FRAME:
        raise FrameError(f"frame of {len(data)} bytes (the limit is {MAX_FRAME})")
    return len(data).to_bytes(FRAME_HEADER, "big") + data


def send_frame(sock: socket.socket, msg: Mapping[str, Any], fds: Iterable[int] = ()) -> None:
    """Send one message, with ``fds`` attached (SCM_RIGHTS) if any."""
    import socket

    frame = encode_frame(msg)
    fds = list(fds)
    if fds:
        socket.send_fds(sock, [frame[:FRAME_HEADER]], fds)
        sock.sendall(frame[FRAME_HEADER:])
    else:
        sock.sendall(frame)


def recv_frame(sock: socket.socket) -> dict[str, Any] | None:
    """Read one message (blocking); None at end of stream.

    Raises:
        FrameError: a frame over :data:`MAX_FRAME` or not a JSON object.
    """
    header = _recv_exactly(sock, FRAME_HEADER)
    if header is None:
        return None
    size = _frame_size(header)
    data = _recv_exactly(sock, size)
    if data is None:
        return None
    return _decode(data)


class FrameBuffer:
    """Bytes received so far on a non-blocking connection, cut into messages."""

    def __init__(self) -> None:
        self.buf = bytearray()

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        """Add ``data`` and return the messages it completes.

        Raises:
            FrameError: a frame over :data:`MAX_FRAME` (refused from its header, before
                its body arrives) or not a JSON object.
        """
        self.buf += data
        out = []
        while len(self.buf) >= FRAME_HEADER:
            size = _frame_size(bytes(self.buf[:FRAME_HEADER]))
            if len(self.buf) < FRAME_HEADER + size:
                break
            body = bytes(self.buf[FRAME_HEADER : FRAME_HEADER + size])
            del self.buf[: FRAME_HEADER + size]
            out.append(_decode(body))
        return out


def _frame_size(header: bytes) -> int:
    size = int.from_bytes(header, "big")
    if size > MAX_FRAME:
        raise FrameError(f"frame of {size} bytes (the limit is {MAX_FRAME})")
    return size


def _decode(data: bytes) -> dict[str, Any]:
    import json

    try:
        msg = json.loads(data)
    except ValueError as exc:
        raise FrameError(f"frame is not JSON: {exc}") from None
    if not isinstance(msg, dict):
        raise FrameError("frame is not an object")
    return msg


def _recv_exactly(sock: socket.socket, size: int) -> bytes | None:
    buf = b""
    while len(buf) < size:
        chunk = sock.recv(size - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf
