"""The one-shot ``hsrun invoke``: one run of one action, without the CLI framework.

``hsrun invoke ACTION`` is what a new user types first, without a daemon. Through typer the
parent spends most of its time importing (typer, click, rich, the command tree, the fake
portal, the check rules, the secret store's crypto) before the action's answer is known. This
path parses the common options by hand and imports only what the run needs:

- no pydantic: a well-formed manifest and event are checked by the contract's plain classes
  (pydantic only words what is wrong with a broken one, see ``runtime/contract/_schema.py``);
- the fake portal only when the action makes a HubSpot call: its address is handed to the
  action at once (a listening loopback socket), the portal is imported and loaded when the
  first connection arrives (:class:`LazyPortal`);
- the secret store (and its crypto) only when the manifest selects secrets;
- ``hsrun check``'s rules in a thread while the action runs (its findings go in the record),
  and only when the action, its manifest or the rules changed since the last run;
- rich in a thread while the action runs, where the panel of the pending run is drawn once
  off screen, so that drawing the answer's panel finds rich imported and its caches filled.

Once the answer is shown the process ends at once (:func:`exit_now`): the journal is left to
SQLite as it stands (every write committed) and the interpreter's teardown is skipped.

Anything else (``--events``, ``--object-id``, ``--live``, ``--warm``, ``--python``,
``--env-file``, ``--concurrency``, ``--help``, an option it does not know, a non-Python
action) returns None from :func:`main`, and the console script runs the full CLI: the same
command, the same record, the same output. ``HSRUN_FAST=0`` turns this path off.
"""

from __future__ import annotations

import contextlib
import copy
import os
import sys
import threading
from typing import TYPE_CHECKING, Any, Generic, NoReturn, TypeVar

if TYPE_CHECKING:
    import socket
    from collections.abc import Callable
    from pathlib import Path

    from runtime.config import Settings
    from runtime.contract.manifest import ActionManifest

_VALUE_OPTIONS = {
    "--input": "input",
    "-i": "input",
    "--event": "event",
    "--format": "format",
    "--timeout": "timeout",
    "--memory": "memory",
}
_FLAGS = {"--json": ("json", True), "--allow-net": ("allow_net", True)}
_FORMATS = ("panel", "lambda", "json")
#: The state folder's cache of ``hsrun check`` findings, by action, manifest and rules.
CHECK_CACHE_NAME = "check-cache.json"
CHECK_CACHE_SIZE = 64


def parse(argv: list[str]) -> dict[str, Any] | None:
    """The options of ``hsrun invoke`` this path handles, or None (the full CLI takes it)."""
    found: dict[str, Any] = {"input": [], "action": None}
    items = iter(argv)
    only_positional = False
    for item in items:
        if only_positional or not item.startswith("-") or item == "-":
            if found["action"] is not None:
                return None  # typer says what is wrong
            found["action"] = item
            continue
        if item == "--":
            only_positional = True
            continue
        name, eq, value = item.partition("=")
        if name in _FLAGS and not eq:
            flag_key, flag = _FLAGS[name]
            found[flag_key] = flag
            continue
        key = _VALUE_OPTIONS.get(name)
        if key is None:
            return None
        if not eq:
            following = next(items, None)
            if following is None:
                return None
            value = following
        if key == "input":
            found["input"].append(value)
        elif key in found:
            return None  # given twice: let typer apply its rule
        else:
            found[key] = value
    if found["action"] is None or found.get("format", "panel") not in _FORMATS:
        return None
    try:
        timeout = float(found.get("timeout", 20.0))
        memory = int(found.get("memory", 128))
    except ValueError:
        return None
    if not (timeout >= 0.01 and memory >= 16):
        return None  # typer's range errors
    found["timeout"], found["memory"] = timeout, memory
    return found


def main(argv: list[str]) -> int | None:
    """Run ``hsrun invoke ARGV`` here; the exit code, or None for the full CLI."""
    if os.environ.get("HSRUN_FAST", "").strip().lower() in {"0", "false", "no", "off"}:
        return None
    options = parse(argv)
    if options is None:
        return None
    from runtime.errors import HsrunError

    try:
        return _invoke(options)
    except KeyboardInterrupt:
        print("Aborted.", file=sys.stderr)
        return 130
    except HsrunError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:
        if exc.filename is None:
            return _bug()
        print(f"Error: cannot use {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 2
    except Exception:
        return _bug()


def exit_now(code: int) -> NoReturn:
    """End the process with ``code`` once the run is recorded and shown, without the
    interpreter's teardown: freeing every imported module's objects took 20-35 ms here, longer
    than the run, for nothing a user sees. What teardown does that matters still happens:
    threads that are not daemons are waited for, ``atexit`` handlers run (the sandbox's
    gateway, cgroups), the standard streams are flushed (a failed flush of stdout exits 120,
    as Python does)."""
    import atexit

    for thread in threading.enumerate():
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            code = 120 if stream is sys.stdout else code
    os._exit(code)


def _bug() -> int:
    """As the full CLI reports an error that is hsrun's own."""
    import traceback

    print(
        "hsrun hit a bug (this is not your action's fault). Please report it with the "
        "traceback below:",
        file=sys.stderr,
    )
    traceback.print_exc()
    return 70


def _invoke(opts: dict[str, Any]) -> int | None:
    from pathlib import Path

    from runtime.config import ensure_home, get_settings, state_note
    from runtime.contract.manifest import load_action

    action = Path(opts["action"])
    settings = get_settings(action=action)
    spec = load_action(action)
    note = state_note(settings)
    if note:
        print(note, file=sys.stderr)
    ensure_home(settings)  # outside any project, says where it creates the state folder
    checks = _Background(lambda: _check_findings(spec, settings.home))
    inputs = _inputs(opts["input"], spec)
    event = None
    if opts.get("event") is not None:
        from runtime.contract.event import load_event

        event = load_event(Path(opts["event"]))
    secrets: Any = None
    if spec.manifest.secrets:
        from runtime.secrets import default_source

        secrets = default_source(settings)
    from runtime.invoke.runner import Runner, RunOptions
    from runtime.journal import Journal

    fmt = "json" if opts.get("json") else opts.get("format", "panel")
    options = RunOptions(
        timeout_s=opts["timeout"],
        memory_mb=opts["memory"],
        allow_net=bool(opts.get("allow_net")),
        portal_id=settings.portal_id,
        zygote=False,
    )
    # The journal is not closed: closing the last connection to a WAL database copies the log
    # into the database and syncs both (8-20 ms here, once the answer is known). The process
    # ends right after; every write is committed, and SQLite checkpoints the log once it grows
    # (or when another hsrun closes the journal).
    journal = Journal(settings.journal_path)
    with (
        Runner(options) as runner,
        LazyPortal(settings, eager=_calls_hubspot(spec)) as portal,
    ):
        recorder = _ChecksJournal(journal, checks, panel=fmt == "panel")
        result = runner.run(
            spec,
            event,
            inputs=inputs,
            secrets=secrets,
            portal=portal,
            journal=recorder,
        )
    for hint in portal.scope_hints():
        print(f"Hint: {hint}", file=sys.stderr)
    if portal.load_error is not None:
        print(
            f"Warning: {portal.load_error}; the action's HubSpot API calls were refused",
            file=sys.stderr,
        )
    _show(result, fmt, recorder.console)
    _notices(result)
    return int(result.exit_code)


def _notices(result: Any) -> None:
    """As the full CLI says after a run: no kernel sandbox (and why), a record not saved."""
    from runtime.invoke.sandbox import fallback_notice

    text = fallback_notice([result])
    if text:
        print(text, file=sys.stderr)
    for what in result.unsaved:
        print(f"hsrun: run {result.run_id} was not fully saved: {what}", file=sys.stderr)


def _inputs(pairs: list[str], spec: ActionManifest) -> dict[str, str]:
    """``--input NAME=VALUE`` pairs, as the full CLI reads and warns about them."""
    from runtime.contract.manifest import input_pairs

    values, warnings = input_pairs(pairs, spec.manifest.inputs)
    for warning in warnings:
        print(f"Warning: {warning}", file=sys.stderr)
    return values


def _calls_hubspot(spec: ActionManifest) -> bool:
    """Whether the action's source names HubSpot's client or API host: then the portal is
    loaded while the action's process starts, not inside its first call's time."""
    try:
        text = spec.source_path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return "hubspot" in text.lower() or "hubapi" in text.lower()


def _check_findings(spec: ActionManifest, home: Path) -> list[dict[str, Any]]:
    """``hsrun check``'s findings for the action, from a small cache in the state folder
    when neither the action, its manifest nor hsrun's rules changed since the last run (the
    edit-invoke loop then never imports the rules)."""
    import hashlib
    import json
    from pathlib import Path

    key = hashlib.sha256(str(spec.source_path).encode())  # findings name the path as given
    for path in (spec.source_path, spec.manifest_path):
        key.update(path.read_bytes() if path is not None and path.is_file() else b"-")
        key.update(b"\0")
    rules = Path(__file__).with_name("packaging")
    for entry in sorted(os.scandir(rules), key=lambda e: e.name):
        if entry.name.endswith(".py"):
            key.update(f"{entry.name}:{entry.stat().st_mtime_ns}:{entry.stat().st_size};".encode())
    digest = key.hexdigest()
    cache = home / CHECK_CACHE_NAME
    try:
        entries = json.loads(cache.read_text(encoding="utf-8"))
        if not isinstance(entries, dict):
            entries = {}
    except (OSError, ValueError):
        entries = {}
    found = entries.get(digest)
    if isinstance(found, list):
        return found
    from runtime.packaging import check_action

    # As the full CLI: the run itself shows what HS501 says is not checked, and Node's own
    # syntax error (no `node --check` before a run).
    findings = [f.to_dict() for f in check_action(spec, syntax=False) if f.code != "HS501"]
    entries = dict(list(entries.items())[-(CHECK_CACHE_SIZE - 1) :])
    entries[digest] = findings
    try:
        tmp = cache.with_name(f".{cache.name}.{os.getpid()}")
        tmp.write_text(json.dumps(entries), encoding="utf-8")
        os.replace(tmp, cache)  # atomic: a concurrent reader sees the old or the new file
    except OSError:
        pass  # a cache: the next run checks again
    return findings


def _show(result: Any, fmt: str, console: _Background[Any] | None) -> None:
    if fmt == "panel":
        # The panel's thread first: two threads importing the same modules at once can
        # deadlock.
        target = console.result() if console is not None else _console(None)
        from runtime.invoke import render

        target.print(render.panel(result))
        return
    from runtime.invoke import render

    print(render.to_json(result) if fmt == "json" else render.lambda_lines(result))


def _console(pending: Any) -> Any:
    """The console the panel is drawn on, made ready while the action runs: rich imported
    and the panel of the pending run drawn once where nobody sees it, so that the first
    real drawing finds rich's modules imported and its caches filled."""
    import io

    from rich.console import Console

    from runtime.invoke import render

    console = Console(highlight=False)
    if pending is None:
        return console
    try:
        Console(file=io.StringIO(), width=console.width, highlight=False).print(
            render.panel(pending)
        )
    except Exception:
        pass  # a rehearsal: the real drawing reports what is wrong
    return console


_T = TypeVar("_T")


class _Background(Generic[_T]):
    """A value computed in a thread while the action runs."""

    def __init__(self, compute: Callable[[], _T]) -> None:
        self._value: _T | None = None
        self._error: BaseException | None = None

        def work() -> None:
            try:
                self._value = compute()
            except BaseException as exc:  # raised again in the caller's thread
                self._error = exc

        self._thread = threading.Thread(target=work, name="hsrun-background", daemon=True)
        self._thread.start()

    def result(self) -> _T:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._value is not None
        return self._value


class _ChecksJournal:
    """Records the run as the journal does; the check findings join the final record."""

    def __init__(
        self, journal: Any, checks: _Background[list[dict[str, Any]]], *, panel: bool
    ) -> None:
        self._journal = journal
        self._checks = checks
        self._panel = panel
        #: The console for the panel, prepared while the action runs (the parent only
        #: waits then), not after.
        self.console: _Background[Any] | None = None

    def start(self, result: Any) -> None:
        self._journal.start(result)
        if self._panel:
            pending = copy.deepcopy(result)
            self.console = _Background(lambda: _console(pending))

    def finish(self, result: Any) -> None:
        result.checks = self._checks.result()
        self._journal.finish(result)


class LazyPortal:
    """The local fake portal, served on loopback, imported and loaded on the first connection.

    What ``runtime.invoke.PortalLink`` needs: the action gets :attr:`url` at once; a run that
    never calls HubSpot never imports the portal, never reads ``portal.json`` and never
    writes it back (its cost does not grow with the portal's size). ``eager`` loads it in the
    background at once (an action that names HubSpot will call it).
    """

    def __init__(self, settings: Settings, *, eager: bool = False) -> None:
        self._settings = settings
        self._eager = eager
        self._attached: Any = None
        self._stack: contextlib.ExitStack | None = None
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._watcher: threading.Thread | None = None
        self._wake: tuple[int, int] | None = None
        self._opened = 0.0

    def __enter__(self) -> LazyPortal:
        import socket
        import time

        self._opened = time.time()
        self._sock = socket.create_server(("127.0.0.1", 0), backlog=64)
        self._wake = os.pipe()
        self._watcher = threading.Thread(target=self._watch, name="hsrun-portal", daemon=True)
        self._watcher.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._wake is not None and self._watcher is not None
        os.write(self._wake[1], b"x")
        self._watcher.join()
        for fd in self._wake:
            os.close(fd)
        with self._lock:
            if self._stack is not None:
                self._stack.close()  # stops the server and saves the portal
            elif self._sock is not None:
                self._sock.close()

    @property
    def url(self) -> str:
        """The portal's loopback URL (an eager portal is loaded first: a run's clock then
        starts with the portal ready, as HubSpot's is)."""
        if self._eager and self._watcher is not None:
            self._watcher.join()
        assert self._sock is not None
        host, port = self._sock.getsockname()[:2]
        return f"http://{host}:{port}"

    @property
    def load_error(self) -> Any:
        """Why the portal could not be loaded when the action called HubSpot, if so."""
        return self._attached.load_error if self._attached is not None else None

    def record_properties(
        self, object_type: str, object_id: int, names: list[str]
    ) -> dict[str, str | None]:
        return dict(self._attach().record_properties(object_type, object_id, names))

    def calls_between(self, start: float, end: float) -> list[dict[str, Any]]:
        return [] if self._attached is None else list(self._attached.calls_between(start, end))

    def scope_hints(self) -> list[str]:
        """What a 403 ``MISSING_SCOPES`` in this run calls for (see ``AttachedPortal``)."""
        if self._attached is None:
            return []
        return list(self._attached.scope_hints(self._opened))

    def _watch(self) -> None:
        import select

        assert self._sock is not None and self._wake is not None
        if self._eager:
            self._attach()
            return
        readable, _, _ = select.select([self._sock.fileno(), self._wake[0]], [], [])
        if self._sock.fileno() in readable:
            self._attach()

    def _attach(self) -> Any:
        with self._lock:
            if self._attached is None:
                from runtime.fake_hubspot.attach import attach

                stack = contextlib.ExitStack()
                self._attached = stack.enter_context(attach(self._settings, sock=self._sock))
                self._stack = stack
            return self._attached
