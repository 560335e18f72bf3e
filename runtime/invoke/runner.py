"""Run one action as HubSpot would: the public ``Runner`` and ``run_action``.

A run has three steps: prepare (manifest, event, secrets — every input error is raised here,
before any process starts), supervise (``_session.run_job`` in a child process), and judge
(``_judge``: HubSpot's rules turn the child's raw answer into a ``RunResult``).
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from runtime.config import SETTING_NAMES, Settings, get_settings
from runtime.contract import ActionManifest, Event, build_event, load_action
from runtime.contract import record as r
from runtime.contract.event import input_fields, parse_event
from runtime.contract.hosts import HUBSPOT_HOSTS
from runtime.contract.libraries import PYTHON_LIBRARIES
from runtime.contract.limits import (
    MAX_LOG_BYTES,
    MAX_PROCESSES,
    MAX_RESPONSE_BYTES,
    MEMORY_LIMIT_MB,
    TIMEOUT_SECONDS,
)
from runtime.errors import HsrunError, InterpreterError, RunnerError, UsageError
from runtime.invoke import sandbox
from runtime.invoke._judge import judge, not_emulated_alerts
from runtime.invoke._node_process import (
    BOOTSTRAP as NODE_BOOTSTRAP,
)
from runtime.invoke._node_process import (
    NodePool,
    required_libraries,
    spawn_node,
    take_prespawned_node,
)
from runtime.invoke._node_run import node_env, node_job
from runtime.invoke._process import (
    ZYGOTE_PRELOAD,
    Child,
    Zygote,
    child_base_env,
    shared_zygote_address,
    spawn_direct,
    take_prespawned,
)
from runtime.invoke._session import Outcome, run_job
from runtime.invoke._session import _await_ready as await_ready
from runtime.invoke._slots import Slot, Slots
from runtime.invoke._spares import Spares
from runtime.invoke.node_libs import NodeRuntime
from runtime.invoke.node_libs import resolve as resolve_node
from runtime.invoke.sandbox import Sandbox, SlotRun
from runtime.secrets import DictSecrets, Masker, SecretSource, select_secrets

RecordLookup = Callable[[str, int, list[str]], Mapping[str, str | None]]

#: Top-level module -> distribution, for the versions a run record names: HubSpot's list,
#: plus urllib3, which both HTTP clients sit on and whose 1.x and 2.x differ.
_REPORTED_LIBRARIES: dict[str, str] = {
    **{lib.imports[0].split(".")[0]: lib.name for lib in PYTHON_LIBRARIES},
    "urllib3": "urllib3",
}


class PortalLink(Protocol):
    """What the runner needs from a HubSpot portal the action talks to (the fake one)."""

    @property
    def url(self) -> str: ...

    def record_properties(
        self, object_type: str, object_id: int, names: list[str]
    ) -> Mapping[str, str | None]: ...

    def calls_between(self, start: float, end: float) -> list[dict[str, Any]]: ...


class RunJournal(Protocol):
    """Where runs are recorded: written as RUNNING first, finalised after."""

    def start(self, result: r.RunResult) -> None: ...

    def finish(self, result: r.RunResult) -> None: ...


@dataclass(frozen=True)
class RunOptions:
    """How to run: HubSpot's limits by default, overridable for tests."""

    timeout_s: float = TIMEOUT_SECONDS
    memory_mb: int = MEMORY_LIMIT_MB
    #: Reuse one process for consecutive runs of the same action (module state survives).
    warm: bool = False
    #: Let the action reach any host (default: HubSpot's hosts, loopback and allow_hosts).
    allow_net: bool = False
    allow_hosts: tuple[str, ...] = ()
    #: Route HubSpot's hosts (runtime.contract.hosts) to this URL (the fake portal).
    hubspot_url: str | None = None
    #: Let HubSpot calls reach the real API.
    live: bool = False
    #: Interpreter for the action (default: the one running hsrun).
    python: str | None = None
    max_log_bytes: int = MAX_LOG_BYTES
    max_processes: int = MAX_PROCESSES
    portal_id: int | None = None
    #: Fork cold starts from a zygote that pre-imported HubSpot's libraries.
    zygote: bool = True
    #: A folder the action imports libraries from first, ahead of hsrun's own environment
    #: (``hsrun libs install`` fills one with HubSpot's versions).
    libs: Path | None = None
    #: Without ``libs``: use the project's installed HubSpot libraries when there are any
    #: (``HSRUN_LIBS`` may turn that off or name another folder). False: hsrun's own.
    project_libs: bool = True
    #: ``auto``, ``namespaces`` or ``process`` (None: ``HSRUN_ISOLATION``, default auto).
    isolation: str | None = None
    #: NODE16X/NODE20X handler that never calls ``callback``: "succeed" once the event loop
    #: is empty (HubSpot's samples rely on it), or "timeout" (a third-party report;
    #: UNCONFIRMED which HubSpot does).
    node_no_callback: str = "succeed"
    #: NODE24X handler that still takes a ``callback``: "refuse" passes none, as HubSpot's
    #: Node 24 does (calling it throws TypeError); "allow" passes one that returns outputs.
    #: Either way the run carries an alert.
    node24_callback: str = "refuse"

    def __post_init__(self) -> None:
        if self.timeout_s <= 0:
            raise UsageError(f"timeout must be positive, got {self.timeout_s}")
        if self.memory_mb < 16:
            raise UsageError(f"memory limit must be at least 16 MB, got {self.memory_mb}")
        if self.node_no_callback not in ("succeed", "timeout"):
            raise UsageError(f"node_no_callback is succeed or timeout, not {self.node_no_callback}")
        if self.node24_callback not in ("refuse", "allow"):
            raise UsageError(f"node24_callback is refuse or allow, not {self.node24_callback}")


@dataclass
class PreparedRun:
    """One run made ready by :meth:`Runner.prepare`: the action, its event, the selected
    secret values (and the masker that hides them), the options and the library folder.
    :meth:`Runner.execute` runs it; a batch prepares every run before starting any."""

    action: ActionManifest
    event: Event
    secrets: dict[str, str]
    masker: Masker
    options: RunOptions
    #: The library folder as the child gets it (resolved once, here).
    libs: str | None = None
    #: The Node.js a Node action runs with (None for Python).
    node: NodeRuntime | None = None
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))


def lambda_env(action: ActionManifest, options: RunOptions) -> dict[str, str]:
    """Variables AWS Lambda's Python 3.9 runtime sets, as HubSpot's sandbox has them."""
    name = action.name
    return child_base_env(
        {
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.9",
            "AWS_LAMBDA_FUNCTION_NAME": f"hsrun-{name}",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(options.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "LAMBDA_TASK_ROOT": str(action.source_path.resolve().parent),
            "LAMBDA_RUNTIME_DIR": "/var/runtime",
            "_HANDLER": f"{name}.main",
        }
    )


class Runner:
    """Runs actions; keeps a zygote and warm processes between runs. Close it when done."""

    def __init__(self, options: RunOptions | None = None) -> None:
        self.options = options or RunOptions()
        # One zygote per (interpreter, library folder): a zygote has its libraries imported.
        self._zygotes: dict[tuple[str | None, str | None], Zygote] = {}
        # Idle warm processes per (action, library folder): a batch running N at once keeps N,
        # each used by one run at a time.
        self._warm: dict[tuple[str, str | None], list[Child]] = {}
        self._lock = threading.Lock()
        self._node_pool = NodePool()
        # Sandboxes kept from run to run of an action (``._slots``), each serving one run at
        # a time, for a few keys (actions, isolation modes) at once: a batch of one action,
        # or a test session alternating two, finds its slots still there.
        self._slots = Slots(size=max(2, 2 * (os.cpu_count() or 1)), keys=4)
        # Where slots cannot be made: Python workers that entered an action's sandbox before
        # their run was asked for, one sandbox per run.
        self._spares = Spares(size=max(1, min(4, os.cpu_count() or 1)), keys=4)
        # Children running a job now, so that an interrupt (Ctrl-C) can stop them all.
        self._active: set[Child] = set()
        self._interrupted = False

    @property
    def interrupted(self) -> bool:
        """Whether :meth:`interrupt` was called: no new run starts."""
        return self._interrupted

    def interrupt(self) -> None:
        """Stop at once (Ctrl-C): kill every run in flight (each is recorded as INTERRUPTED)
        and refuse new ones. Safe to call from a signal handler or another thread."""
        self._interrupted = True
        for child in list(self._active):
            child.kill()

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop warm processes and the zygote."""
        for idle in self._warm.values():
            for child in idle:
                child.kill()
                child.wait_status(1.0)
                child.close()
        self._warm.clear()
        self._node_pool.close()
        self._spares.close()
        self._slots.close()
        for zygote in self._zygotes.values():
            zygote.close()
        self._zygotes.clear()

    def start(self, *, libs: str | None = None) -> None:
        """Start the zygote now instead of on the first run.

        Args:
            libs: the library folder the runs will import from (as prepared runs name it);
                by default the working folder's project's.
        """
        if self.options.zygote:
            opts = with_project_libs(self.options)
            self._get_zygote(opts.python, libs if libs is not None else _libs_arg(opts))

    def _get_zygote(self, python: str | None, libs: str | None) -> Zygote:
        with self._lock:
            zygote = self._zygotes.get((python, libs))
            if zygote is None or not zygote.alive:
                zygote = self._zygotes[python, libs] = self._start_zygote(python, libs)
            return zygote

    def _any_zygote(self, python: str | None) -> Zygote:
        """A running zygote of this runner for ``python`` (any library folder: a Node child
        forked from it becomes node at once), else one without HubSpot's libraries."""
        with self._lock:
            for (interpreter, _libs), zygote in self._zygotes.items():
                if interpreter == python and zygote.alive:
                    return zygote
        return self._get_zygote(python, None)

    def _start_zygote(self, python: str | None, libs: str | None) -> Zygote:
        address = _shared_zygote(python, libs)
        if address is not None:
            shared = Zygote(address=address, libs=libs)
            try:
                shared.start(timeout=5.0)
                return shared
            except RunnerError:
                pass  # the daemon's zygote is gone: this runner starts its own
        own = Zygote(python, libs=libs)
        own.start()
        return own

    # -- preparing ---------------------------------------------------------------------

    def prepare(
        self,
        action: str | Path | ActionManifest,
        event: Event | Mapping[str, Any] | None = None,
        *,
        inputs: Mapping[str, Any] | None = None,
        object_id: int | str | None = None,
        secrets: Mapping[str, str] | SecretSource | None = None,
        record_lookup: RecordLookup | None = None,
        options: RunOptions | None = None,
    ) -> PreparedRun:
        """Check every input and build the event; raises before any process starts."""
        spec = action if isinstance(action, ActionManifest) else load_action(action)
        opts = with_project_libs(options or self.options, action=spec.source_path)
        node = (
            None
            if spec.is_python
            # The action's project's Node.js, as its Python libraries (cached settings).
            else resolve_node(_settings_for_libs(spec.source_path), spec.manifest.runtime)
        )
        # A plain mapping (the common case) is checked first: isinstance() against a
        # runtime-checkable Protocol is slow, and this runs for every invocation.
        source = (
            DictSecrets(secrets) if secrets is None or isinstance(secrets, Mapping) else secrets
        )
        values = select_secrets(source, list(spec.manifest.secrets))
        built = self._event(spec, event, inputs, object_id, record_lookup, opts)
        libs = _libs_arg(opts) if node is None else node.node_path
        return PreparedRun(spec, built, values, Masker(values), opts, libs, node)

    def _event(
        self,
        spec: ActionManifest,
        event: Event | Mapping[str, Any] | None,
        inputs: Mapping[str, Any] | None,
        object_id: int | str | None,
        record_lookup: RecordLookup | None,
        opts: RunOptions,
    ) -> Event:
        if event is not None:
            # --input and --object-id on a recorded event: variations of it, not ignored.
            parsed = event if isinstance(event, Event) else parse_event(dict(event))
            if inputs or object_id is not None:
                parsed = parsed.model_copy(deep=True)
                if inputs:
                    parsed.inputFields = input_fields({**parsed.inputFields, **inputs})
                oid = _object_id(object_id)
                if oid is not None:
                    parsed.object.objectId = oid
            return parsed
        oid = _object_id(object_id)
        fields: dict[str, Any] = {}
        if record_lookup is not None and oid is not None and spec.manifest.inputs:
            props = record_lookup(
                spec.manifest.object_type, oid, list(spec.manifest.inputs.values())
            )
            fields = {var: props.get(prop) for var, prop in spec.manifest.inputs.items()}
        fields.update(inputs or {})
        portal_id = opts.portal_id or get_settings().portal_id
        return build_event(
            portal_id=portal_id,
            object_type=spec.manifest.object_type,
            object_id=oid,
            inputs=fields,
        )

    # -- running -----------------------------------------------------------------------

    def run(
        self,
        action: str | Path | ActionManifest,
        event: Event | Mapping[str, Any] | None = None,
        *,
        inputs: Mapping[str, Any] | None = None,
        object_id: int | str | None = None,
        secrets: Mapping[str, str] | SecretSource | None = None,
        portal: PortalLink | None = None,
        options: RunOptions | None = None,
        journal: RunJournal | None = None,
        checks: list[dict[str, Any]] | None = None,
    ) -> r.RunResult:
        """Run ``action`` once and return what HubSpot's test panel would show."""
        opts = options or self.options
        if portal is not None and not opts.live:
            opts = replace(opts, hubspot_url=portal.url)
        prepared = self.prepare(
            action,
            event,
            inputs=inputs,
            object_id=object_id,
            secrets=secrets,
            record_lookup=portal.record_properties if portal is not None else None,
            options=opts,
        )
        return self.execute(prepared, portal=portal, journal=journal, checks=checks)

    def execute(
        self,
        prepared: PreparedRun,
        *,
        portal: PortalLink | None = None,
        journal: RunJournal | None = None,
        checks: list[dict[str, Any]] | None = None,
    ) -> r.RunResult:
        """Run an already prepared invocation."""
        opts = prepared.options
        started_at = time.time()
        pending = r.RunResult(
            run_id=prepared.run_id,
            action=str(prepared.action.source_path),
            status=r.RUNNING,
            event=prepared.masker.data(prepared.event.to_payload()),
            callback_id=prepared.event.callbackId,
            started_at=started_at,
            memory_limit_mb=opts.memory_mb,
            timeout_s=opts.timeout_s,
            warm=opts.warm,
            runtime=prepared.action.manifest.runtime,
            checks=list(checks or []),
            request_id=prepared.request_id,
            libraries_folder=prepared.libs,
        )
        if journal is not None:
            journal.start(pending)
        outcome = self._supervise(prepared)
        result = judge(prepared, outcome, pending)
        if portal is not None:
            result.api_calls = prepared.masker.data(
                portal.calls_between(started_at, time.time() + 0.001)
            )
            result.alerts.extend(not_emulated_alerts(result.api_calls))
        if journal is not None:
            try:
                journal.finish(result)
            except HsrunError as exc:  # a full disk: the run's result still counts
                result.unsaved.append(f"journal: {exc}")
        return result

    def _supervise(self, prepared: PreparedRun) -> Outcome:
        opts = prepared.options
        path = str(prepared.action.source_path.resolve())
        manifest_path = prepared.action.manifest_path
        job: dict[str, Any] = {
            "type": "run",
            "path": path,
            "event": prepared.event.to_payload(),
            "env": {**lambda_env(prepared.action, opts), **prepared.secrets},
            "warm": opts.warm,
            "request_id": prepared.request_id,
            "max_processes": opts.max_processes,
            "max_response_bytes": MAX_RESPONSE_BYTES,
            "libraries": _REPORTED_LIBRARIES,
            "network": {
                "allow_all": opts.allow_net,
                "allow_hosts": [*prepared.action.manifest.allow_hosts, *opts.allow_hosts],
                "hubspot_url": opts.hubspot_url,
                "hubspot_hosts": sorted(HUBSPOT_HOSTS),
                "live": opts.live,
                "manifest": str(manifest_path or prepared.action.source_path.with_suffix(".toml")),
            },
        }
        key = (path, prepared.libs)
        if self._interrupted:
            return Outcome(killed_for="interrupted")
        if prepared.node is not None:
            env = {**node_env(prepared.action, prepared.node, opts.memory_mb), **prepared.secrets}
            job = node_job(
                action=prepared.action,
                node=prepared.node,
                base={**job, "env": env},
                no_callback=opts.node_no_callback,
                node24_callback=opts.node24_callback,
            )
        if prepared.node is not None:
            child = self._node_child(key, prepared, path)
        else:
            child = self._python_child(key, prepared, path)
        self._active.add(child)
        if self._interrupted:  # interrupted while the child was being started
            child.kill()
        try:
            if child.sandbox is None and prepared.node is None:
                early = child.early_cgroup() if child.early_cgroup is not None else None
                child.sandbox = self._sandbox(prepared, path, cgroup=early)
                if child.sandbox is not None:
                    job["sandbox"] = child.sandbox.spec
            if child.sandbox is not None:
                job["env"] = {**job["env"], **child.sandbox.env}
        except BaseException:
            self._active.discard(child)
            child.kill()
            child.wait_status(1.0)
            child.close()
            raise
        try:
            outcome = run_job(
                child,
                job,
                timeout_s=opts.timeout_s,
                memory_limit_mb=opts.memory_mb,
                max_processes=opts.max_processes,
                max_log_bytes=opts.max_log_bytes,
                keep_alive=opts.warm,
            )
        except BaseException:
            # Ctrl-C or a cancelled request: the action is in its own session, out of reach
            # of the terminal's signal, and must not outlive the run that started it.
            if not child.dead:
                child.kill()
                child.wait_status(1.0)
                child.close()
            raise
        finally:
            self._active.discard(child)
        if self._interrupted and outcome.message is None and not outcome.killed_for:
            outcome.killed_for = "interrupted"  # it died because we killed it
        if child.sandbox is None and outcome.isolation is None:
            outcome.isolation_reason = sandbox.unavailable_reason(
                opts.isolation or _settings_for_libs(prepared.action.source_path).isolation
            )
        if opts.warm and not child.dead:
            with self._lock:
                self._warm.setdefault(key, []).append(child)
        return outcome

    def _sandbox(
        self,
        prepared: PreparedRun,
        path: str,
        cgroup: tuple[int, str, str | None] | None = None,
    ) -> Sandbox | None:
        opts = prepared.options
        settings = _settings_for_libs(prepared.action.source_path)  # the action's project
        mode = opts.isolation or settings.isolation
        keep, hide = _sandbox_paths(prepared, path, settings)
        manifest = prepared.action.manifest_path
        return sandbox.prepare(
            mode=mode,
            keep=keep,
            hide=hide,
            hubspot_url=opts.hubspot_url,
            allow_hosts=(*prepared.action.manifest.allow_hosts, *opts.allow_hosts),
            host_network=opts.allow_net,
            live=opts.live,
            live_address=settings.live_address,
            manifest=str(manifest or prepared.action.source_path.with_suffix(".toml")),
            memory_mb=opts.memory_mb,
            max_processes=opts.max_processes,
            cgroup=cgroup,
        )

    def _node_child(self, key: tuple[str, str | None], prepared: PreparedRun, path: str) -> Child:
        """A Node process for this run: a warm one, else one started inside the run's sandbox
        (Node cannot enter namespaces itself: the sandbox's wrapper enters them and then
        runs node), else, without one, a pre-started one from the pool."""
        opts, node, libs = prepared.options, prepared.node, key[1]
        assert node is not None
        warm = self._idle_warm(key) if opts.warm else None
        if warm is not None:
            return warm
        preload = required_libraries(Path(path), libs)
        settings = _settings_for_libs(prepared.action.source_path)  # the action's project
        mode = opts.isolation or settings.isolation
        if mode != sandbox.PROCESS and sandbox.supported_platform() and _NAMESPACES != [False]:

            def start() -> Child:
                box = self._sandbox(prepared, path)
                child = spawn_node(
                    node.node,
                    memory_mb=opts.memory_mb,
                    node_path=libs,
                    preload=preload,
                    sandbox=box,
                    # A runner that keeps a zygote forks the sandbox's wrapper from it.
                    zygote=self._any_zygote(opts.python) if opts.zygote else None,
                )
                child.sandbox = box
                return child

            if not _NAMESPACES:
                # The first sandboxed node of this process is the probe (a separate one would
                # start a process of its own before this one could start).
                first = _first_sandboxed(start)
                if first is not None:
                    return first
            elif not opts.zygote:
                return start()
            else:
                key_boxed = _boxed_key(prepared, path, mode, settings, node.node, preload)
                return self._node_pool.take(key_boxed, start)
        if mode == sandbox.NAMESPACES:
            raise RunnerError(
                "isolation namespaces is required, but this machine refuses them: "
                + (sandbox.probe().reason or "no user namespaces")
            )
        if opts.zygote:
            return self._node_pool.take_plain(
                node.node, node_path=libs, memory_mb=opts.memory_mb, preload=preload
            )
        return take_prespawned_node(
            node.node, node_path=libs, memory_mb=opts.memory_mb, preload=preload
        ) or spawn_node(node.node, memory_mb=opts.memory_mb, node_path=libs, preload=preload)

    def _python_child(self, key: tuple[str, str | None], prepared: PreparedRun, path: str) -> Child:
        """A Python worker for this run. A cold run through the zygote in the kernel sandbox
        is forked in a slot of its action (its sandbox, built once); where no slot can be
        made, it takes a worker that entered the sandbox ahead of time. A plain fork from the
        zygote needs neither."""
        opts = prepared.options
        libs = key[1]
        zygote = opts.zygote or _shared_zygote(opts.python, libs) is not None
        if opts.warm or not zygote or not sandbox.supported_platform():
            return self._child_for(key, opts)
        settings = _settings_for_libs(prepared.action.source_path)
        mode = opts.isolation or settings.isolation
        if mode == sandbox.PROCESS:
            return self._child_for(key, opts)

        def start() -> Child:
            child = self._get_zygote(opts.python, libs).spawn()
            try:
                box = child.sandbox = self._sandbox(prepared, path)
                if box is not None:
                    enter = {"type": "enter", "sandbox": box.spec}
                    child.channel.send({**enter, "max_processes": opts.max_processes})
            except BaseException:
                child.kill()
                child.close()
                raise
            return child

        boxed = _boxed_key(prepared, path, mode, settings, opts.python)
        if _SLOTS != [False]:

            def make() -> Slot:
                box = self._sandbox(prepared, path)
                assert box is not None  # a sandbox mode on Linux
                return Slot(self._get_zygote(opts.python, libs), box)

            try:
                child, slot = self._slots.run_child(boxed, make)
            except RunnerError as exc:
                # This run builds its own sandbox instead, which falls back to a plain
                # process or fails the run saying why; where the kernel refuses namespaces,
                # every later run does.
                if getattr(exc, "stage", "") == "unshare":
                    _SLOTS.append(False)
            else:
                assert isinstance(child.sandbox, SlotRun)
                child.sandbox.on_close = lambda: self._slots.release(boxed, slot)
                return child
        return self._spares.take(boxed, start)

    def _idle_warm(self, key: tuple[str, str | None]) -> Child | None:
        """A warm process of ``key`` that is idle and alive, if there is one."""
        with self._lock:
            idle = self._warm.get(key, [])
            while idle:
                child = idle.pop()
                if not child.dead:
                    return child
        return None

    def _child_for(self, key: tuple[str, str | None], opts: RunOptions) -> Child:
        libs = key[1]
        warm = self._idle_warm(key) if opts.warm else None
        if warm is not None:
            return warm
        # A shared zygote (in a daemon's request handler) beats even a direct child: it has
        # already imported HubSpot's libraries.
        if opts.zygote or _shared_zygote(opts.python, libs) is not None:
            child = self._get_zygote(opts.python, libs).spawn()
        else:
            python = opts.python or _python()
            child = take_prespawned(python, libs) or spawn_direct(
                python, child_base_env(), ZYGOTE_PRELOAD, libs=libs
            )
        return child


#: ``[False]`` once a slot (``._slots``) found that the kernel refuses namespaces here.
_SLOTS: list[bool] = []

#: Whether this machine lets a Node process into the sandbox's namespaces: [] until the
#: first sandboxed Node process of this hsrun has started (or failed to).
_NAMESPACES: list[bool] = []
_NAMESPACES_LOCK = threading.Lock()


def _first_sandboxed(start: Callable[[], Child]) -> Child | None:
    """Start a sandboxed Node process and wait until it is up: the answer to whether the
    sandbox can be entered here. None (and no sandboxed Node process again) if it cannot.

    A Python child that cannot enter the namespaces falls back by itself; a Node child is
    started by the sandbox's wrapper, which cannot, so the first one tells.
    """
    with _NAMESPACES_LOCK:
        if _NAMESPACES:
            return start() if _NAMESPACES[0] else None
        child = start()
        try:
            await_ready(child)
        except InterpreterError:
            _NAMESPACES.append(False)
            return None
        _NAMESPACES.append(True)
        return child


def _boxed_key(
    prepared: PreparedRun, path: str, mode: str, settings: Settings, *process: Hashable
) -> Hashable:
    """What makes two sandboxes interchangeable (a slot's, a spare's, a Node process's
    waiting in one): the action and its folder, the libraries, the network policy and the
    limits (the event, secrets and inputs come with the job), what it hides as it is now (a
    `secrets.env` or state folder that appeared since one was made is not covered there, so
    that one is not used), and ``process``: what the process in it runs (the interpreter, or
    node and the libraries it loaded ahead)."""
    opts = prepared.options
    _keep, hidden = _sandbox_paths(prepared, path, settings)
    return (
        path,
        prepared.libs,
        mode,
        opts.hubspot_url,
        opts.allow_net,
        opts.live,
        (*prepared.action.manifest.allow_hosts, *opts.allow_hosts),
        opts.memory_mb,
        opts.max_processes,
        str(prepared.action.manifest_path),
        settings.home,
        settings.live_address,
        tuple(hidden),
        *process,
    )


def with_project_libs(opts: RunOptions, *, action: Path | None = None) -> RunOptions:
    """``opts`` with ``libs`` filled in from the project (``hsrun libs install``,
    ``HSRUN_LIBS``) when it has none and ``project_libs`` is on: the action's project, found
    by walking up from its folder, else the working folder's.

    Raises:
        UsageError: ``HSRUN_LIBS`` names a folder that does not exist.
    """
    if opts.libs is not None or not opts.project_libs:
        return opts
    # Stats the folder: installs are seen at once.
    found = _settings_for_libs(action).action_libs()
    return replace(opts, libs=found) if found is not None else opts


_SETTINGS_SEEN: dict[tuple[object, ...], Settings] = {}


def _sandbox_paths(
    prepared: PreparedRun, path: str, settings: Settings
) -> tuple[list[str], list[str]]:
    """What a run's sandbox keeps (read-only) and what it hides inside those folders."""
    keep = [os.path.dirname(path)]
    if prepared.libs:
        keep.append(prepared.libs)
    if prepared.node is not None:
        # The Node bootstrap, and the node binary when it is not in the library set.
        keep += [str(NODE_BOOTSTRAP.parent), os.path.dirname(prepared.node.node)]
    hide = sandbox.default_hide(
        state=settings.home, config=settings.config_dir, project=settings.project_root, keep=keep
    )
    return keep, hide


def _settings_for_libs(action: Path | None = None) -> Settings:
    # Finding the project root walks up the folders: once per (folders, settings) is enough
    # for a runner that runs thousands of times in the same place.
    folder = str(action.parent) if action is not None else ""
    # Every setting's variable is part of the key: a test that sets one sees it at once.
    key = (os.getcwd(), folder, *(os.environ.get(name) for name in SETTING_NAMES))
    settings = _SETTINGS_SEEN.get(key)
    if settings is None:
        if len(_SETTINGS_SEEN) > 64:
            _SETTINGS_SEEN.clear()
        settings = _SETTINGS_SEEN[key] = get_settings(action=action)
    return settings


def _libs_arg(opts: RunOptions) -> str | None:
    """The library folder as the child gets it: absolute, since the child changes folder."""
    return str(opts.libs.resolve()) if opts.libs is not None else None


def _python() -> str:
    return sys.executable


def _shared_zygote(python: str | None, libs: str | None) -> str | None:
    """The shared zygote's address, when there is one, it runs the action's interpreter and
    it imported from the action's library folder."""
    if python is not None and python != sys.executable:
        return None
    return shared_zygote_address(libs)


def _object_id(value: int | str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise UsageError(f"object id must be a number, got {value!r}") from None


# -- module-level convenience ---------------------------------------------------------------

_default_runner: Runner | None = None
_default_lock = threading.Lock()


def _shared_runner() -> Runner:
    global _default_runner
    with _default_lock:
        if _default_runner is None:
            _default_runner = Runner()
            atexit.register(_default_runner.close)
        return _default_runner


def run_action(
    action: str | Path | ActionManifest,
    event: Event | Mapping[str, Any] | None = None,
    *,
    inputs: Mapping[str, Any] | None = None,
    object_id: int | str | None = None,
    secrets: Mapping[str, str] | SecretSource | None = None,
    options: RunOptions | None = None,
    portal: PortalLink | None = None,
    journal: RunJournal | None = None,
) -> r.RunResult:
    """Run an action once, as HubSpot would, with a shared runner (zygote kept warm).

    Args:
        action: path of the action file (its manifest is the ``.toml`` beside it).
        event: a full event; by default one is built from ``inputs`` and ``object_id``.
        inputs: input field values (merged over the event's when both are given).
        object_id: id of the enrolled record.
        secrets: the secret values available; only those the manifest selects reach the action.
        options: limits and network settings; HubSpot's by default.
        portal: a fake portal to route HubSpot calls to and to fill inputs from.
        journal: where to record the run.
    """
    return _shared_runner().run(
        action,
        event,
        inputs=inputs,
        object_id=object_id,
        secrets=secrets,
        options=options,
        portal=portal,
        journal=journal,
    )
