"""The run record: typed fields that round-trip through the journal's JSON."""

from __future__ import annotations

import json

from runtime.contract.outputs import Alert
from runtime.contract.record import STATUSES, ErrorInfo, LogLine, RunResult


def test_alerts_and_logs_come_back_as_their_types() -> None:
    result = RunResult(
        run_id="r1",
        action="act",
        status="FAILED",
        event={},
        callback_id="c1",
        started_at=1.0,
        alerts=[Alert("UNDECLARED_OUTPUT", "tier", "'tier' is not declared")],
        logs=[LogLine(1.5, "stdout", "hello")],
        error=ErrorInfo("KeyError", "'x'", phase="handler"),
    )
    back = RunResult.from_dict(json.loads(json.dumps(result.to_dict())))
    assert back == result
    assert back.alerts[0].output == "tier"
    assert result.to_dict()["alerts"] == [
        {"code": "UNDECLARED_OUTPUT", "output": "tier", "message": "'tier' is not declared"}
    ]


def test_statuses_are_the_status_type() -> None:
    assert STATUSES == (
        "SUCCESS",
        "FAILED",
        "TIMEOUT",
        "MEMORY_EXCEEDED",
        "RETRY_SCHEDULED",
        "RUNNING",
        "INTERRUPTED",
    )
