"""hsrun: run, test, package and deploy HubSpot workflow custom code actions locally.

The public API is imported lazily so that ``hsrun`` starts fast::

    from runtime import run_action, RunOptions
    result = run_action("actions/format_phone.py", inputs={"phone": "555 010 2233"})
    assert result.status == "SUCCESS"
"""

from __future__ import annotations

# Not `from typing import TYPE_CHECKING`: `typing` costs the thin `hsrun` client ~10 ms.
TYPE_CHECKING = False

__version__ = "0.1.0"

_EXPORTS = {
    "run_action": "runtime.invoke",
    "Runner": "runtime.invoke",
    "RunOptions": "runtime.invoke",
    "RunResult": "runtime.invoke",
    "Event": "runtime.contract",
    "build_event": "runtime.contract",
    "ActionManifest": "runtime.contract",
    "Manifest": "runtime.contract",
    "load_action": "runtime.contract",
    "HsrunError": "runtime.errors",
}

__all__ = [
    "ActionManifest",
    "Event",
    "HsrunError",
    "Manifest",
    "RunOptions",
    "RunResult",
    "Runner",
    "build_event",
    "load_action",
    "run_action",
]

if TYPE_CHECKING:
    from typing import Any

    from runtime.contract import ActionManifest, Event, Manifest, build_event, load_action
    from runtime.errors import HsrunError
    from runtime.invoke import Runner, RunOptions, RunResult, run_action


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'runtime' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
