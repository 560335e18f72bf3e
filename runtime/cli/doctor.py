"""``hsrun doctor``: what this machine offers an action's sandbox."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from runtime.cli._common import handle_errors


def doctor(
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False,
) -> None:
    """Say which isolation runs get here: kernel namespaces, a cgroup, or a plain process."""
    from runtime.config import get_settings
    from runtime.invoke.sandbox import probe

    settings = get_settings()
    support = probe()
    mode = settings.isolation
    if mode == "process":
        runs = "process (HSRUN_ISOLATION=process)"
    elif support.namespaces:
        runs = "namespaces"
    elif mode == "namespaces":
        runs = "none: HSRUN_ISOLATION=namespaces and the kernel refuses them, so runs fail"
    else:
        runs = "process (the kernel refuses namespaces)"
    findings = {
        "namespaces": support.namespaces,
        "namespaces_reason": support.reason,
        "cgroup": support.cgroup,
        "isolation_setting": mode,
        "runs_get": runs,
    }
    if as_json:
        print(json.dumps(findings, indent=2))
        return
    ok = "yes" if support.namespaces else f"no ({support.reason})"
    print(f"user, PID, mount, network, IPC namespaces: {ok}")
    print(f"cgroup for memory and processes:          {support.cgroup or 'no (memory is sampled)'}")
    print(f"HSRUN_ISOLATION:                          {mode}")
    print(f"runs get:                                 {runs}")


def register(app: typer.Typer) -> None:
    """Add ``doctor`` to ``app``."""
    app.command()(handle_errors(doctor))
