"""Child bootstrap for Python actions. Stands alone: stdlib only, imports nothing of ``runtime``.

Run as a script (``python _child_python.py --control-fd N``) it is one of two things:

- a **worker**: it reads jobs from the control socket, runs each in this process and answers;
  one job and exit (cold), or many (warm, module state kept as HubSpot does);
- a **zygote** (``--mode zygote``): it pre-imports HubSpot's libraries once, then forks one
  worker per request, handing it the pipes the parent sent along (SCM_RIGHTS), and reports each
  worker's exit status. Requests come over the socketpair it was started with and, given
  ``--listen-fd`` (a listening SOCK_SEQPACKET unix socket), over every connection made to it,
  so several processes can share one zygote (the CLI daemon's request handlers do).

Protocol: newline-delimited JSON on the control socket, every message carrying ``"v"``.
The action's own output goes to fds 1 and 2, which are pipes the parent reads: the protocol
never shares a stream with ``print``.

Annotated for mypy (strict, like the rest of ``runtime``) in Python 3.9's syntax: the
annotations are never evaluated (``from __future__ import annotations``), and ``typing`` is
only imported by the type checker, not at run time (it costs a cold start milliseconds).
``tests/unit/invoke/test_child_bootstrap_py39.py`` holds the file to 3.9's grammar and
standard library.
"""

from __future__ import annotations

import decimal
import importlib.util
import io
import json
import logging
import math
import os
import resource
import selectors
import signal
import socket
import sys
import time
import traceback

TYPE_CHECKING = False  # not typing's: importing typing would slow every cold start
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from importlib.machinery import ModuleSpec
    from types import ModuleType
    from typing import Any, NoReturn

    #: One JSON message of the protocol (a job, a result, a control message).
    Message = dict[str, Any]

PROTOCOL_VERSION = 1
LOOPBACK = ("localhost", "127.0.0.1", "::1", "ip6-localhost")
# The libraries HubSpot's Python runtime ships that are worth pre-importing.
DEFAULT_PRELOAD = ("urllib3", "requests", "hubspot")


class NetworkBlockedError(ConnectionRefusedError):
    """Raised for an outbound connection the action's manifest does not allow."""


# --------------------------------------------------------------------------- messaging


class Channel:
    """Newline-delimited JSON over a connected socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = b""

    def send(self, msg: Message) -> None:
        msg["v"] = PROTOCOL_VERSION
        data = (json.dumps(msg, default=repr) + "\n").encode()
        self.sock.sendall(data)

    def recv(self) -> Message | None:
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        msg: Message = json.loads(line)
        return msg


# --------------------------------------------------------------------------- sandbox


def _host_allowed(host: str | None, allowed: Iterable[str]) -> bool:
    host = (host or "").lower().rstrip(".")
    for pattern in allowed:
        pattern = pattern.lower()
        if pattern == host or (pattern.startswith("*.") and host.endswith(pattern[1:])):
            return True
    return False


def _is_loopback_ip(name: str) -> bool:
    """A literal IPv4 loopback address (``127.0.0.5``), never a name that starts like one
    (``127.attacker.test``)."""
    parts = name.split(".")
    return (
        len(parts) == 4
        and parts[0] == "127"
        and all(p.isdigit() and len(p) <= 3 and int(p) <= 255 for p in parts)
    )


def install_network_guard(job: Message) -> None:
    """Refuse outbound connections that HubSpot's sandbox would not make for this action.

    HubSpot hosts go to the fake portal (``hubspot_url``) or, with ``live``, to HubSpot.
    Loopback is always open (the fake portal lives there); other hosts need ``allow_hosts``.
    """
    net = job.get("network") or {}
    if net.get("allow_all"):
        return
    hubspot_hosts = _hubspot_hosts(job)
    allowed = list(LOOPBACK) + list(net.get("allow_hosts") or [])
    live = net.get("live")
    manifest = net.get("manifest") or "the action's manifest"
    real_getaddrinfo = socket.getaddrinfo

    def guarded_getaddrinfo(host: str | bytes | None, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if _host_allowed(name, allowed) or _is_loopback_ip(name):
            return real_getaddrinfo(host, *args, **kwargs)
        if name.lower().rstrip(".") in hubspot_hosts:
            if live:
                return real_getaddrinfo(host, *args, **kwargs)
            raise NetworkBlockedError(
                f"hsrun: no HubSpot portal is attached for {name}; run through hsrun's fake "
                "portal (hsrun invoke, the run_action fixture) or pass --live for the real API"
            )
        raise NetworkBlockedError(
            f'hsrun blocked an outbound connection to {name}: add "{name}" to allow_hosts '
            f"in {manifest}, or pass --allow-net"
        )

    socket.getaddrinfo = guarded_getaddrinfo


class _AfterImport:
    """A meta-path finder that runs ``callback(module)`` once ``name`` has been imported.

    Patching urllib3 lazily keeps a cold start free of an import the action may not need.
    """

    def __init__(self, name: str, callback: Callable[[ModuleType], None]) -> None:
        self.name, self.callback = name, callback

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        loader, callback = spec.loader, self.callback
        exec_module = loader.exec_module

        def exec_and_patch(module: ModuleType) -> None:
            exec_module(module)
            callback(module)

        loader.exec_module = exec_and_patch  # type: ignore[method-assign]
        return spec


def _hubspot_hosts(job: Message) -> frozenset[str]:
    """HubSpot's API hosts, as the runner sends them (``runtime.contract.hosts``: this file
    cannot import it)."""
    return frozenset((job.get("network") or {}).get("hubspot_hosts") or ())


def install_hubspot_route(job: Message) -> None:
    """Send urllib3 traffic for HubSpot's hosts to the fake portal (hubspot-api-client and
    requests both sit on urllib3)."""
    url = (job.get("network") or {}).get("hubspot_url")
    if not url:
        return
    hosts = _hubspot_hosts(job)
    if "urllib3.poolmanager" in sys.modules:
        _route_poolmanager(sys.modules["urllib3.poolmanager"], url, hosts)
    else:
        sys.meta_path.insert(
            0,
            _AfterImport(
                "urllib3.poolmanager", lambda module: _route_poolmanager(module, url, hosts)
            ),
        )


def _route_poolmanager(poolmanager: Any, url: str, hosts: frozenset[str]) -> None:
    scheme, _, rest = url.partition("://")
    hostport = rest.split("/", 1)[0]
    host, _, port = hostport.rpartition(":")
    target = (scheme, host, int(port))
    original = poolmanager.PoolManager.connection_from_host
    if getattr(original, "_hsrun_routed", False):
        original = original.__wrapped__

    def connection_from_host(
        self: Any,
        host: str | None,
        port: int | None = None,
        scheme: str | None = "http",
        pool_kwargs: Any = None,
    ) -> Any:
        if host and host.lower().rstrip(".") in hosts:
            scheme, host, port = target
        return original(self, host, port=port, scheme=scheme, pool_kwargs=pool_kwargs)

    connection_from_host._hsrun_routed = True  # type: ignore[attr-defined]
    connection_from_host.__wrapped__ = original  # type: ignore[attr-defined]
    poolmanager.PoolManager.connection_from_host = connection_from_host


def apply_limits(job: Message) -> None:
    # No core files from a crashing action; Lambda writes none either.
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError):
        pass
    nproc = job.get("max_processes")
    if nproc:
        try:
            resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
        except (ValueError, OSError):
            pass


#: Lambda's Python runtime's record format (awslambdaric ``bootstrap._setup_logging``).
LAMBDA_LOG_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n"
LAMBDA_LOG_DATEFMT = "%Y-%m-%dT%H:%M:%S"


class Python39Formatter(logging.Formatter):
    """Lambda's formatter, with tracebacks as Python 3.9 prints them.

    HubSpot runs Python 3.9, whose tracebacks have no ``^^^``/``~~~`` lines under the failing
    expression; a newer interpreter running the action adds them to ``logging.exception``.
    """

    def formatException(self, ei: Any) -> str:
        return strip_carets(super().formatException(ei))


def strip_carets(text: str) -> str:
    """Drop the lines newer Pythons put under a traceback's code line (only ^ and ~)."""
    lines = text.split("\n")
    return "\n".join(ln for ln in lines if not ln.strip() or ln.strip(" ^~"))


class RequestIdFilter(logging.Filter):
    """Stamps each record with the current request id, empty during init (Lambda's
    ``LambdaLoggerFilter``: the id is set only once an invocation has arrived)."""

    request_id = ""

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = self.request_id
        return True


class LambdaLogHandler(logging.Handler):
    """Lambda's root handler: one record, formatted as ``[LEVEL] time request-id message``,
    is one write to stdout.

    On Lambda each record is one log event (the runtime's telemetry sink frames it), so a
    record whose text ends without a newline (``logging.exception``'s traceback) still ends
    the line here.
    """

    def emit(self, record: logging.LogRecord) -> None:
        try:
            msg = self.format(record)
            if not msg.endswith("\n"):
                msg += "\n"
            sys.stdout.write(msg)
        except Exception:
            self.handleError(record)


_LOG_FILTER: RequestIdFilter | None = None


def setup_logging() -> RequestIdFilter:
    """Install Lambda's root handler once per process; later jobs (warm) only change the
    request id, so logging set up by the action's module survives as it does on Lambda."""
    global _LOG_FILTER
    if _LOG_FILTER is None:
        # Lambda sets the converter on the class: every formatter the action makes is UTC too.
        logging.Formatter.converter = time.gmtime
        _LOG_FILTER = RequestIdFilter()
        handler = LambdaLogHandler()
        handler.setFormatter(Python39Formatter(LAMBDA_LOG_FORMAT, LAMBDA_LOG_DATEFMT))
        handler.addFilter(_LOG_FILTER)
        root = logging.getLogger()
        for existing in list(root.handlers):
            root.removeHandler(existing)
        root.addHandler(handler)
        root.setLevel(logging.WARNING)  # Lambda's default: logger.info needs setLevel(INFO)
    return _LOG_FILTER


def reopen_std_streams() -> None:
    """Point ``sys.stdout`` and ``sys.stderr`` at one log stream, written through per write.

    Lambda's Python runtime wraps both streams so every ``write`` is flushed at once
    (awslambdaric's ``Unbuffered``): an unterminated line written just before a crash is
    kept. Its service reads the runtime's stdout and stderr from one pipe, so lines written
    alternately to the two keep their order; fd 2 here is therefore the same pipe as fd 1.
    """
    os.dup2(1, 2)
    sys.stdout = io.TextIOWrapper(
        io.FileIO(1, "w", closefd=False),
        encoding="utf-8",
        errors="backslashreplace",
        write_through=True,
    )
    sys.stderr = io.TextIOWrapper(
        io.FileIO(2, "w", closefd=False),
        encoding="utf-8",
        errors="backslashreplace",
        write_through=True,
    )


# --------------------------------------------------------------------------- running


def peak_memory_kb() -> int:
    try:
        with open("/proc/self/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def rss_file_kb() -> int:
    """Resident file-backed and shared memory of this process, in kB (0 if unknown)."""
    total = 0
    try:
        with open("/proc/self/status", "rb") as fh:
            for line in fh:
                if line.startswith((b"RssFile:", b"RssShmem:")):
                    total += int(line.split()[1])
    except (OSError, ValueError):
        pass
    return total


#: The resident file-backed memory (interpreter, libraries) of the full process a run's
#: process descends from, once its imports are done: the zygote's, or a direct child's own.
#: A forked process (a zygote's worker, the sandbox's action process) inherits those pages
#: but has them mapped only as it touches them, so its own VmHWM misses them; a fresh
#: process (Lambda's) counts them.
ZYGOTE_FILE_KB = 0


def send_inherited(chan: Channel) -> None:
    """Tell the parent what this process inherited but has not mapped (kB): it adds that to
    the process's peak, for one whole-process figure however the run was started."""
    chan.send({"type": "inherited", "kb": max(0, ZYGOTE_FILE_KB - rss_file_kb())})


HTTP_CLIENT_MODULES = ("hubspot", "requests", "urllib3")

#: What the first HubSpot API call of a run imports, in every client version: the zygote
#: imports it once (a missing module is skipped).
PRELOAD_HUBSPOT = (
    "hubspot.crm.contacts",
    "hubspot.discovery.discovery_base",
    "hubspot.discovery.crm.discovery",
    "hubspot.discovery.crm.contacts.discovery",
)


def http_status_of(exc: BaseException | None) -> int | None:
    """The HTTP status of an HTTP client's error the action raised (HubSpot retries on 429
    and 5xx "if the code throws/raises the error", e.g. re-raised in an except block).

    Only errors of hubspot-api-client, requests and urllib3 count, and only the raised error
    or what it was explicitly raised ``from``: an unrelated error raised while handling an
    HTTP error (its implicit ``__context__``) is a bug in the handler, not a rate limit.
    """
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        module = (type(exc).__module__ or "").split(".", 1)[0]
        if module in HTTP_CLIENT_MODULES:
            status = getattr(exc, "status", None)  # hubspot-api-client's ApiException
            if isinstance(status, int) and 100 <= status <= 599:
                return status
            response = getattr(exc, "response", None)  # requests' HTTPError
            code = getattr(response, "status_code", None) or getattr(response, "status", None)
            if isinstance(code, int) and 100 <= code <= 599:
                return code
            reason = getattr(exc, "reason", None)  # urllib3 MaxRetryError(ResponseError(...))
            text = str(reason) if reason is not None else ""
            if "too many " in text and " error responses" in text:
                digits = text.split("too many ", 1)[1].split(" ", 1)[0]
                if digits.isdigit():
                    return int(digits)
        exc = exc.__cause__
    return None


def format_traceback(exc: BaseException, action_path: str) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    # Drop the bootstrap's own frames and the import machinery's: the user's story starts in
    # their file.
    user = [f for f in frames if f.filename != __file__ and not f.filename.startswith("<frozen ")]
    lines = ["Traceback (most recent call last):\n"]
    for entry in traceback.format_list(user):
        # Newer Pythons underline the failing expression (^^^^); HubSpot's 3.9 does not.
        lines.append(strip_carets(entry))
    lines += exception_only(exc)
    return "".join(lines)


def exception_only(exc: BaseException) -> list[str]:
    """``traceback.format_exception_only``, keeping a syntax error's line as it is indented
    (Lambda's record shows the line as written; Python's own print strips it)."""
    lines = traceback.format_exception_only(type(exc), exc)
    text = exc.text if isinstance(exc, SyntaxError) and isinstance(exc.text, str) else ""
    indent = len(text) - len(text.lstrip(" \t\f"))
    if not text.strip() or not indent:
        return lines
    for at, line in enumerate(lines):
        if line.strip() == text.strip() and line.startswith("    "):
            lines[at] = "    " + text.rstrip("\r\n") + "\n"
            if at + 1 < len(lines) and lines[at + 1].strip(" ^~\n") == "":
                lines[at + 1] = " " * indent + lines[at + 1]
            break
    return lines


#: Python 3.10 reworded many syntax errors; HubSpot's 3.9 shows its own words. Each rule maps
#: a newer message (the same from 3.10 to 3.13) to 3.9's, checked against CPython 3.9.18:
#: (pattern, 3.9's message, the pattern's group that holds 3.9's line number or 0).
_PY39_SYNTAX = (
    (r"expected ':'", "invalid syntax", 0),
    (r"invalid syntax\. Perhaps you forgot a comma\?", "invalid syntax", 0),
    (r"invalid syntax\. Maybe you meant '==' or ':=' instead of '='\?", "invalid syntax", 0),
    (r"(cannot assign to .+?) here\. Maybe you meant '==' instead of '='\?", r"\1", 0),
    (
        r"unterminated string literal \(detected at line \d+\)",
        "EOL while scanning string literal",
        0,
    ),
    (
        r"unterminated triple-quoted string literal \(detected at line (\d+)\)",
        "EOF while scanning triple-quoted string literal",
        1,
    ),
    (r"expected an indented block after .+ on line \d+", "expected an indented block", 0),
)


def as_python39(exc: SyntaxError) -> SyntaxError:
    """``exc`` (a SyntaxError) as Python 3.9 would have raised it, where the wording is known.

    Messages 3.9 shares (``unmatched ')'``, ``unexpected indent``...) and those without a
    reliable 3.9 equivalent (``'(' was never closed``: 3.9 reports an EOF or the next line)
    are left as the running interpreter words them.
    """
    if sys.version_info < (3, 10) or not isinstance(exc.msg, str):
        return exc
    import re

    for pattern, words, line_group in _PY39_SYNTAX:
        match = re.fullmatch(pattern, exc.msg)
        if match is None:
            continue
        lineno, text = exc.lineno, exc.text
        if line_group:
            lineno, text = int(match.group(line_group)), None
        old = type(exc)(match.expand(words), (exc.filename, lineno, exc.offset, text))
        old.__traceback__ = exc.__traceback__
        return old
    return exc


def error_message(exc: BaseException, phase: str, action_path: str) -> Message:
    """The error Lambda's Python runtime reports for an exception the action raised.

    Its ``errorType`` is the class name and its ``errorMessage`` ``str(exc)``; an import
    that fails is ``Runtime.ImportModuleError`` and a syntax error
    ``Runtime.UserCodeSyntaxError``, each with awslambdaric's wording (``_get_handler``).
    """
    kind = type(exc).__name__
    module_name = os.path.splitext(os.path.basename(action_path))[0]
    message = str(exc)
    if phase == "init":
        if isinstance(exc, SyntaxError):
            exc = as_python39(exc)
            kind = "Runtime.UserCodeSyntaxError"
            message = f"Syntax error in module '{module_name}': {exc}"
        elif isinstance(exc, ImportError):
            kind = "Runtime.ImportModuleError"
            message = f"Unable to import module '{module_name}': {exc}"
    return {
        "type": "error",
        "phase": phase,
        "error_type": kind,
        "message": message,
        "traceback": format_traceback(exc, action_path),
        "http_status": http_status_of(exc),
    }


def exit_like_python(exc: BaseException, action_path: str) -> NoReturn:
    """End the process as an uncaught ``BaseException`` ends Lambda's runtime process.

    awslambdaric catches only ``Exception``; anything else (``SystemExit``,
    ``KeyboardInterrupt``, ``asyncio.CancelledError`` on 3.8+, ``GeneratorExit``) leaves
    the runtime and the interpreter handles it: ``SystemExit`` exits with its code (a
    non-integer code is printed to stderr, status 1); ``KeyboardInterrupt`` prints its
    traceback and ends the process with SIGINT; the rest print their traceback, status 1.
    The service then reports ``Runtime.ExitError`` from the exit status (the runner does).
    """
    if isinstance(exc, SystemExit):
        code = exc.code
        if code is None:
            status = 0
        elif isinstance(code, int):
            status = code & 0xFF
        else:
            sys.stderr.write(f"{code}\n")
            status = 1
    else:
        sys.stderr.write(format_traceback(exc, action_path))
        status = 1
    flush_std()
    if isinstance(exc, KeyboardInterrupt):
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    os._exit(status)


# --------------------------------------------------------------------------- marshalling


class MarshalError(Exception):
    """The handler's return value cannot be encoded as Lambda's runtime encodes it."""


def marshal_response(value: Any) -> tuple[bytes, str]:
    """Encode ``value`` as Lambda's Python runtime does; returns ``(bytes, content_type)``.

    awslambdaric's ``LambdaMarshaller`` passes a ``bytes`` return through untouched and
    otherwise encodes with simplejson (``allow_nan=True``, ASCII escapes on Python 3.9; a
    ``Decimal`` is written as its own digits, a NaN ``Decimal`` as ``NaN``; namedtuples become
    objects; ``bytes`` inside a value are decoded as UTF-8). The standard library's encoder
    does the rest once those cases are rewritten; a ``Decimal`` is stood in for by a unique
    string and its digits put back in the encoded text.
    """
    if isinstance(value, bytes):
        return value, "application/unknown"
    raw: dict[str, str] = {}
    token = f"\x00hsrun-{os.urandom(8).hex()}-"
    try:
        plain = _simplejson_like(value, raw, token, set())
        text = json.dumps(plain, allow_nan=True)
    except Exception as exc:  # awslambdaric turns any encoding failure into MarshalError
        raise MarshalError(f"Unable to marshal response: {exc}") from None
    for key, digits in raw.items():
        text = text.replace(json.dumps(key), digits, 1)
    return text.encode("ascii"), "application/json"


def _simplejson_like(o: Any, raw: dict[str, str], token: str, path: set[int]) -> Any:
    if o is None or isinstance(o, (str, bool, int, float)):
        return o
    if isinstance(o, bytes):
        return str(o, "utf-8")
    if isinstance(o, decimal.Decimal):
        if o.is_nan():
            return math.nan
        key = f"{token}{len(raw)}"
        raw[key] = str(o)
        return key
    asdict = getattr(o, "_asdict", None)
    if callable(asdict):
        o = asdict()
        if not isinstance(o, dict):
            raise TypeError(f"_asdict() must return a dict, not {type(o).__name__}")
    if isinstance(o, (list, tuple, dict)):
        if id(o) in path:
            raise ValueError("Circular reference detected")
        path.add(id(o))
        try:
            if isinstance(o, dict):
                return {
                    (str(k, "utf-8") if isinstance(k, bytes) else k): _simplejson_like(
                        v, raw, token, path
                    )
                    for k, v in o.items()
                }
            return [_simplejson_like(item, raw, token, path) for item in o]
        finally:
            path.discard(id(o))
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


def load_module(path: str, fresh: bool) -> ModuleType:
    name = os.path.splitext(os.path.basename(path))[0]
    if not fresh and name in sys.modules and getattr(sys.modules[name], "__file__", "") == path:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}", path=path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def run_job(job: Message, chan: Channel, state: dict[str, Any]) -> bool:
    """Run one invocation; answers with exactly one result or error message, or ends the
    process as Lambda's runtime process would end (``exit_like_python``)."""
    path = job["path"]
    env = job.get("env") or {}
    os.environ.clear()
    os.environ.update(env)
    action_dir = os.path.dirname(path)
    if action_dir not in sys.path:
        sys.path.insert(0, action_dir)
    if job.get("chdir", True):
        try:
            os.chdir(action_dir)
        except OSError:
            pass
    log_filter = setup_logging()

    module = state.get("module")
    init_ms = None
    if module is None or state.get("path") != path:
        # Init: Lambda imports the handler's module before any invocation has arrived, so
        # records logged at import time carry an empty request id.
        log_filter.request_id = ""
        t0 = time.perf_counter()
        try:
            module = load_module(path, fresh=True)
        except Exception as exc:
            flush_std()
            send_final(chan, job, error_message(exc, "init", path) | {"peak_kb": peak_memory_kb()})
            return False
        except BaseException as exc:
            exit_like_python(exc, path)
        init_ms = (time.perf_counter() - t0) * 1000
        if "boot_ms" in state:  # the process's first module: its start counts as on Lambda
            init_ms += state.pop("boot_ms") + preload_cost_used_by(module)
        state["module"], state["path"] = module, path
    log_filter.request_id = job.get("request_id", "")

    handler = getattr(module, "main", None)
    if not callable(handler):
        flush_std()
        name = os.path.splitext(os.path.basename(path))[0]
        send_final(
            chan,
            job,
            {
                "type": "error",
                "phase": "init",
                "error_type": "Runtime.HandlerNotFound",
                # awslambdaric's exact words; hsrun's hint travels apart from them.
                "message": f"Handler 'main' missing on module '{name}'",
                "hint": "HubSpot calls the action's main: define def main(event):",
                "traceback": "",
                "http_status": None,
                "init_ms": init_ms,
                "peak_kb": peak_memory_kb(),
            },
        )
        return False

    # The peak so far (interpreter, libraries, the module): what is left if the handler
    # then crashes the process before anything else is measured.
    chan.send(
        {
            "type": "start",
            "init_ms": init_ms,
            "peak_kb": peak_memory_kb(),
            "python": python_version(),
        }
    )
    t0 = time.perf_counter()
    timing = {"init_ms": init_ms}
    try:
        value = handler(job["event"])
        body, content_type = marshal_response(value)
    except MarshalError as exc:
        timing["duration_ms"] = (time.perf_counter() - t0) * 1000
        flush_std()
        send_final(
            chan,
            job,
            {
                "type": "error",
                "phase": "outputs",
                "error_type": "Runtime.MarshalError",
                "message": str(exc),
                "traceback": "",
                "http_status": None,
                "peak_kb": peak_memory_kb(),
                **timing,
            },
        )
        return True
    except Exception as exc:
        timing["duration_ms"] = (time.perf_counter() - t0) * 1000
        flush_std()
        send_final(
            chan,
            job,
            error_message(exc, "handler", path) | {"peak_kb": peak_memory_kb(), **timing},
        )
        return True
    except BaseException as exc:
        exit_like_python(exc, path)
    timing["duration_ms"] = (time.perf_counter() - t0) * 1000
    flush_std()
    result = {
        "type": "result",
        "value_type": type(value).__name__,
        "content_type": content_type,
        # What the service measures against its response limit: the encoded payload.
        "size": len(body),
        "peak_kb": peak_memory_kb(),
        **timing,
    }
    limit = job.get("max_response_bytes")
    if limit and len(body) > limit:
        result["value_json"] = None  # the runner fails the run on size; no need to copy it
    elif content_type == "application/json":
        result["value_json"] = body.decode("ascii")
    else:
        result["value_json"] = json.dumps(body.decode("utf-8", "backslashreplace"))
    send_final(chan, job, result)
    return True


def python_version() -> str:
    return ".".join(str(part) for part in sys.version_info[:3])


def send_final(chan: Channel, job: Message, msg: Message) -> None:
    """Send a job's one result or error message, saying which library versions ran it."""
    msg["libraries"] = library_versions(job.get("libraries"))
    msg["python"] = python_version()
    chan.send(msg)


def flush_std() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


def preload_cost_used_by(module: ModuleType) -> float:
    """The pre-import time of the preloaded libraries ``module`` refers to at top level."""
    cost = STARTUP.preload_ms
    used = set()
    for value in list(vars(module).values()):
        name = getattr(value, "__name__", "") if isinstance(value, type(os)) else ""
        name = name or getattr(value, "__module__", None) or ""
        top = name.split(".", 1)[0] if isinstance(name, str) else ""
        if top in cost:
            used.add(top)
            used.update(d for d in PRELOAD_DEPENDS.get(top, ()) if d in cost)
    return sum(cost[top] for top in used)


#: Preloaded libraries that import another preloaded one first (whose cost they then share).
PRELOAD_DEPENDS = {"requests": ("urllib3",), "hubspot": ("urllib3",)}


def process_age_ms() -> float:
    """Milliseconds since this process started (Linux ``/proc``; 0 elsewhere)."""
    try:
        with open("/proc/self/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
        with open("/proc/uptime", "rb") as fh:
            uptime = float(fh.read().split()[0])
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")
        return max(0.0, (uptime - started) * 1000)
    except (OSError, ValueError, IndexError):
        return 0.0


class Startup:
    """This interpreter's start-up before any preload, and each preloaded library's import,
    in ms. Lambda's "Init Duration" covers the runtime process's start and the import of the
    handler's module with the libraries it imports; a worker started from pre-imported
    libraries adds back the cost of those its action uses."""

    interpreter_ms = 0.0
    preload_ms: dict[str, float] = {}  # noqa: RUF012 - one per process, filled by preload
    forked = False


STARTUP = Startup


def worker_loop(chan: Channel) -> NoReturn:
    age = process_age_ms()
    if STARTUP.forked:  # the zygote's interpreter start, then the fork until now
        base = STARTUP.interpreter_ms + age
    else:  # this process's own start, less the libraries it pre-imported
        base = max(0.0, age - sum(STARTUP.preload_ms.values()))
    state: dict[str, Any] = {"boot_ms": base}
    while True:
        job = chan.recv()
        if job is None or job.get("type") == "exit":
            os._exit(0)
        apply_limits(job)
        if not enter_sandbox(job, chan, state):
            flush_std()
            os._exit(0)
        if job.get("type") == "enter":
            continue  # a spare: in the action's sandbox before its run is asked for
        install_network_guard(job)
        install_hubspot_route(job)
        healthy = run_job(job, chan, state)
        if not job.get("warm") or not healthy:
            flush_std()
            os._exit(0)


# --------------------------------------------------------------------------- sandbox entry

_SANDBOX_MODULE: Any = None


def sandbox_module() -> Any:
    """``sandbox/_enter.py`` beside this file, loaded by path (it stands alone too)."""
    global _SANDBOX_MODULE
    if _SANDBOX_MODULE is None:
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sandbox", "_enter.py")
        spec = importlib.util.spec_from_file_location("_hsrun_sandbox_enter", path)
        if spec is None or spec.loader is None:
            raise ImportError("hsrun's sandbox module is missing: " + path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _SANDBOX_MODULE = module
    return _SANDBOX_MODULE


def enter_sandbox(job: Message, chan: Channel, state: dict[str, Any]) -> bool:
    """Enter the job's sandbox once per process, before any of the action's code runs, and
    tell the parent which isolation it got. False: the run already failed (reported)."""
    spec = job.get("sandbox")
    if not spec or state.get("sandboxed"):
        return True
    state["sandboxed"] = True
    module = sandbox_module()
    spec = dict(spec, keep=list(spec.get("keep") or ()) + module.python_paths())

    def setup_failed(reason: str) -> None:
        chan.send(sandbox_error("the sandbox could not be set up: " + reason))

    try:
        module.enter(spec, close_in_init=(chan.sock.fileno(),), on_setup_error=setup_failed)
    except Exception as exc:
        if getattr(exc, "stage", "") == "unshare" and not spec.get("required"):
            chan.send({"type": "sandbox", "isolation": "process", "reason": str(exc)})
            return True
        chan.send(sandbox_error("the kernel refused the sandbox: " + repr(exc)))
        return False
    chan.send({"type": "sandbox", "isolation": "namespaces"})
    send_inherited(chan)  # the action's process was forked (twice) to enter the namespaces
    return True


def sandbox_error(message: str) -> Message:
    return {
        "type": "error",
        "phase": "init",
        "error_type": "Sandbox.SetupError",
        "message": message + " (HSRUN_ISOLATION=process runs without it)",
        "traceback": "",
        "http_status": None,
        "peak_kb": 0,
        "libraries": {},
    }


# --------------------------------------------------------------------------- zygote


def use_library_folder(folder: str | None) -> None:
    """Import HubSpot's libraries from ``folder`` (``hsrun libs install``) before anything
    else: first on ``sys.path``, as Lambda puts a function's own packages first, and before
    the preload, so no module of hsrun's environment is loaded in its place."""
    if folder:
        sys.path.insert(0, folder)


#: (top-level module, distribution) -> version, found once per process.
_VERSIONS: dict[tuple[str, str], str | None] = {}


def library_versions(libraries: Mapping[str, str] | None) -> dict[str, str]:
    """Versions of the HubSpot libraries this process has loaded, by distribution name.

    ``libraries`` maps a top-level module to its distribution (``hubspot`` ->
    ``hubspot-api-client``). The version comes from the ``.dist-info`` folder beside the
    loaded package, so it names what actually ran, wherever it was imported from; not every
    library has a ``__version__`` (hubspot-api-client has none).
    """
    found: dict[str, str] = {}
    for module_name, dist in (libraries or {}).items():
        module = sys.modules.get(module_name)
        if module is None and module_name not in DEFAULT_PRELOAD:
            continue
        key = (module_name, dist)
        if key not in _VERSIONS:
            _VERSIONS[key] = _dist_version(module_name, module, dist)
        version = _VERSIONS[key]
        if version:
            found[dist] = version
    return found


def _dist_version(name: str, module: ModuleType | None, dist: str) -> str | None:
    """The version of ``dist``, read beside the package ``name`` as loaded, or for one of
    HubSpot's libraries that a one-shot run did not pre-import (its action does not use it),
    as it would be loaded: the same answer however the run was started."""
    if module is not None:
        path = getattr(module, "__file__", None) or ""
    else:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        path = (spec.origin or "") if spec is not None else ""
    if not path:
        return getattr(module, "__version__", None)  # None for a library not installed
    site = os.path.dirname(path)
    if os.path.basename(path) == "__init__.py":
        site = os.path.dirname(site)
    prefix = dist.replace("-", "_").replace(".", "_").lower() + "-"
    try:
        names = os.listdir(site)
    except OSError:
        names = []
    for name in names:
        if name.endswith(".dist-info") and name.lower().startswith(prefix):
            return name[len(prefix) : -len(".dist-info")]
    return getattr(module, "__version__", None)


#: HubSpot's libraries by top-level module (the runner sends the same map with each job).
REPORTED_LIBRARIES = {
    "requests": "requests",
    "hubspot": "hubspot-api-client",
    "googleapiclient": "google-api-python-client",
    "mysql": "mysql-connector-python",
    "redis": "redis",
    "nltk": "nltk",
    "urllib3": "urllib3",
}


def preload(modules: Iterable[str]) -> None:
    cost = STARTUP.preload_ms
    for name in modules:
        t0 = time.perf_counter()
        try:
            __import__(name)
        except Exception:
            pass
        cost[name] = cost.get(name, 0.0) + (time.perf_counter() - t0) * 1000
    # hubspot's top-level package is cheap; its API packages are what actions touch, through
    # the client's discovery layer (``client.crm.contacts``). In hubspot-api-client 8.x (the
    # version HubSpot runs) that layer imports pkg_resources: ~150 ms at the first API call
    # of every cold run unless it is imported here, from the same library folder.
    if "hubspot" in sys.modules:
        t0 = time.perf_counter()
        for name in PRELOAD_HUBSPOT:
            try:
                __import__(name)
            except Exception:
                pass
        # 8.x also asks pkg_resources for its own version at every API's first use, which
        # parses every dependency's requirements (~40 ms); the answer is cached per
        # distribution, so asking once here leaves workers the cached answer.
        pkg_resources = sys.modules.get("pkg_resources")
        if pkg_resources is not None:
            try:
                pkg_resources.require("hubspot-api-client")
            except Exception:
                pass
        cost["hubspot"] = cost.get("hubspot", 0.0) + (time.perf_counter() - t0) * 1000
    # Look the versions up once here: forked workers inherit the answers instead of each
    # listing site-packages again.
    library_versions(REPORTED_LIBRARIES)


class PacketChannel:
    """JSON messages over a SOCK_SEQPACKET socket: one message per packet."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def send(self, msg: Message) -> None:
        msg["v"] = PROTOCOL_VERSION
        self.sock.send(json.dumps(msg).encode())


class ZygoteClients:
    """Who the zygote forks for: its owner (the socketpair it was started with) and, with a
    listening socket, every process that connects to it, one connection each.

    Each worker belongs to the connection that asked for it: its "spawned" and "exited"
    messages go there, and it is killed when that connection closes (its client died or was
    cancelled, so nobody would supervise it). The owner's workers are left alone, as before.
    """

    def __init__(
        self,
        sel: selectors.BaseSelector,
        owner: socket.socket,
        listener: socket.socket | None,
    ) -> None:
        self.sel, self.owner, self.listener = sel, owner, listener
        # fd -> socket, the owner included; pid -> socket of the connection that asked for it.
        self.conns: dict[int, socket.socket] = {}
        self.workers: dict[int, socket.socket] = {}
        self.add(owner)

    def add(self, sock: socket.socket) -> None:
        self.conns[sock.fileno()] = sock
        self.sel.register(sock, selectors.EVENT_READ, "client")
        PacketChannel(sock).send({"type": "ready", "pid": os.getpid()})

    def accept(self) -> None:
        if self.listener is None:
            return
        try:
            conn, _addr = self.listener.accept()
        except OSError:
            return
        # A stuck client must not stall everyone else: drop it if it stops reading.
        conn.settimeout(5.0)
        try:
            self.add(conn)
        except OSError:
            self.drop(conn)

    def send(self, sock: socket.socket, msg: Message) -> None:
        try:
            PacketChannel(sock).send(msg)
        except OSError:
            if sock is not self.owner:
                self.drop(sock)

    def drop(self, sock: socket.socket) -> None:
        """Forget a closed client connection and kill the workers it left behind."""
        if self.conns.pop(sock.fileno(), None) is None:
            return
        try:
            self.sel.unregister(sock)
        except (KeyError, ValueError):
            pass
        sock.close()
        for pid, owner in list(self.workers.items()):
            if owner is sock:
                del self.workers[pid]
                kill_worker(pid)

    def owner_gone(self) -> None:
        """The owner closed its end: without a listener that ends the zygote; with one, it
        stops accepting and ends once its last client has gone."""
        if self.listener is None:
            os._exit(0)
        self.conns.pop(self.owner.fileno(), None)
        self.sel.unregister(self.owner)
        self.owner.close()
        if self.listener is not None:
            self.sel.unregister(self.listener)
            self.listener.close()
            self.listener = None
        self.exit_if_idle()

    def exit_if_idle(self) -> None:
        if self.listener is None and not self.conns:
            os._exit(0)

    def sockets(self) -> list[socket.socket]:
        socks = list(self.conns.values())
        return [*socks, self.listener] if self.listener is not None else socks


def kill_worker(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        # Not yet its own group leader (killed between fork and setsid): kill it alone.
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def zygote_loop(owner: socket.socket, listener: socket.socket | None = None) -> NoReturn:
    """Fork a worker per request; report each worker's exit status to the client that asked."""
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    sel = selectors.DefaultSelector()
    sel.register(wake_r, selectors.EVENT_READ, "chld")
    if listener is not None:
        sel.register(listener, selectors.EVENT_READ, "accept")
    clients = ZygoteClients(sel, owner, listener)
    while True:
        for key, _ in sel.select():
            if key.data == "chld":
                os.read(wake_r, 4096)
                reap(clients)
            elif key.data == "accept":
                clients.accept()
            elif isinstance(key.fileobj, socket.socket) and key.fileobj.fileno() in clients.conns:
                serve_request(key.fileobj, clients, sel, (wake_r, wake_w))
        reap(clients)


def serve_request(
    sock: socket.socket,
    clients: ZygoteClients,
    sel: selectors.BaseSelector,
    wake_fds: tuple[int, int],
) -> None:
    try:
        msg, fds, _flags, _addr = socket.recv_fds(sock, 65536, 4)
    except OSError:
        msg, fds = b"", []
    if not msg:
        for fd in fds:
            os.close(fd)
        if sock is clients.owner:
            clients.owner_gone()
        else:
            clients.drop(sock)
            clients.exit_if_idle()
        return
    request = json.loads(msg)
    if SLOT is not None:
        sweep_slot(settle_s=0.5)  # what an earlier run left
    pid = os.fork()
    if pid == 0:
        sel.close()
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd in wake_fds:
            os.close(fd)
        if request.get("exec"):
            become_program(fds, clients.sockets(), request["exec"])
        if request.get("slot"):
            become_slot(fds, clients.sockets(), request["slot"])
        become_worker(fds, clients.sockets())
    for fd in fds:
        os.close(fd)
    if SLOT is not None:
        SLOT_RUNS.add(pid)
    if sock is not clients.owner:
        clients.workers[pid] = sock
    clients.send(sock, {"type": "spawned", "id": request["id"], "pid": pid})


def reap(clients: ZygoteClients) -> None:
    while True:
        try:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        if pid in SLOT_RUNS:
            SLOT_RUNS.discard(pid)
            if not SLOT_RUNS:
                # A run is over when its process is: what it started goes with it, as a
                # Lambda environment is frozen once the handler returns.
                sweep_slot()
        sock = clients.workers.pop(pid, clients.owner)
        if sock.fileno() in clients.conns:
            msg = {"type": "exited", "pid": pid, "status": status, "maxrss": usage.ru_maxrss}
            clients.send(sock, msg)


_LIBC: Any = None  # the C library, loaded once by the zygote for every worker


def die_with_parent() -> None:
    """Ask the kernel to SIGKILL this process when its parent dies.

    The parent owns the clock; if the parent is killed, nothing would stop an action that
    loops forever. Linux only (prctl PR_SET_PDEATHSIG); elsewhere a no-op.
    """
    global _LIBC
    parent = os.getppid()
    try:
        if _LIBC is None:
            import ctypes

            _LIBC = ctypes.CDLL(None, use_errno=True)
        _LIBC.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except Exception:
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def detach(zygote_socks: list[socket.socket], out_fd: int, err_fd: int) -> None:
    """A forked worker's first steps: its own session, no zygote connection (a client sees
    its connection close only once every copy is closed), the run's output pipes as its
    standard streams, and death with the zygote."""
    for sock in zygote_socks:
        sock.close()
    os.setsid()
    die_with_parent()
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(out_fd, 1)
    os.dup2(err_fd, 2)
    for fd in (devnull, out_fd, err_fd):
        if fd > 2:
            os.close(fd)


def become_worker(fds: list[int], zygote_socks: list[socket.socket]) -> NoReturn:
    control_fd, out_fd, err_fd = fds
    try:
        detach(zygote_socks, out_fd, err_fd)
        STARTUP.forked = True
        reopen_std_streams()
        chan = Channel(socket.socket(fileno=control_fd))
        if SLOT is not None:
            # A run in a slot's sandbox: dumpable again (its /proc files its own, as any
            # process's), its own /tmp, and the first to go if the sandbox's memory runs out
            # (the slot's own processes stay).
            set_dumpable(True)
            try:
                sandbox_module().private_tmp(SLOT.get("tmp_mb"), SLOT_KEPT)
                with open("/proc/self/oom_score_adj", "w") as fh:
                    fh.write("500")
            except Exception as exc:
                chan.send(sandbox_error("the run's private /tmp could not be made: " + str(exc)))
                os._exit(1)
            chan.send({"type": "sandbox", "isolation": "namespaces"})
        # What the fork left unmapped of the zygote's file pages: the parent adds it to
        # this worker's VmHWM, so a run reports the whole-process figure a fresh process
        # (Lambda's "Max Memory Used") would, however it was started.
        send_inherited(chan)
        worker_loop(chan)
    finally:
        os._exit(70)


#: In a slot (a zygote inside one action's sandbox, forking a fresh process per run): the
#: sandbox's plan. None in the zygote and in a worker.
SLOT: Message | None = None
#: The slot's kept paths inside its private folders, bound again into each run's.
SLOT_KEPT: list[str] = []
#: The slot's workers still running (one at a time, but the next may be forked before the
#: last one's end is seen).
SLOT_RUNS: set[int] = set()


def become_slot(fds: list[int], zygote_socks: list[socket.socket], spec: Message) -> NoReturn:
    """Enter ``spec``'s sandbox once, then fork a worker per run inside it, as the zygote
    does outside: Lambda's execution environment, reused, with a fresh process (and
    ``/tmp``) for every run. ``fds[0]`` is a SOCK_SEQPACKET socket to the runner."""
    global SLOT
    control_fd, out_fd, err_fd = fds
    try:
        detach(zygote_socks, out_fd, err_fd)
        sock = socket.socket(fileno=control_fd)
        module = sandbox_module()
        spec = dict(spec, keep=list(spec.get("keep") or ()) + module.python_paths())

        def failed(reason: str) -> None:
            PacketChannel(sock).send({"type": "error", "message": reason})

        try:
            module.enter(spec, close_in_init=(control_fd,), on_setup_error=failed)
            SLOT_KEPT[:] = module.kept_in_tmp(spec)
            module.cover_private_tmp()
        except Exception as exc:
            stage = getattr(exc, "stage", "setup")
            PacketChannel(sock).send({"type": "error", "stage": stage, "message": str(exc)})
            os._exit(1)
        if os.getpid() != 2:  # init's first child in the sandbox's own PID namespace
            PacketChannel(sock).send({"type": "error", "message": "not in a PID namespace"})
            os._exit(1)
        # Not dumpable: a run (the same user, root of the same user namespace) could
        # otherwise write into this process's memory (/proc/2/mem, ptrace) and so into every
        # later run it forks. The kernel then asks for a capability the run does not have
        # (in the namespace its memory was created in, the machine's).
        set_dumpable(False)
        SLOT = spec
        zygote_loop(sock)
    finally:
        os._exit(70)


def set_dumpable(on: bool) -> None:
    """``prctl(PR_SET_DUMPABLE)``: whether processes of the same user may read and write
    this one's memory (through ``/proc`` or ptrace) without a capability."""
    if _LIBC is not None:
        _LIBC.prctl(4, 1 if on else 0, 0, 0, 0)  # PR_SET_DUMPABLE


def sweep_slot(settle_s: float = 0.0) -> None:
    """Kill whatever the last run left (every process of the sandbox's PID namespace but its
    init and this one). With ``settle_s`` (before the next run is forked): wait that long at
    most for init to have reaped them, so that they no longer count against the next run's
    process limit."""
    if os.getpid() != 2:  # never outside the sandbox: -1 would be every process of the user
        return
    try:
        os.kill(-1, signal.SIGKILL)
    except OSError:
        pass
    end = time.monotonic() + settle_s
    while time.monotonic() < end:
        try:
            pids = [int(n) for n in os.listdir("/proc") if n.isdigit()]
        except OSError:
            return
        # This process's own runs are reaped by its loop (and reported): only what they
        # left, which init reaps, is waited for.
        if not [p for p in pids if p > 2 and p not in SLOT_RUNS]:
            return
        time.sleep(0.001)


def become_program(
    fds: list[int], zygote_socks: list[socket.socket], plan: dict[str, Any]
) -> NoReturn:
    """Enter ``plan["sandbox"]`` and execute ``plan["argv"]`` (a Node.js child): what
    ``python _enter.py SPEC -- COMMAND`` does, without an interpreter started for it."""
    control_fd, out_fd, err_fd = fds
    try:
        detach(zygote_socks, out_fd, err_fd)
        # What this interpreter changed and a program expects at its defaults.
        for name in ("SIGPIPE", "SIGXFSZ", "SIGINT"):
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), signal.SIG_DFL)
        argv = [str(a).replace("{control_fd}", str(control_fd)) for a in plan["argv"]]
        env = {str(k): str(v) for k, v in (plan.get("env") or {}).items()}
        sandbox_module().enter(plan["sandbox"], close_in_init=(control_fd,))
        os.set_inheritable(control_fd, True)
        os.execve(argv[0], argv, env)
    except BaseException as exc:
        try:
            program = plan.get("argv", ["?"])[0]
            os.write(2, f"hsrun: cannot start {program}: {exc}\n".encode())
        except OSError:
            pass
    finally:
        os._exit(71)


def main(argv: list[str]) -> None:
    global ZYGOTE_FILE_KB
    args = dict(zip(argv[::2], argv[1::2]))  # noqa: B905 - runs on Python 3.9 too
    use_library_folder(args.get("--path"))
    STARTUP.interpreter_ms = process_age_ms()
    preload([m for m in args.get("--preload", "").split(",") if m])
    sock = socket.socket(fileno=int(args["--control-fd"]))
    if args.get("--mode") == "zygote":
        import ctypes
        import gc

        global _LIBC
        _LIBC = ctypes.CDLL(None, use_errno=True)  # loaded once here for every worker's prctl
        try:
            sandbox_module().libc()  # compiled and loaded once for every sandboxed worker
        except Exception:
            pass

        # Objects loaded so far are never collected: forked workers then do not touch (and
        # copy) their pages when the collector runs.
        gc.freeze()
        ZYGOTE_FILE_KB = rss_file_kb()
        listen_fd = args.get("--listen-fd")
        listener = socket.socket(fileno=int(listen_fd)) if listen_fd else None
        zygote_loop(sock, listener)
    else:
        ZYGOTE_FILE_KB = rss_file_kb()  # a sandbox forks the action's process from this one
        die_with_parent()
        reopen_std_streams()
        chan = Channel(sock)
        chan.send({"type": "ready", "pid": os.getpid()})
        worker_loop(chan)


if __name__ == "__main__":
    main(sys.argv[1:])
