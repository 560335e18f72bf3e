"""Running one action: the runner, its options and the run record."""

from __future__ import annotations

from runtime.contract.record import ErrorInfo, LogLine, RunResult
from runtime.invoke.runner import PortalLink, RunJournal, Runner, RunOptions, run_action

__all__ = [
    "ErrorInfo",
    "LogLine",
    "PortalLink",
    "RunJournal",
    "RunOptions",
    "RunResult",
    "Runner",
    "run_action",
]
