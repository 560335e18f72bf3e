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
"""

import importlib.util
import io
import json
import logging
import os
import resource
import selectors
import signal
import socket
import sys
import time
import traceback

PROTOCOL_VERSION = 1
LOOPBACK = ("localhost", "127.0.0.1", "::1", "ip6-localhost")
# The libraries HubSpot's Python runtime ships that are worth pre-importing.
DEFAULT_PRELOAD = ("urllib3", "requests", "hubspot")


class NetworkBlockedError(ConnectionRefusedError):
    """Raised for an outbound connection the action's manifest does not allow."""


# --------------------------------------------------------------------------- messaging


class Channel:
    """Newline-delimited JSON over a connected socket."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def send(self, msg):
        msg["v"] = PROTOCOL_VERSION
        data = (json.dumps(msg, default=repr) + "\n").encode()
        self.sock.sendall(data)

    def recv(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return json.loads(line)


# --------------------------------------------------------------------------- sandbox


def _host_allowed(host, allowed):
    host = (host or "").lower().rstrip(".")
    for pattern in allowed:
        pattern = pattern.lower()
        if pattern == host or (pattern.startswith("*.") and host.endswith(pattern[1:])):
            return True
    return False


def install_network_guard(job):
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

    def guarded_getaddrinfo(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else str(host)
        if _host_allowed(name, allowed) or name.startswith("127."):
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

    def __init__(self, name, callback):
        self.name, self.callback = name, callback

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        loader, callback = spec.loader, self.callback
        exec_module = loader.exec_module

        def exec_and_patch(module):
            exec_module(module)
            callback(module)

        loader.exec_module = exec_and_patch
        return spec


def _hubspot_hosts(job):
    """HubSpot's API hosts, as the runner sends them (``runtime.contract.hosts``: this file
    cannot import it)."""
    return frozenset((job.get("network") or {}).get("hubspot_hosts") or ())


def install_hubspot_route(job):
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


def _route_poolmanager(poolmanager, url, hosts):
    scheme, _, rest = url.partition("://")
    hostport = rest.split("/", 1)[0]
    host, _, port = hostport.rpartition(":")
    target = (scheme, host, int(port))
    original = poolmanager.PoolManager.connection_from_host
    if getattr(original, "_hsrun_routed", False):
        original = original.__wrapped__

    def connection_from_host(self, host, port=None, scheme="http", pool_kwargs=None):
        if host and host.lower().rstrip(".") in hosts:
            scheme, host, port = target
        return original(self, host, port=port, scheme=scheme, pool_kwargs=pool_kwargs)

    connection_from_host._hsrun_routed = True
    connection_from_host.__wrapped__ = original
    poolmanager.PoolManager.connection_from_host = connection_from_host


def apply_limits(job):
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


class LambdaLogHandler(logging.Handler):
    """Formats records as AWS Lambda's Python runtime does: [LEVEL] time request-id message."""

    def __init__(self, request_id):
        super().__init__()
        self.request_id = request_id

    def emit(self, record):
        try:
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            stamp += f".{int(record.msecs):03d}Z"
            msg = self.format(record)
            sys.stdout.write(f"[{record.levelname}]\t{stamp}\t{self.request_id}\t{msg}\n")
            sys.stdout.flush()
        except Exception:
            self.handleError(record)


_LOG_HANDLER = None


def setup_logging(request_id):
    """Install Lambda's root handler once per process; later jobs (warm) only change the
    request id, so logging set up by the action's module survives as it does on Lambda."""
    global _LOG_HANDLER
    if _LOG_HANDLER is None:
        _LOG_HANDLER = LambdaLogHandler(request_id)
        root = logging.getLogger()
        for handler in list(root.handlers):
            root.removeHandler(handler)
        root.addHandler(_LOG_HANDLER)
        root.setLevel(logging.WARNING)  # Lambda's default: logger.info needs setLevel(INFO)
    _LOG_HANDLER.request_id = request_id


def reopen_std_streams():
    sys.stdout = io.TextIOWrapper(
        io.FileIO(1, "w", closefd=False),
        encoding="utf-8",
        errors="backslashreplace",
        line_buffering=True,
    )
    sys.stderr = io.TextIOWrapper(
        io.FileIO(2, "w", closefd=False),
        encoding="utf-8",
        errors="backslashreplace",
        line_buffering=True,
    )


# --------------------------------------------------------------------------- running


def peak_memory_kb():
    try:
        with open("/proc/self/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


HTTP_CLIENT_MODULES = ("hubspot", "requests", "urllib3")


def http_status_of(exc):
    """The HTTP status of an HTTP client's error the action raised (HubSpot retries on 429
    and 5xx "if the code throws/raises the error", e.g. re-raised in an except block).

    Only errors of hubspot-api-client, requests and urllib3 count, and only the raised error
    or what it was explicitly raised ``from``: an unrelated error raised while handling an
    HTTP error (its implicit ``__context__``) is a bug in the handler, not a rate limit.
    """
    seen = set()
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


def format_traceback(exc, action_path):
    frames = traceback.extract_tb(exc.__traceback__)
    # Drop the bootstrap's own frames and the import machinery's: the user's story starts in
    # their file.
    user = [f for f in frames if f.filename != __file__ and not f.filename.startswith("<frozen ")]
    lines = ["Traceback (most recent call last):\n"]
    for entry in traceback.format_list(user):
        # Newer Pythons underline the failing expression (^^^^); HubSpot's 3.9 does not.
        kept = [ln for ln in entry.splitlines(True) if ln.strip(" ^~\n")]
        lines.append("".join(kept))
    lines += traceback.format_exception_only(type(exc), exc)
    return "".join(lines)


def error_message(exc, phase, action_path):
    kind = type(exc).__name__
    module_name = os.path.splitext(os.path.basename(action_path))[0]
    message = str(exc)
    if phase == "init":
        # Lambda's Python runtime names import failures this way.
        if isinstance(exc, SyntaxError):
            kind = "Runtime.UserCodeSyntaxError"
            where = f"({os.path.basename(exc.filename or action_path)}, line {exc.lineno})"
            message = f"Syntax error in module '{module_name}': {exc.msg} {where}"
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


def load_module(path, fresh):
    name = os.path.splitext(os.path.basename(path))[0]
    if not fresh and name in sys.modules and getattr(sys.modules[name], "__file__", "") == path:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def run_job(job, chan, state):
    """Run one invocation; always answers with exactly one result or error message."""
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
    setup_logging(job.get("request_id", ""))

    module = state.get("module")
    init_ms = None
    if module is None or state.get("path") != path:
        t0 = time.perf_counter()
        try:
            module = load_module(path, fresh=True)
        except BaseException as exc:
            flush_std()
            send_final(chan, job, error_message(exc, "init", path) | {"peak_kb": peak_memory_kb()})
            return False
        init_ms = (time.perf_counter() - t0) * 1000
        state["module"], state["path"] = module, path

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
                "message": f"Handler 'main' missing on module '{name}': define def main(event):",
                "traceback": "",
                "http_status": None,
                "init_ms": init_ms,
                "peak_kb": peak_memory_kb(),
            },
        )
        return False

    # The peak so far (interpreter, libraries, the module): what is left if the handler
    # then crashes the process before anything else is measured.
    chan.send({"type": "start", "init_ms": init_ms, "peak_kb": peak_memory_kb()})
    t0 = time.perf_counter()
    try:
        value = handler(job["event"])
    except SystemExit as exc:
        flush_std()
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        msg = error_message(exc, "handler", path)
        msg.update(
            error_type="Runtime.ExitError", message=f"Runtime exited with error: exit status {code}"
        )
        send_final(
            chan,
            job,
            msg
            | {
                "duration_ms": (time.perf_counter() - t0) * 1000,
                "init_ms": init_ms,
                "peak_kb": peak_memory_kb(),
            },
        )
        return False
    except BaseException as exc:
        flush_std()
        send_final(
            chan,
            job,
            error_message(exc, "handler", path)
            | {
                "duration_ms": (time.perf_counter() - t0) * 1000,
                "init_ms": init_ms,
                "peak_kb": peak_memory_kb(),
            },
        )
        return True
    duration_ms = (time.perf_counter() - t0) * 1000
    flush_std()
    try:
        encoded = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        send_final(
            chan,
            job,
            {
                "type": "error",
                "phase": "outputs",
                "error_type": "Runtime.MarshalError",
                "message": f"Unable to marshal response: {exc}",
                "traceback": "",
                "http_status": None,
                "duration_ms": duration_ms,
                "init_ms": init_ms,
                "peak_kb": peak_memory_kb(),
            },
        )
        return True
    send_final(
        chan,
        job,
        {
            "type": "result",
            "value_json": encoded,
            "value_type": type(value).__name__,
            "duration_ms": duration_ms,
            "init_ms": init_ms,
            "peak_kb": peak_memory_kb(),
        },
    )
    return True


def send_final(chan, job, msg):
    """Send a job's one result or error message, saying which library versions ran it."""
    msg["libraries"] = library_versions(job.get("libraries"))
    chan.send(msg)


def flush_std():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


def worker_loop(chan):
    state = {}
    while True:
        job = chan.recv()
        if job is None or job.get("type") == "exit":
            os._exit(0)
        apply_limits(job)
        install_network_guard(job)
        install_hubspot_route(job)
        healthy = run_job(job, chan, state)
        if not job.get("warm") or not healthy:
            flush_std()
            os._exit(0)


# --------------------------------------------------------------------------- zygote


def use_library_folder(folder):
    """Import HubSpot's libraries from ``folder`` (``hsrun libs install``) before anything
    else: first on ``sys.path``, as Lambda puts a function's own packages first, and before
    the preload, so no module of hsrun's environment is loaded in its place."""
    if folder:
        sys.path.insert(0, folder)


_VERSIONS = {}  # (top-level module, distribution) -> version, found once per process


def library_versions(libraries):
    """Versions of the HubSpot libraries this process has loaded, by distribution name.

    ``libraries`` maps a top-level module to its distribution (``hubspot`` ->
    ``hubspot-api-client``). The version comes from the ``.dist-info`` folder beside the
    loaded package, so it names what actually ran, wherever it was imported from; not every
    library has a ``__version__`` (hubspot-api-client has none).
    """
    found = {}
    for module_name, dist in (libraries or {}).items():
        module = sys.modules.get(module_name)
        if module is None:
            continue
        key = (module_name, dist)
        if key not in _VERSIONS:
            _VERSIONS[key] = _dist_version(module, dist)
        if _VERSIONS[key]:
            found[dist] = _VERSIONS[key]
    return found


def _dist_version(module, dist):
    path = getattr(module, "__file__", None) or ""
    if not path:
        return getattr(module, "__version__", None)
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


def preload(modules):
    for name in modules:
        try:
            __import__(name)
        except Exception:
            pass
    # hubspot's top-level package is cheap; its API packages are what actions touch.
    if "hubspot" in sys.modules:
        try:
            import hubspot.crm.contacts  # noqa: F401
            from hubspot import HubSpot  # noqa: F401
        except Exception:
            pass
    # Look the versions up once here: forked workers inherit the answers instead of each
    # listing site-packages again.
    library_versions(REPORTED_LIBRARIES)


class PacketChannel:
    """JSON messages over a SOCK_SEQPACKET socket: one message per packet."""

    def __init__(self, sock):
        self.sock = sock

    def send(self, msg):
        msg["v"] = PROTOCOL_VERSION
        self.sock.send(json.dumps(msg).encode())


class ZygoteClients:
    """Who the zygote forks for: its owner (the socketpair it was started with) and, with a
    listening socket, every process that connects to it, one connection each.

    Each worker belongs to the connection that asked for it: its "spawned" and "exited"
    messages go there, and it is killed when that connection closes (its client died or was
    cancelled, so nobody would supervise it). The owner's workers are left alone, as before.
    """

    def __init__(self, sel, owner, listener):
        self.sel, self.owner, self.listener = sel, owner, listener
        self.conns = {}  # fd -> socket, the owner included
        self.workers = {}  # pid -> socket of the connection that asked for it
        self.add(owner)

    def add(self, sock):
        self.conns[sock.fileno()] = sock
        self.sel.register(sock, selectors.EVENT_READ, "client")
        PacketChannel(sock).send({"type": "ready", "pid": os.getpid()})

    def accept(self):
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

    def send(self, sock, msg):
        try:
            PacketChannel(sock).send(msg)
        except OSError:
            if sock is not self.owner:
                self.drop(sock)

    def drop(self, sock):
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

    def owner_gone(self):
        """The owner closed its end: without a listener that ends the zygote; with one, it
        stops accepting and ends once its last client has gone."""
        if self.listener is None:
            os._exit(0)
        self.conns.pop(self.owner.fileno(), None)
        self.sel.unregister(self.owner)
        self.owner.close()
        self.sel.unregister(self.listener)
        self.listener.close()
        self.listener = None
        self.exit_if_idle()

    def exit_if_idle(self):
        if self.listener is None and not self.conns:
            os._exit(0)

    def sockets(self):
        socks = list(self.conns.values())
        return [*socks, self.listener] if self.listener is not None else socks


def kill_worker(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        # Not yet its own group leader (killed between fork and setsid): kill it alone.
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def zygote_loop(owner, listener=None):
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
            elif key.fileobj.fileno() in clients.conns:
                serve_request(key.fileobj, clients, sel, (wake_r, wake_w))
        reap(clients)


def serve_request(sock, clients, sel, wake_fds):
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
    pid = os.fork()
    if pid == 0:
        sel.close()
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd in wake_fds:
            os.close(fd)
        become_worker(fds, clients.sockets())
    for fd in fds:
        os.close(fd)
    if sock is not clients.owner:
        clients.workers[pid] = sock
    clients.send(sock, {"type": "spawned", "id": request["id"], "pid": pid})


def reap(clients):
    while True:
        try:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        sock = clients.workers.pop(pid, clients.owner)
        if sock.fileno() in clients.conns:
            msg = {"type": "exited", "pid": pid, "status": status, "maxrss": usage.ru_maxrss}
            clients.send(sock, msg)


_LIBC = None  # the C library, loaded once by the zygote for every worker


def die_with_parent():
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


def become_worker(fds, zygote_socks):
    control_fd, out_fd, err_fd = fds
    try:
        # The worker must hold no zygote connection: a client sees its connection close
        # only once every copy is closed.
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
        reopen_std_streams()
        control = socket.socket(fileno=control_fd)
        worker_loop(Channel(control))
    finally:
        os._exit(70)


def main(argv):
    args = dict(zip(argv[::2], argv[1::2]))  # noqa: B905 - runs on Python 3.9 too
    use_library_folder(args.get("--path"))
    preload([m for m in args.get("--preload", "").split(",") if m])
    sock = socket.socket(fileno=int(args["--control-fd"]))
    if args.get("--mode") == "zygote":
        import ctypes
        import gc

        global _LIBC
        _LIBC = ctypes.CDLL(None, use_errno=True)  # loaded once here for every worker's prctl

        # Objects loaded so far are never collected: forked workers then do not touch (and
        # copy) their pages when the collector runs.
        gc.freeze()
        listen_fd = args.get("--listen-fd")
        listener = socket.socket(fileno=int(listen_fd)) if listen_fd else None
        zygote_loop(sock, listener)
    else:
        die_with_parent()
        reopen_std_streams()
        chan = Channel(sock)
        chan.send({"type": "ready", "pid": os.getpid()})
        worker_loop(chan)


if __name__ == "__main__":
    main(sys.argv[1:])
