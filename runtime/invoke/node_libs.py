"""Node.js itself and HubSpot's Node libraries, installed from the npm registry.

HubSpot runs a ``NODE20X`` action on Node.js 20 and a ``NODE24X`` one on Node.js 24, each with
a fixed library set (``@hubspot/api-client ^10``, ``axios ^1.2.0``, ...; see
:data:`runtime.contract.libraries.NODE_LIBRARIES`). :func:`install` puts both into
``.hsrun/libs/node24x`` (or ``node20x``) with npm: Node.js comes as an ordinary npm package,
the per-platform ``node-<os>-<arch>`` package that carries the binary, so one registry and one
client install everything, reproducibly, apart from whatever ``node`` the machine has.

On disk the folder is a symbolic link to ``node24x-<stamp>``, replaced in one rename once an
install is complete (as the Python set, :mod:`runtime.invoke.libraries`). The runner starts the
set's ``node`` with ``NODE_PATH`` on its ``node_modules``, as Lambda puts
``/opt/nodejs/node_modules`` there. Without an install, a ``node`` on ``PATH`` of the right
major version runs the action with no HubSpot library.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runtime.config import Settings
from runtime.contract.libraries import NODE_LIBRARIES, NODE_MAJOR
from runtime.errors import LibrariesError, UsageError
from runtime.invoke._node_process import compile_cache_dir, node_package_name
from runtime.invoke.libraries import MANIFEST_NAME, _locked, _point_link

MANIFEST_FORMAT = 1


@dataclass(frozen=True)
class NodeRuntime:
    """The Node.js an action runs with: its binary, version and library folder."""

    node: str  # the binary
    version: str  # "24.11.1"
    node_path: str | None  # the node_modules folder with HubSpot's libraries, or None
    runtime: str  # NODE24X

    @property
    def major(self) -> int:
        return int(self.version.split(".", 1)[0])


def node_package(runtime: str) -> str:
    """The npm package carrying this machine's Node.js binary, at the runtime's major."""
    return f"{node_package_name()}@{_major(runtime)}"


def requirements(runtime: str, *, all_libraries: bool = False) -> list[str]:
    """What npm installs for ``runtime``: Node.js, then HubSpot's libraries."""
    libs = [lib.requirement for lib in NODE_LIBRARIES if lib.core or all_libraries]
    return [node_package(runtime), *libs]


def install(settings: Settings, *, runtime: str, all_libraries: bool = False) -> NodeRuntime:
    """Install Node.js and HubSpot's Node libraries for ``runtime`` into the state folder.

    Raises:
        LibrariesError: npm is missing, the registry cannot be reached, or npm failed.
    """
    wanted = requirements(runtime, all_libraries=all_libraries)
    link = settings.node_libs_path(runtime)
    link.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    npm = shutil.which("npm")
    if npm is None:
        raise LibrariesError(
            "npm is needed to install Node.js and HubSpot's Node libraries from the npm "
            "registry (e.g. apt-get install npm); nothing was changed"
        )
    with _locked(link.parent):
        staging = Path(tempfile.mkdtemp(prefix=f".{link.name}-", dir=link.parent))
        try:
            (staging / "package.json").write_text('{"private": true}\n', encoding="utf-8")
            _npm_install(npm, staging, wanted)
            stamp = f"{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:6]}"
            final = link.parent / f"{link.name}-{stamp}"
            os.rename(staging, final)
            found = _describe(final, runtime)
            if found is None:
                raise LibrariesError(f"npm installed no Node.js binary into {final}")
            manifest = {
                "format": MANIFEST_FORMAT,
                "runtime": runtime,
                "requested": wanted,
                "node_version": found.version,
                "packages": installed_packages(final),
                "installed_at": time.time(),
            }
            (final / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n")
            warm_compile_cache(found)
            _point_link(link, final)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return resolve(settings, runtime)


#: Loads each library with V8's compile cache on (Node 22+; older Node has no such API).
_WARM_CACHE = """
const Module = require('module');
if (typeof Module.enableCompileCache === 'function') {
  Module.enableCompileCache(process.argv[1]);
  for (const name of process.argv.slice(2)) {
    try { require(name); } catch (_) { /* a library that needs more than loading */ }
  }
  Module.flushCompileCache();
}
"""


def warm_compile_cache(found: NodeRuntime) -> None:
    """Compile the set's libraries once into its code cache (:func:`compile_cache_dir`), so
    the first run does not pay for it. Best effort: without it, the first pool process outside
    a sandbox writes the cache."""
    if found.node_path is None:
        return
    names = [lib.name for lib in NODE_LIBRARIES]
    try:
        subprocess.run(
            [found.node, "-e", _WARM_CACHE, compile_cache_dir(found.node_path), *names],
            env={"PATH": "/usr/bin:/bin", "NODE_PATH": found.node_path},
            capture_output=True,
            timeout=120,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        pass


_CURRENT: dict[tuple[str, str, str], NodeRuntime] = {}


def current(settings: Settings, runtime: str) -> NodeRuntime | None:
    """The installed Node.js set for ``runtime``, or None.

    Asked once per run: a set already described is recognised by where its link points (an
    install replaces the link) and its binary still being there.
    """
    link = settings.node_libs_path(runtime)
    try:
        target = os.readlink(link)
    except OSError:
        target = ""
    key = (str(link), target, runtime)
    known = _CURRENT.get(key)
    if known is not None and os.path.isfile(known.node):
        return known
    found = _describe(link.resolve(), runtime) if link.is_dir() else None
    if found is not None and target:
        if len(_CURRENT) > 16:
            _CURRENT.clear()
        _CURRENT[key] = found
    return found


def resolve(settings: Settings, runtime: str) -> NodeRuntime:
    """The Node.js to run a ``runtime`` action with: the installed set, else a ``node`` on
    ``PATH`` of the same major version (without HubSpot's libraries).

    Raises:
        UsageError: neither exists; the message names the command that installs it.
    """
    found = current(settings, runtime)
    if found is not None:
        return found
    on_path = shutil.which("node")
    if on_path is not None:
        version = _version(on_path)
        if version and version.split(".")[0] == str(_major(runtime)):
            return NodeRuntime(on_path, version, None, runtime)
    raise UsageError(
        f"{runtime} actions run on Node.js {_major(runtime)}, which is not installed: "
        f"run `hsrun libs install --runtime {runtime}`"
    )


def installed_packages(folder: Path) -> dict[str, str]:
    """Versions of HubSpot's listed libraries installed in ``folder``, by name."""
    found = {}
    for lib in NODE_LIBRARIES:
        meta = folder / "node_modules" / lib.name / "package.json"
        try:
            found[lib.name] = str(json.loads(meta.read_text(encoding="utf-8"))["version"])
        except (OSError, ValueError, KeyError):
            continue
    return found


def manifest(folder: Path) -> dict[str, Any]:
    """The set's ``hsrun-libs.json`` (empty when unreadable)."""
    try:
        data = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


# -- helpers -------------------------------------------------------------------------------


def _major(runtime: str) -> int:
    try:
        return NODE_MAJOR[runtime]
    except KeyError:
        raise UsageError(
            f"{runtime} is not a Node.js runtime (one of {', '.join(NODE_MAJOR)})"
        ) from None


def _describe(folder: Path, runtime: str) -> NodeRuntime | None:
    modules = folder / "node_modules"
    package = node_package(runtime).rsplit("@", 1)[0]
    binary = modules / package / "bin" / "node"
    if not binary.is_file():
        return None
    version = str(manifest(folder).get("node_version") or "") or _version(str(binary))
    return NodeRuntime(str(binary), version, str(modules), runtime)


_VERSIONS: dict[str, str] = {}


def _version(node: str) -> str:
    if node not in _VERSIONS:
        try:
            done = subprocess.run(
                [node, "--version"], capture_output=True, text=True, timeout=30, check=True
            )
            _VERSIONS[node] = done.stdout.strip().lstrip("v")
        except (OSError, subprocess.SubprocessError):
            return ""
    return _VERSIONS[node]


def _npm_install(npm: str, folder: Path, wanted: list[str]) -> None:
    command = [
        npm,
        "install",
        "--prefix",
        str(folder),
        "--no-audit",
        "--no-fund",
        "--no-update-notifier",
        "--loglevel=error",
        *wanted,
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=folder)
    except OSError as exc:
        raise LibrariesError(f"cannot run {npm}: {exc.strerror}; nothing was changed") from exc
    if done.returncode == 0:
        return
    detail = "\n".join(done.stderr.strip().splitlines()[-4:])
    if any(sign in done.stderr for sign in ("ENOTFOUND", "ECONNREFUSED", "ETIMEDOUT", "EAI_AGAIN")):
        raise LibrariesError(
            f"could not reach the npm registry to install {', '.join(wanted)}; nothing was "
            f"changed (check the network, a proxy, or npm's registry setting)\nnpm said:\n{detail}"
        )
    raise LibrariesError(
        f"npm could not install {', '.join(wanted)} (exit status {done.returncode}); nothing "
        f"was changed\nnpm said:\n{detail}"
    )
