"""Judging a run: HubSpot's and Lambda's rules turn what the child did (``_session.Outcome``)
into the ``RunResult`` a user reads, the last of a run's three steps (``runner``)."""

from __future__ import annotations

import json
import signal
import time
from typing import TYPE_CHECKING, Any

from runtime.contract import check_outputs
from runtime.contract import record as r
from runtime.contract.outputs import OUTPUT_FIELDS, Alert, looks_like_output_fields
from runtime.contract.retry import is_retryable_status, retry_schedule
from runtime.invoke import _lambda_service as service

if TYPE_CHECKING:
    from runtime.invoke._session import Outcome
    from runtime.invoke.runner import PreparedRun


def judge(prepared: PreparedRun, outcome: Outcome, result: r.RunResult) -> r.RunResult:
    """Apply HubSpot's rules to what the child did."""
    opts, mask = prepared.options, prepared.masker
    msg = outcome.message or {}
    result.isolation = outcome.isolation or "process"
    result.isolation_reason = outcome.isolation_reason
    result.enforcement = outcome.enforcement or {
        "memory": "sampling",
        "processes": "process group count",
        "network": "in-process guard",
    }
    result.logs = [r.LogLine(line.t, line.stream, mask.text(line.text)) for line in outcome.logs]
    if outcome.logs_truncated and outcome.logs:  # the last line kept may end mid-secret
        last = outcome.logs[-1]
        result.logs[-1] = r.LogLine(last.t, last.stream, mask.cut_text(last.text))
    result.logs_truncated = outcome.logs_truncated
    result.log_bytes_dropped = outcome.log_bytes_dropped
    if outcome.logs_truncated:
        result.logs.append(
            r.LogLine(
                time.time(),
                "hsrun",
                f"[hsrun] log output over {opts.max_log_bytes // 1024} KiB: "
                f"{outcome.log_bytes_dropped:,} bytes were not kept",
            )
        )
    # Lambda's "Max Memory Used": the whole process's peak resident set, including what it
    # inherited (run_job added a forked process's unmapped share of its parent's pages back).
    peak_kb = outcome.peak_kb
    result.memory_mb = round(peak_kb / 1024, 1)
    result.libraries = dict(msg.get("libraries") or {})
    # The Node child's own alerts (callback called twice, never called, ...).
    result.alerts.extend(
        Alert(str(a.get("code")), mask.text(str(a.get("output") or "")), mask.text(a["message"]))
        for a in msg.get("alerts") or []
    )
    duration = msg.get("duration_ms")
    result.runtime_ms = round(duration if duration is not None else outcome.elapsed_s * 1000, 2)
    init_ms = msg.get("init_ms") or (outcome.started or {}).get("init_ms")
    result.init_ms = round(init_ms, 2) if init_ms is not None else None
    over_memory = peak_kb > opts.memory_mb * 1024

    result.python = str(msg.get("python") or (outcome.started or {}).get("python") or "")
    if outcome.killed_for == "interrupted":
        return _fail(
            result,
            r.INTERRUPTED,
            "Runtime.Interrupted",
            "the run was stopped (Ctrl-C) before it finished",
            phase="runtime",
        )
    if outcome.killed_for == "timeout":
        result.runtime_ms = round(outcome.elapsed_s * 1000, 2)
        return _fail(
            result,
            r.TIMEOUT,
            service.TIMED_OUT,
            service.timeout_message(opts.timeout_s),
            phase="runtime",
        )
    if outcome.killed_for == "memory" or (over_memory and msg.get("type") != "result"):
        # Lambda's words for the kill; hsrun's measurement travels beside them.
        result.alerts.append(
            Alert(
                "MEMORY_LIMIT",
                "",
                f"memory used {result.memory_mb:.0f} MB exceeded the {opts.memory_mb} MB limit",
            )
        )
        return _fail(
            result,
            r.MEMORY_EXCEEDED,
            service.OUT_OF_MEMORY,
            service.crash_message(result.request_id, signal.SIGKILL),
            phase="runtime",
        )
    if outcome.killed_for == "processes":
        return _fail(
            result,
            r.FAILED,
            "Runtime.ProcessLimitExceeded",
            f"the action started more than {opts.max_processes} processes and was killed",
            phase="runtime",
        )
    if not msg:
        return _fail(
            result,
            r.FAILED,
            service.EXIT_ERROR,
            service.crash_message(result.request_id, outcome.exit_status),
            phase="runtime",
        )
    if msg["type"] == "error":
        status = msg.get("http_status")
        retry = msg.get("phase") == "handler" and is_retryable_status(status)
        result.error = r.ErrorInfo(
            type=msg["error_type"],
            message=mask.text(msg["message"]),
            traceback=mask.text(msg.get("traceback") or ""),
            phase=msg.get("phase", "handler"),
            http_status=status,
        )
        if msg.get("hint"):
            result.alerts.append(Alert("HINT", "", msg["hint"]))
        if retry:
            result.status = r.RETRY_SCHEDULED
            result.retry_in_s = retry_schedule()
        else:
            result.status = r.FAILED
        return result
    # Lambda's rule first (the service refuses the payload), then HubSpot's output rules.
    too_large = service.response_too_large(int(msg.get("size") or 0))
    if too_large:
        return _fail(result, r.FAILED, service.RESPONSE_TOO_LARGE, too_large, phase="outputs")
    return _judge_return(prepared, json.loads(msg["value_json"]), msg["value_type"], result)


def not_emulated_alerts(calls: list[dict[str, Any]]) -> list[Alert]:
    """An ``API_NOT_EMULATED`` alert per distinct call no route of the fake portal answered.

    The action saw a 404 where HubSpot may have answered: its SUCCESS may rest on that.
    """
    seen: list[str] = []
    for call in calls:
        name = f"{call.get('method')} {call.get('path')}"
        if call.get("notEmulated") and name not in seen:
            seen.append(name)
    return [
        Alert(
            "API_NOT_EMULATED",
            "",
            f"{name} is not emulated by the fake portal: the action got a 404 "
            "where HubSpot's answer may differ",
        )
        for name in seen
    ]


def _judge_return(
    prepared: PreparedRun, value: Any, value_type: str, result: r.RunResult
) -> r.RunResult:
    mask = prepared.masker
    declared = prepared.action.manifest.outputs
    if value is None:
        fields: Any = {}
        if not result.alerts:  # the Node child has said why already
            result.alerts.append(
                Alert(
                    "NO_RETURN",
                    "",
                    f"main returned {_nothing(prepared)}: the action has no data outputs",
                )
            )
    elif not isinstance(value, dict):
        return _fail(
            result,
            r.FAILED,
            "Runtime.InvalidReturn",
            f"main must return {_like(prepared)}, it returned "
            f"{value_type} {_short(mask.data(value))}",  # masked before it is cut
            phase="outputs",
        )
    elif OUTPUT_FIELDS not in value:
        # `check`'s misspelling rule (HS402), plus a plain "outputs" key.
        typo = next((k for k in value if looks_like_output_fields(k) or k == "outputs"), None)
        hint = f" (found '{typo}': the key is 'outputFields')" if typo else ""
        fields = {}
        result.alerts.append(
            Alert(
                "NO_OUTPUT_FIELDS",
                "",
                f"main returned a dict without 'outputFields'{hint}: "
                "the action has no data outputs",
            )
        )
    else:
        fields = value[OUTPUT_FIELDS]
        if fields is None:
            fields = {}
        if not isinstance(fields, dict):
            return _fail(
                result,
                r.FAILED,
                "Runtime.InvalidReturn",
                f"outputFields must be a dict of name to value, got {type(fields).__name__}",
                phase="outputs",
            )
    check = check_outputs(fields, declared)
    result.outputs = mask.data(fields)
    # Output names are the action's strings too: a secret used as a name is masked.
    result.output_types = mask.data({o.name: o.type for o in check.outputs})
    result.alerts.extend(
        Alert(a.code, mask.text(a.output), mask.text(a.message)) for a in check.alerts
    )
    if check.error_code:
        message = mask.text(check.error_message or "")
        return _fail(result, r.FAILED, check.error_code, message, phase="outputs")
    result.status = r.SUCCESS
    return result


def _nothing(prepared: PreparedRun) -> str:
    return "None" if prepared.node is None else "undefined"


def _like(prepared: PreparedRun) -> str:
    if prepared.node is None:
        return 'a dict like {"outputFields": {...}}'
    return "an object like { outputFields: {...} }"


def _fail(
    result: r.RunResult, status: r.Status, kind: str, message: str, *, phase: r.Phase
) -> r.RunResult:
    result.status = status
    result.error = r.ErrorInfo(type=kind, message=message, phase=phase)
    return result


def _short(value: Any, limit: int = 80) -> str:
    text = json.dumps(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
