"""Showing a run: HubSpot's test panel, Lambda's log lines, or JSON.

HubSpot does not publish the panel's exact text; the layout here follows what the panel shows
(Status, Data outputs with an alert beside undeclared ones, Logs with memory and runtime) and
is hsrun's own. ``--format lambda`` follows AWS Lambda's START / END / REPORT lines.
"""

from __future__ import annotations

import json
import math
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
        alerts_by_output.setdefault(alert.get("output", ""), []).append(alert["message"])
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
    """AWS Lambda's console output for the run: START, the logs, END, REPORT."""
    rid = result.request_id or result.run_id
    out = [f"START RequestId: {rid} Version: $LATEST"]
    out += [line.text for line in result.logs]
    if result.error is not None:
        if result.status == TIMEOUT:
            out.append(
                f"{_stamp(result.started_at + result.runtime_ms / 1000)} {rid} "
                f"{result.error.message}"
            )
        elif result.runtime.startswith("NODE"):
            # Lambda's Node.js runtime logs a failed invocation as one ERROR line.
            error = {
                "errorType": result.error.type,
                "errorMessage": result.error.message,
                "stack": result.error.traceback.strip().splitlines(),
            }
            out.append(
                f"{_stamp(result.started_at + result.runtime_ms / 1000)}\t{rid}\tERROR\t"
                f"Invoke Error \t{json.dumps(error, ensure_ascii=False)}"
            )
        else:
            out.append(f"[ERROR] {result.error.type}: {result.error.message}")
            tb = result.error.traceback.strip().splitlines()[1:-1]
            out += tb
    out.append(f"END RequestId: {rid}")
    report = (
        f"REPORT RequestId: {rid}\tDuration: {result.runtime_ms:.2f} ms\t"
        f"Billed Duration: {math.ceil(result.runtime_ms)} ms\t"
        f"Memory Size: {result.memory_limit_mb} MB\t"
        f"Max Memory Used: {math.ceil(result.memory_mb)} MB"
    )
    if result.init_ms is not None:
        report += f"\tInit Duration: {result.init_ms:.2f} ms"
    out.append(report)
    return "\n".join(out)


def history_table(runs: list[RunResult]) -> Any:
    """A rich table of runs, newest first."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(box=None, header_style="bold")
    for column in ("RUN", "STARTED (UTC)", "ACTION", "STATUS", "RUNTIME", "MEMORY"):
        table.add_column(column)
    for run in runs:
        style, _ = _STATUS_STYLE.get(run.status, ("white", ""))
        # A workflow step says so: "actions/x.py [workflow <enrollment> step <actionId>]".
        step = run.workflow
        marked = (
            f"{run.action} [workflow {step.get('enrollment')} step {step.get('actionId')}]"
            if step
            else run.action
        )
        table.add_row(
            run.run_id,
            time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(run.started_at)),
            escape(marked),
            f"[{style}]{run.status}[/]",
            _duration(run.runtime_ms),
            f"{math.ceil(run.memory_mb)} MB",
        )
    return table
