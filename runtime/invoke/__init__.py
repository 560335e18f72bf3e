"""Running one action: the runner, its options and the run record.

Names are imported on first use, so that ``runtime.invoke._process`` (which the ``hsrun``
launcher imports to start the action's process first thing) stays cheap to import.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: see runtime/__init__.py

_EXPORTS = {
    "ErrorInfo": "runtime.contract.record",
    "LogLine": "runtime.contract.record",
    "RunResult": "runtime.contract.record",
    "PortalLink": "runtime.invoke.runner",
    "PreparedRun": "runtime.invoke.runner",
    "RunJournal": "runtime.invoke.runner",
    "RunOptions": "runtime.invoke.runner",
    "Runner": "runtime.invoke.runner",
    "run_action": "runtime.invoke.runner",
}

__all__ = [
    "ErrorInfo",
    "LogLine",
    "PortalLink",
    "PreparedRun",
    "RunJournal",
    "RunOptions",
    "RunResult",
    "Runner",
    "run_action",
]

if TYPE_CHECKING:
    from typing import Any

    from runtime.contract.record import ErrorInfo, LogLine, RunResult
    from runtime.invoke.runner import (
        PortalLink,
        PreparedRun,
        RunJournal,
        Runner,
        RunOptions,
        run_action,
    )


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'runtime.invoke' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
