"""Hostile and broken Node.js actions: each ends with a clear message and a recorded run, and
the parent's limits hold (20 s clock, 128 MB of the whole process, processes, log volume)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from runtime.invoke import Runner, RunOptions
from runtime.invoke.sandbox import probe


@pytest.mark.slow
@pytest.mark.parametrize(
    "body",
    [
        "while (true) {}",
        "await new Promise(() => { while (true) {} });",
    ],
)
def test_an_endless_loop_is_killed_at_the_deadline(
    node_runner: Runner, write_js: Callable[..., Path], body: str
) -> None:
    action = write_js(f"exports.main = async () => {{ console.log('start'); {body} }};\n")
    result = node_runner.run(action, options=RunOptions(timeout_s=1))
    assert result.status == "TIMEOUT"
    assert result.error.message.startswith("Task timed out after 1.")
    assert "start" in result.log_text  # logs survive the kill


@pytest.mark.slow
@pytest.mark.parametrize(
    "bomb",
    [
        "const keep = []; while (true) keep.push(new Array(100000).fill(Math.random()));",
        "const keep = []; while (true) keep.push(Buffer.alloc(8 * 1024 * 1024, 1));",
    ],
)
def test_a_memory_bomb_is_killed_past_128_mb(
    node_runner: Runner, write_js: Callable[..., Path], bomb: str
) -> None:
    result = node_runner.run(write_js(f"exports.main = async () => {{ {bomb} }};\n"))
    assert result.status == "MEMORY_EXCEEDED"
    assert result.memory_mb >= 128
    assert result.error.type == "Runtime.OutOfMemory"
    assert any("exceeded the 128 MB limit" in a.message for a in result.alerts)


@pytest.mark.slow
def test_a_fork_bomb_is_stopped(node_runner: Runner, write_js: Callable[..., Path]) -> None:
    action = write_js(
        """
        const { spawn } = require('child_process');
        exports.main = async () => {
          for (let i = 0; i < 200; i++) {
            try { spawn('sleep', ['30']); } catch (err) {}
          }
          await new Promise((resolve) => setTimeout(resolve, 3000));
        };
        """
    )
    result = node_runner.run(action)
    assert result.status == "FAILED"
    assert result.error.type == "Runtime.ProcessLimitExceeded"


@pytest.mark.slow
def test_100_mb_of_output_is_cut_and_counted(
    node_runner: Runner, write_js: Callable[..., Path]
) -> None:
    action = write_js(
        """
        exports.main = async () => {
          const line = 'x'.repeat(1024 * 1024);
          for (let i = 0; i < 100; i++) console.log(line);
          return { outputFields: {} };
        };
        """
    )
    result = node_runner.run(action, options=RunOptions(timeout_s=15))
    assert result.status == "SUCCESS"
    assert result.logs_truncated
    assert result.log_bytes_dropped > 90 * 1024 * 1024


@pytest.mark.parametrize(
    "value",
    ["{ n: 10n }", "(() => { const a = {}; a.self = a; return a; })()"],
)
def test_an_output_that_is_not_json(
    node_runner: Runner, write_js: Callable[..., Path], value: str
) -> None:
    result = node_runner.run(
        write_js(f"exports.main = async () => ({{ outputFields: {value} }});\n")
    )
    assert result.status == "FAILED"
    assert result.error.type == "Runtime.MarshalError"


def test_only_selected_secrets_are_visible_and_values_are_masked(
    node_runner: Runner, write_js: Callable[..., Path]
) -> None:
    action = write_js(
        """
        exports.main = async () => {
          console.log('token', process.env.TOKEN, 'other', process.env.OTHER);
          const keys = Object.keys(process.env).join(',');
          return { outputFields: { other: String(process.env.OTHER), keys } };
        };
        """,
        'secrets = ["TOKEN"]\n[outputs]\nother = "string"\nkeys = "string"\n',
    )
    result = node_runner.run(
        action, secrets={"TOKEN": "s3cr3t-value-123", "OTHER": "not-selected-456"}
    )
    assert result.status == "SUCCESS", result.error
    assert result.outputs["other"] == "undefined"
    assert "s3cr3t-value-123" not in result.log_text
    assert "token *" in result.log_text or "token [" in result.log_text
    keys = result.outputs["keys"].split(",")
    assert "TOKEN" in keys and "OTHER" not in keys
    assert "AWS_LAMBDA_FUNCTION_NAME" in keys and "HSRUN_HOME" not in keys


def test_a_node_action_runs_in_the_sandbox_where_the_kernel_allows(
    node_runner: Runner, write_js: Callable[..., Path]
) -> None:
    from runtime.invoke.sandbox import probe

    if not probe().namespaces:
        pytest.skip("this machine refuses user namespaces: Node runs as a plain process")
    project = Path(__file__).resolve().parents[3]
    action = write_js(
        f"""
        const fs = require('fs');
        exports.main = async () => ({{
          outputFields: {{ sees_project: fs.existsSync({str(project / "pyproject.toml")!r}) }},
        }});
        """,
        '[outputs]\nsees_project = "bool"\n',
    )
    result = node_runner.run(action)
    assert result.status == "SUCCESS", result.error
    assert result.isolation == "namespaces"
    assert result.outputs == {"sees_project": False}
    plain = node_runner.run(action, options=RunOptions(timeout_s=5, isolation="process"))
    assert plain.isolation == "process"
    assert plain.outputs == {"sees_project": True}


SUPPORT = probe()


@pytest.mark.skipif(not SUPPORT.cgroup, reason="no cgroup can be made here")
def test_a_process_waiting_in_a_sandbox_serves_only_runs_with_its_limits(
    node_runtimes: dict[str, object], write_js: Callable[..., Path]
) -> None:
    # The pool starts the next process of a kind ahead, inside its sandbox and cgroup: a
    # run with another process limit must not take it (its cgroup caps the old number).
    action = write_js(
        """
        const { spawn } = require('child_process');
        exports.main = async (event) => {
          const wanted = Number(event.inputFields.count);
          const children = [];
          for (let i = 0; i < wanted; i++) {
            const child = spawn('sleep', ['2']);
            child.on('error', () => {});
            children.push(child);
          }
          await new Promise((resolve) => setTimeout(resolve, 300));
          const started = children.filter((c) => c.pid !== undefined && c.exitCode === null);
          children.forEach((c) => c.kill());
          return { outputFields: { started: started.length } };
        };
        """
    )
    few = RunOptions(timeout_s=10, isolation="namespaces", zygote=True, max_processes=4)
    with Runner(few) as runner:
        for _ in range(3):  # from the second run of a kind on, one waits for the next
            runner.run(action, inputs={"count": "0"})
        many = replace(few, max_processes=64)
        result = runner.run(action, inputs={"count": "12"}, options=many)
    assert result.status == "SUCCESS", result
    assert result.outputs == {"started": 12}
