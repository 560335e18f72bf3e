"""HubSpot's Python libraries at HubSpot's versions, installed into the state folder.

HubSpot runs custom code with its own fixed library set (``requests 2.28.2``,
``hubspot-api-client ^8``, ...; see :mod:`runtime.contract.libraries`), not with whatever
hsrun's environment has. The APIs differ between major versions (8.x has
``crm.contacts.public_object_api.merge``, 12.x has ``basic_api.merge``), so an action must
run against the same versions locally. :func:`install` puts them in ``.hsrun/libs/python39``
with pip, apart from hsrun's environment; the runner puts that folder first on the action's
``sys.path`` (:func:`runtime.config.Settings.action_libs`).

On disk, ``libs/python39`` is a symbolic link to ``libs/python39-<stamp>``: an install fills
a new folder and then replaces the link in one rename, so a failed or interrupted install
never leaves a half-filled folder in use, and a zygote keyed by the real path never mixes an
old set with a new one. The folder holds ``hsrun-libs.json``: what was asked for, what was
installed (from the ``.dist-info`` folders) and by which interpreter.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from runtime.config import Settings, ensure_home
from runtime.contract.libraries import PYTHON_LIBRARIES
from runtime.errors import LibrariesError

MANIFEST_NAME = "hsrun-libs.json"
MANIFEST_FORMAT = 1
#: pip's own retries (5 by default, with back-off) make an offline failure take a minute.
PIP_RETRIES = 2
#: What pip prints when it cannot reach an index (urllib3's and socket's wording).
_NETWORK_SIGNS = (
    "NewConnectionError",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Name or service not known",
    "Network is unreachable",
    "ConnectTimeoutError",
    "ReadTimeoutError",
    "ProxyError",
    "SSLError",
    "Max retries exceeded",
)


@dataclass(frozen=True)
class LibrarySet:
    """One installed library set, as its manifest describes it."""

    folder: Path  # the real folder (what the link points to)
    packages: dict[str, str]  # distribution name -> version, every installed one
    requested: list[str]  # the pip requirements asked for
    python: str  # the interpreter pip installed for
    python_version: str  # its "major.minor.micro"
    installed_at: float
    all: bool = False  # installed with --all

    def hubspot_versions(self) -> dict[str, str]:
        """The versions of the libraries HubSpot lists, by name (those installed)."""
        wanted = {_normalize(lib.name): lib.name for lib in PYTHON_LIBRARIES}
        return {
            wanted[_normalize(name)]: version
            for name, version in self.packages.items()
            if _normalize(name) in wanted
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": MANIFEST_FORMAT,
            "folder": str(self.folder),
            "packages": self.packages,
            "requested": self.requested,
            "python": self.python,
            "python_version": self.python_version,
            "installed_at": self.installed_at,
            "all": self.all,
        }


def requirements(*, all_libraries: bool = False) -> list[str]:
    """The pip requirements for HubSpot's libraries: the core ones, or (``all_libraries``)
    every library on HubSpot's list."""
    return [lib.requirement for lib in PYTHON_LIBRARIES if lib.core or all_libraries]


def install(
    settings: Settings, *, all_libraries: bool = False, python: str | None = None
) -> LibrarySet:
    """Install HubSpot's libraries into ``settings.libs_path``, replacing any set there.

    pip runs with ``--target`` into a new folder beside the current one: hsrun's environment
    is never touched, and the new set replaces the old only once complete.

    Args:
        settings: where the state folder is.
        all_libraries: every library on HubSpot's list, not just requests and the client.
        python: the interpreter to install for (its pip runs); default: hsrun's.

    Raises:
        LibrariesError: pip is missing, the package index cannot be reached, or pip failed.
    """
    interpreter = python or sys.executable
    wanted = requirements(all_libraries=all_libraries)
    if settings.libs_path.parent.parent == settings.home:
        ensure_home(settings)  # says so when it creates a state folder outside a project
    parent = settings.libs_path.parent
    parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with _locked(parent):
        staging = Path(tempfile.mkdtemp(prefix=f".{settings.libs_path.name}-", dir=parent))
        try:
            _pip_install(interpreter, staging, wanted)
            found = LibrarySet(
                folder=staging,
                packages=installed_packages(staging),
                requested=wanted,
                python=interpreter,
                python_version=_python_version(interpreter),
                installed_at=time.time(),
                all=all_libraries,
            )
            stamp = f"{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:6]}"
            final = parent / f"{settings.libs_path.name}-{stamp}"
            os.rename(staging, final)
            found = replace(found, folder=final)
            _write_manifest(final, found)
            _point_link(settings.libs_path, final)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return found


def current(settings: Settings) -> LibrarySet | None:
    """The installed set, or None when there is none (or its manifest is unreadable)."""
    link = settings.libs_path
    if not link.is_dir():
        return None
    folder = link.resolve()
    try:
        data = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        # A folder made by hand (HSRUN_LIBS-style): describe it from its dist-info folders.
        return LibrarySet(
            folder=folder,
            packages=installed_packages(folder),
            requested=[],
            python="",
            python_version="",
            installed_at=folder.stat().st_mtime,
        )
    return LibrarySet(
        folder=folder,
        packages=dict(data.get("packages") or {}),
        requested=list(data.get("requested") or []),
        python=str(data.get("python") or ""),
        python_version=str(data.get("python_version") or ""),
        installed_at=float(data.get("installed_at") or 0.0),
        all=bool(data.get("all")),
    )


def remove(settings: Settings) -> Path | None:
    """Delete the installed set; returns the folder removed, or None if there was none.

    Actions then run with hsrun's own environment again.
    """
    link = settings.libs_path
    if not link.is_symlink() and not link.exists():
        return None
    with _locked(link.parent):
        folder = link.resolve()
        if link.is_symlink():
            link.unlink()
        # A folder made by hand is gone only once renamed away: runs never see half of it.
        doomed = link.parent / f".removed-{uuid.uuid4().hex[:8]}"
        try:
            os.rename(folder, doomed)
        except FileNotFoundError:
            return folder
        except OSError as exc:
            raise LibrariesError(f"cannot remove {folder}: {exc.strerror}") from exc
        shutil.rmtree(doomed, ignore_errors=True)
    return folder


def environment_versions() -> dict[str, str]:
    """The versions of HubSpot's libraries in hsrun's own environment (what actions import
    when no set is installed), by name; missing ones are left out."""
    from importlib import metadata  # here: ~10 ms to import, which a run does not need

    found = {}
    for name in [lib.name for lib in PYTHON_LIBRARIES] + ["urllib3"]:
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[name] = metadata.version(name)
    return found


def installed_packages(folder: Path) -> dict[str, str]:
    """Every distribution in ``folder`` (pip ``--target``), name -> version."""
    from importlib import metadata

    found = {}
    for dist in metadata.distributions(path=[str(folder)]):
        name = dist.metadata["Name"]
        if name:
            found[str(name)] = dist.version
    return dict(sorted(found.items(), key=lambda item: item[0].lower()))


# -- helpers -------------------------------------------------------------------------------


def _pip_install(python: str, target: Path, wanted: list[str]) -> None:
    command = [
        python,
        "-m",
        "pip",
        "install",
        "--target",
        str(target),
        "--upgrade",
        "--no-warn-script-location",
        "--disable-pip-version-check",
        "--no-input",
        "--retries",
        str(PIP_RETRIES),
        *wanted,
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise LibrariesError(f"cannot run {python}: {exc.strerror}; nothing was changed") from exc
    if done.returncode == 0:
        return
    output = f"{done.stdout}\n{done.stderr}"
    if "No module named pip" in output:
        raise LibrariesError(
            f"{python} has no pip: install pip into it (python -m ensurepip); nothing was changed"
        )
    # pip's note about hsrun's own environment (it checks it even with --target) is noise.
    errors = [
        line
        for line in done.stderr.splitlines()
        if line.startswith("ERROR:") and "dependency resolver" not in line
    ]
    detail = "\n".join(errors[-3:] or done.stderr.strip().splitlines()[-3:])
    if any(sign in output for sign in _NETWORK_SIGNS):
        raise LibrariesError(
            f"could not reach the package index to install {', '.join(wanted)}; nothing was "
            f"changed (check the network, a proxy, or pip's index settings)\npip said:\n{detail}"
        )
    raise LibrariesError(
        f"pip could not install {', '.join(wanted)} (exit status {done.returncode}); "
        f"nothing was changed\npip said:\n{detail}"
    )


def _python_version(python: str) -> str:
    if python == sys.executable:
        return ".".join(str(n) for n in sys.version_info[:3])
    try:
        done = subprocess.run(
            [python, "-c", "import sys; print('.'.join(map(str, sys.version_info[:3])))"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip()


def _write_manifest(folder: Path, found: LibrarySet) -> None:
    path = folder / MANIFEST_NAME
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(found.to_dict(), indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _point_link(link: Path, folder: Path) -> None:
    """Make ``link`` point to ``folder`` in one rename; remove what it pointed to before."""
    previous: Path | None = None
    if link.is_symlink():
        previous = link.resolve()
    elif link.is_dir():
        # A folder made by hand where the link goes: moved aside first, then removed.
        previous = link.with_name(f".replaced-{uuid.uuid4().hex[:8]}")
        os.rename(link, previous)
    tmp_link = link.with_name(f".{link.name}-link-{uuid.uuid4().hex[:8]}")
    os.symlink(folder.name, tmp_link)
    os.replace(tmp_link, link)
    if previous is not None and previous != folder:
        shutil.rmtree(previous, ignore_errors=True)


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One install or removal at a time per state folder."""
    fd = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _normalize(name: str) -> str:
    return name.replace("_", "-").replace(".", "-").lower()
