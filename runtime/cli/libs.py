"""`hsrun libs install | status | remove`: HubSpot's Python libraries at HubSpot's versions."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from runtime.cli._common import handle_errors

if TYPE_CHECKING:
    from runtime.config import Settings
    from runtime.invoke.libraries import LibrarySet

libs_app = typer.Typer(
    name="libs",
    help="Run actions against HubSpot's library versions (requests 2.28.2, "
    "hubspot-api-client 8.x, ...) instead of hsrun's own: install them into .hsrun/libs/. "
    "Actions use them whenever they are installed; HSRUN_LIBS=0 turns that off.",
    no_args_is_help=True,
)


def _hubspot_list() -> str:
    from runtime.contract.libraries import PYTHON_LIBRARIES

    return ", ".join(f"{lib.name} {lib.version}" for lib in PYTHON_LIBRARIES if lib.core)


def install(
    all_libraries: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Every library on HubSpot's list (adds google-api-python-client, "
            "mysql-connector-python, redis, nltk), not just requests and hubspot-api-client.",
        ),
    ] = False,
    python: Annotated[
        str | None,
        typer.Option(
            metavar="PYTHON",
            help="Install for this interpreter (its pip runs), e.g. the python3.9 you pass "
            "to invoke --python. Default: hsrun's.",
        ),
    ] = None,
    runtime: Annotated[
        str,
        typer.Option(
            metavar="RUNTIME",
            help="PYTHON39 (default), or NODE24X / NODE20X / NODE16X: that Node.js from the "
            "npm registry plus HubSpot's Node libraries (@hubspot/api-client, axios, ...).",
        ),
    ] = "PYTHON39",
) -> None:
    """Install HubSpot's libraries at HubSpot's versions (needs the package index)."""
    from runtime.config import get_settings

    runtime = runtime.upper()
    if runtime.startswith("NODE"):
        _install_node(get_settings(), runtime, all_libraries)
        return
    from runtime.invoke.libraries import install as install_set
    from runtime.invoke.libraries import requirements

    settings = get_settings()
    wanted = requirements(all_libraries=all_libraries)
    print(f"Installing {', '.join(wanted)} into {settings.libs_path} ...", flush=True)
    started = time.monotonic()
    found = install_set(settings, all_libraries=all_libraries, python=python)
    print(
        f"Installed {len(found.packages)} packages in {time.monotonic() - started:.1f} s: "
        + ", ".join(f"{name} {version}" for name, version in found.hubspot_versions().items())
    )
    print("Actions now import them first (hsrun invoke, batch runs, the pytest fixtures).")


def _install_node(settings: Settings, runtime: str, all_libraries: bool) -> None:
    from runtime.invoke import node_libs

    wanted = node_libs.requirements(runtime, all_libraries=all_libraries)
    print(f"Installing {', '.join(wanted)} into {settings.node_libs_path(runtime)} ...", flush=True)
    started = time.monotonic()
    found = node_libs.install(settings, runtime=runtime, all_libraries=all_libraries)
    packages = node_libs.installed_packages(Path(found.node_path or ".").parent)
    print(
        f"Installed Node.js {found.version} in {time.monotonic() - started:.1f} s with "
        + ", ".join(f"{name} {version}" for name, version in packages.items())
    )
    print(f"{runtime} actions now run with them (hsrun invoke, batch runs, the pytest fixtures).")


def status(
    as_json: Annotated[bool, typer.Option("--json", help="Print the status as JSON.")] = False,
) -> None:
    """Show which library versions actions run with."""
    from runtime.config import get_settings
    from runtime.invoke.libraries import current, environment_versions

    settings = get_settings()
    found = current(settings)
    in_use = settings.action_libs()
    env = environment_versions()
    if as_json:
        print(
            json.dumps(
                {
                    "installed": found.to_dict() if found else None,
                    "in_use": str(in_use) if in_use else None,
                    "environment": env,
                    "node": _node_sets(settings),
                },
                indent=2,
            )
        )
        return
    print(_describe(settings, found, in_use, env))
    for line in _describe_node(settings):
        print(line)


def _node_sets(settings: Settings) -> dict[str, Any]:
    from runtime.invoke import node_libs

    sets: dict[str, Any] = {}
    for runtime in ("NODE24X", "NODE20X", "NODE16X"):
        found = node_libs.current(settings, runtime)
        if found is not None:
            folder = Path(found.node_path or ".").parent
            sets[runtime] = {
                "node": found.node,
                "node_version": found.version,
                "folder": str(folder),
                "packages": node_libs.installed_packages(folder),
            }
    return sets


def _describe_node(settings: Settings) -> list[str]:
    from runtime.invoke import node_libs

    lines = []
    for runtime in ("NODE24X", "NODE20X", "NODE16X"):
        found = node_libs.current(settings, runtime)
        if found is None:
            continue
        packages = node_libs.installed_packages(Path(found.node_path or ".").parent)
        versions = ", ".join(f"{name} {version}" for name, version in packages.items())
        lines.append(f"{runtime}: Node.js {found.version} with {versions or 'no libraries'}")
    return lines


def _describe(
    settings: Settings, found: LibrarySet | None, in_use: Any, env: dict[str, str]
) -> str:
    own = ", ".join(f"{name} {version}" for name, version in env.items()) or "none of them"
    lines = []
    if found is None:
        lines.append(f"No HubSpot library set is installed in {settings.libs_path}.")
    else:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(found.installed_at))
        python = f" for Python {found.python_version}" if found.python_version else ""
        lines.append(f"HubSpot library set in {found.folder}, installed {when}{python}:")
        width = max((len(name) for name in found.packages), default=0)
        hubspot = found.hubspot_versions()
        for name, version in found.packages.items():
            mark = "  (HubSpot's list)" if name in hubspot else ""
            lines.append(f"  {name:<{width}}  {version}{mark}")
    if in_use is None:
        lines.append(f"Actions run with hsrun's own environment: {own}.")
        lines.append(f"HubSpot runs {_hubspot_list()}.")
        if found is None:
            lines.append("Install HubSpot's versions with: hsrun libs install")
        else:
            lines.append("HSRUN_LIBS turns the installed set off.")
    elif found is None or in_use != found.folder:
        lines.append(f"Actions import from {in_use} first (HSRUN_LIBS).")
    else:
        lines.append("Actions import from it first; HSRUN_LIBS=0 runs them with hsrun's own.")
    return "\n".join(lines)


def remove() -> None:
    """Delete the installed library set: actions run with hsrun's own environment again."""
    from runtime.config import get_settings
    from runtime.invoke.libraries import remove as remove_set

    removed = remove_set(get_settings())
    if removed is None:
        print("No HubSpot library set is installed: nothing to remove.")
    else:
        print(f"Removed {removed}: actions run with hsrun's own environment again.")


def register(app: typer.Typer) -> None:
    """Add the ``libs`` command group to ``app``."""
    libs_app.command()(handle_errors(install))
    libs_app.command()(handle_errors(status))
    libs_app.command()(handle_errors(remove))
    app.add_typer(libs_app)
