"""Showing a run: HubSpot's test panel, Lambda's log lines, or JSON.

HubSpot does not publish the panel's exact text; the layout here follows what the panel shows
(Status, Data outputs with an alert beside undeclared ones, Logs with memory and runtime) and
is hsrun's own. ``--format lambda`` follows AWS Lambda's START / END / REPORT lines.
"""

from __future__ import annotations

import json
import math
import re
import time
from typing import Any

from runtime.contract.record import (
    FAILED,
    INTERRUPTED,
    MEMORY_EXCEEDED,
    RETRY_SCHEDULED,
    RUNNING,
    SUCCESS,
    TIMEOUT,
    RunResult,
)
from runtime.invoke import _lambda_service as service

_STATUS_STYLE = {
    SUCCESS: ("green", "✔ Success"),
    FAILED: ("red", "✖ Failed"),
    TIMEOUT: ("red", "✖ Timed out"),
    MEMORY_EXCEEDED: ("red", "✖ Memory limit exceeded"),
    RETRY_SCHEDULED: ("yellow", "↻ Failed, HubSpot would retry"),
    RUNNING: ("yellow", "… Running"),
    INTERRUPTED: ("yellow", "✖ Interrupted (hsrun stopped before the run finished)"),
}


def to_json(result: RunResult) -> str:
    """The run record as stable JSON (for scripts and CI)."""
    return json.dumps(result.to_dict(), indent=2, sort_keys=True)


def _stamp(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1000):03d}Z"


def _duration(ms: float) -> str:
    return f"{ms:.2f} ms" if ms < 10_000 else f"{ms / 1000:.2f} s"


def _value(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 200 else text[:197] + "..."


def panel(result: RunResult) -> Any:
    """A rich renderable that reads like HubSpot's test result panel."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    style, label = _STATUS_STYLE.get(result.status, ("white", result.status))
    parts: list[Any] = []
    if result.checks:
        checks = Text()
        for finding in result.checks:
            sev = finding.get("severity", "warning")
            colour = "red" if sev == "error" else "yellow"
            checks.append(f"{finding.get('code', '')} ", style=colour)
            where = f"line {finding.get('line')}: " if finding.get("line") else ""
            checks.append(f"{where}{finding.get('message', '')}\n")
        parts += [Text("Checks", style="bold"), checks]
    parts.append(Text.assemble(("Status  ", "bold"), (label, f"bold {style}")))
    if result.error is not None:
        err = Text(f"{result.error.type}: {result.error.message}", style=style)
        parts.append(err)
        if result.retry_in_s:
            first = result.retry_in_s[0]
            parts.append(
                Text(
                    f"HTTP {result.error.http_status}: HubSpot retries this action {first // 60} "
                    f"minute after the failure, then at growing intervals (at most 8 hours "
                    f"apart) for up to 3 days ({len(result.retry_in_s)} attempts).",
                    style="yellow",
                )
            )
    parts.append(Text("\nData outputs", style="bold"))
    alerts_by_output: dict[str, list[str]] = {}
    for alert in result.alerts:
        alerts_by_output.setdefault(alert.output, []).append(alert.message)
    if result.outputs:
        table = Table.grid(padding=(0, 2))
        for name, value in result.outputs.items():
            kind = result.output_types.get(name)
            type_text = Text(kind or "undeclared", style="dim" if kind else "yellow")
            table.add_row(Text(name), type_text, Text(_value(value)))
            for message in alerts_by_output.pop(name, []):
                table.add_row(Text(""), Text("⚠", style="yellow"), Text(message, style="yellow"))
        parts.append(table)
    else:
        parts.append(Text("(none)", style="dim"))
    for messages in alerts_by_output.values():
        for message in messages:
            parts.append(Text(f"⚠ {message}", style="yellow"))
    parts.append(Text("\nLogs", style="bold"))
    logs = Text()
    for line in result.logs:
        logs.append(line.text + "\n", style="red" if line.stream == "stderr" else "")
    if result.error is not None and result.error.traceback:
        logs.append(result.error.traceback.rstrip() + "\n", style="red")
    if result.api_calls:
        for call in result.api_calls:
            logs.append(
                f"HubSpot API {call.get('method')} {call.get('path')} → {call.get('status')}\n",
                style="cyan",
            )
    memory = f"Memory: {math.ceil(result.memory_mb)}/{result.memory_limit_mb} MB"
    runtime = f"Runtime: {_duration(result.runtime_ms)}"
    logs.append(f"{memory}  {runtime}", style="bold")
    parts.append(logs)
    if result.python and not result.python.startswith("3.9."):
        parts.append(
            Text(
                f"Python {result.python} ran this action; HubSpot runs 3.9, whose syntax-error "
                "messages can read differently.",
                style="dim",
            )
        )
    if result.libraries:
        versions = ", ".join(
            f"{name} {version}" for name, version in sorted(result.libraries.items())
        )
        origin = "HubSpot's set" if result.libraries_folder else "hsrun's environment"
        if not result.libraries_folder and result.runtime.startswith("NODE"):
            origin = "node on PATH, without HubSpot's libraries"
        parts.append(Text(f"Libraries ({origin}): {versions}", style="dim"))
    title = f"{result.action} · run {result.run_id}"
    if result.warm:
        title += " · warm"
    return Panel(Group(*parts), title=title, title_align="left", border_style=style)


def lambda_lines(result: RunResult) -> str:
    """AWS Lambda's console output for the run: START, the logs, END, REPORT.

    The error lines are what Lambda writes: the runtime's own record for an error it caught
    (``[ERROR] Type: message``, then ``Traceback (most recent call last):`` and the frames);
    the service's two lines for a crash (``RequestId: ... Error: ...`` then the error type);
    the service's stamped line for a timeout. Billed Duration is at least 1 ms, and for a
    timeout it is the configured time (the execution-environment guide's example: Duration
    3004.92 ms, Billed Duration 3000 ms).
    """
    rid = result.request_id or result.run_id
    out = [f"START RequestId: {rid} Version: $LATEST"]
    out += [line.text for line in result.logs]
    error = result.error
    billed = max(1, math.ceil(result.runtime_ms))
    if error is not None:
        if result.status == TIMEOUT:
            stamp = _stamp(result.started_at + result.runtime_ms / 1000)
            out.append(f"{stamp} {rid} {error.message}")
            billed = max(1, math.ceil(result.timeout_s * 1000))
        elif error.message.startswith("RequestId: "):
            out += [error.message, error.type]
        elif result.runtime.startswith("NODE") and (
            error.phase in ("init", "handler") or error.type == "Runtime.MarshalError"
        ):
            # Lambda's Node.js runtime logs a failed invocation as one ERROR line.
            node_error = {
                "errorType": error.type,
                "errorMessage": error.message,
                "stack": error.traceback.strip().splitlines(),
            }
            out.append(
                f"{_stamp(result.started_at + result.runtime_ms / 1000)}\t{rid}\tERROR\t"
                f"Invoke Error \t{json.dumps(node_error, ensure_ascii=False)}"
            )
        elif error.phase in ("init", "handler") or error.type == "Runtime.MarshalError":
            # awslambdaric's log_error: no colon when the message is empty.
            out.append(
                f"[ERROR] {error.type}: {error.message}"
                if error.message
                else f"[ERROR] {error.type}"
            )
            out.append("Traceback (most recent call last):")
            out += _runtime_stack(error.type, error.traceback)
        else:
            # A judgement of the returned value by Lambda's service (the response limit) or by
            # HubSpot (its output rules): the function's log holds no line for it, so hsrun
            # marks the line as its own.
            out.append(f"[hsrun] {error.type}: {error.message}")
    out.append(f"END RequestId: {rid}")
    report = (
        f"REPORT RequestId: {rid}\tDuration: {result.runtime_ms:.2f} ms\t"
        f"Billed Duration: {billed} ms\t"
        f"Memory Size: {result.memory_limit_mb} MB\t"
        f"Max Memory Used: {math.ceil(result.memory_mb)} MB"
    )
    if result.init_ms is not None:
        report += f"\tInit Duration: {result.init_ms:.2f} ms"
    out.append(report)
    response = lambda_response(result)
    if response is not None:
        out.append(response)
    return "\n".join(out)


def lambda_response(result: RunResult) -> str | None:
    """The invocation's response as ``sam local invoke`` prints it after the log lines (and
    ``aws lambda invoke`` writes it to its outfile): the handler's returned document, or the
    error document Lambda answers with. ``None`` when Lambda would answer something hsrun
    does not keep (HubSpot judged the returned value; a dict without ``outputFields``) or
    nothing at all (the run was interrupted).

    The runtime encodes the document: the Python runtime with ``json.dumps``'s separators and
    ASCII escapes (awslambdaric's encoder for Python 3.9), Node.js with ``JSON.stringify``;
    the service writes its own errors compactly. Outputs, messages and tracebacks are the run
    record's, masked already.
    """
    error = result.error
    node = result.runtime.startswith("NODE")

    def encode(document: Any) -> str:
        if node:
            return json.dumps(document, ensure_ascii=False, separators=(",", ":"))
        return json.dumps(document)

    if error is None:
        if result.status != SUCCESS:
            return None
        if any(alert.code == "NO_RETURN" for alert in result.alerts):
            return "null"  # main returned None (undefined): Lambda answers null
        if any(alert.code == "NO_OUTPUT_FIELDS" for alert in result.alerts):
            return None  # the dict itself is not kept
        return encode({"outputFields": result.outputs})
    if result.status == INTERRUPTED:
        return None
    if error.phase in ("init", "handler") or error.type == "Runtime.MarshalError":
        if node:
            return encode(
                {
                    "errorType": error.type,
                    "errorMessage": error.message,
                    "trace": error.traceback.strip().splitlines(),
                }
            )
        return encode(
            {
                "errorMessage": error.message,
                "errorType": error.type,
                "requestId": result.request_id,
                "stackTrace": _stack_entries(_runtime_stack(error.type, error.traceback)),
            }
        )
    if error.type in (
        service.EXIT_ERROR,
        service.OUT_OF_MEMORY,
        service.TIMED_OUT,
        service.RESPONSE_TOO_LARGE,
    ):
        # The service's answer: a crash, a kill, a timeout, a too large response.
        message = error.message
        if error.type == service.TIMED_OUT:
            rid = result.request_id or result.run_id
            message = f"RequestId: {rid} Error: {message}"
        return json.dumps(
            {"errorType": error.type, "errorMessage": message},
            ensure_ascii=False,
            separators=(",", ":"),
        )
    # HubSpot's output rules judged a value Lambda returned as it was, or hsrun stopped the
    # run for a limit of its own (processes).
    return None


def _stack_entries(lines: list[str]) -> list[str]:
    """Frame lines grouped as ``traceback.format_list`` gives them (awslambdaric's
    ``stackTrace``): one entry per frame, its ``File`` line and its code, ending in a newline."""
    entries: list[list[str]] = []
    for line in lines:
        if line.startswith("  File ") or not entries:
            entries.append([line])
        else:
            entries[-1].append(line)
    return ["\n".join(entry) + "\n" for entry in entries]


#: Errors awslambdaric reports without frames (its FaultExceptions carry no stack).
_NO_STACK = ("Runtime.ImportModuleError", "Runtime.HandlerNotFound", "Runtime.MarshalError")


def _runtime_stack(kind: str, traceback: str) -> list[str]:
    """The stack lines of the runtime's ``[ERROR]`` record for an error of ``kind``."""
    if kind in _NO_STACK:
        return []
    if kind == "Runtime.UserCodeSyntaxError":
        # awslambdaric writes '  File "<file>" Line <n>' and the offending line.
        lines = traceback.rstrip("\n").splitlines()
        for at, line in enumerate(lines):
            match = re.match(r'  File "(.*)", line (\d+)', line)
            if match:
                code = lines[at + 1][4:] if at + 1 < len(lines) else ""
                return [f'  File "{match.group(1)}" Line {match.group(2)}', f"    {code}"]
        return []
    return _frames(traceback)


def _frames(traceback: str) -> list[str]:
    """The frame lines of a formatted traceback, without its header and final exception
    lines (Lambda's ``stackTrace`` holds only the frames)."""
    lines = traceback.rstrip("\n").splitlines()
    if lines and lines[0].startswith("Traceback "):
        lines = lines[1:]
    frames: list[str] = []
    for line in lines:
        if not line.startswith("  "):
            break
        frames.append(line)
    return frames


def history_table(runs: list[RunResult]) -> Any:
    """A rich table of runs, newest first, that reads well in 80 columns: the start time
    without the year when every run is from this year, the action by its name (the file's
    stem, as HubSpot's editor names it) and never cut; only the action column wraps."""
    from rich.markup import escape
    from rich.table import Table

    this_year = time.gmtime().tm_year
    same_year = all(time.gmtime(run.started_at).tm_year == this_year for run in runs)
    stamp = "%m-%d %H:%M:%S" if same_year else "%Y-%m-%d %H:%M:%S"
    table = Table(box=None, header_style="bold", pad_edge=False)
    rows = []
    for run in runs:
        style, _ = _STATUS_STYLE.get(run.status, ("white", ""))
        # A workflow step says so: "x [workflow <enrollment> step <actionId>]".
        step = run.workflow
        name = _action_name(run.action)
        marked = (
            f"{name} [workflow {step.get('enrollment')} step {step.get('actionId')}]"
            if step
            else name
        )
        rows.append(
            (
                run.run_id,
                time.strftime(stamp, time.gmtime(run.started_at)),
                escape(marked),
                f"[{style}]{run.status}[/]",
                _duration(run.runtime_ms),
                f"{math.ceil(run.memory_mb)} MB",
            )
        )
    headers = ("RUN", "STARTED (UTC)", "ACTION", "STATUS", "RUNTIME", "MEMORY")
    plain = [(*row[:3], runs[i].status, *row[4:]) for i, row in enumerate(rows)]
    for index, column in enumerate(headers):
        widest = max([len(column), *(len(row[index]) for row in plain)])
        if column == "ACTION":  # the one column that gives way: it wraps, never cut
            table.add_column(column, overflow="fold", min_width=10)
        else:
            right = column in ("RUNTIME", "MEMORY")
            table.add_column(
                column, no_wrap=True, min_width=widest, justify="right" if right else "left"
            )
    for row in rows:
        table.add_row(*row)
    return table


def _action_name(action: str) -> str:
    """``actions/lead_score.py`` -> ``lead_score``: the name HubSpot's editor shows."""
    base = action.replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, suffix = base.rpartition(".")
    return stem if dot and suffix in ("py", "js", "mjs", "cjs") else base
