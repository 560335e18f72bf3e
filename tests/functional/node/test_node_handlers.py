"""Node.js handler semantics as HubSpot (on AWS Lambda) runs them, both generations.

NODE24X: main returns (or resolves to) the result. NODE16X/NODE20X: main gets a callback;
the run ends once callback has been called *and* the event loop is empty (contract §1.2).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from runtime.invoke import Runner, RunOptions


def test_node24_async_handler_returns_its_outputs(
    node_runner: Runner, write_js: Callable[..., Path]
) -> None:
    action = write_js(
        """
        exports.main = async (event) => {
          console.log('hello', event.inputFields.name);
          return { outputFields: { greeting: `hi ${event.inputFields.name}` } };
        };
        """,
        '[outputs]\ngreeting = "string"\n',
    )
    result = node_runner.run(action, inputs={"name": "Ada"})
    assert result.status == "SUCCESS", result.error
    assert result.outputs == {"greeting": "hi Ada"}
    assert result.runtime == "NODE24X"
    assert result.libraries["node"].startswith("24.")
    # Lambda's Node format: time, request id, level, message, tab-separated.
    stamp, request_id, level, message = result.logs[0].text.split("\t")
    assert stamp.endswith("Z") and "T" in stamp
    assert request_id == result.request_id
    assert (level, message) == ("INFO", "hello Ada")


def test_node24_sync_handler_and_console_levels(
    node_runner: Runner, write_js: Callable[..., Path]
) -> None:
    action = write_js(
        """
        exports.main = (event) => {
          console.warn('careful');
          console.error('bad', { n: 1 });
          console.info('two\\nlines');
          return { outputFields: { n: 3 } };
        };
        """
    )
    result = node_runner.run(action)
    assert result.status == "SUCCESS", result.error
    assert result.outputs == {"n": 3}
    levels = [(line.text.split("\t")[2], line.text.split("\t")[3]) for line in result.logs]
    assert ("WARN", "careful") in levels
    assert ("ERROR", "bad { n: 1 }") in levels
    assert ("INFO", "two\rlines") in levels  # one console call stays one log event


def test_node24_handler_that_calls_callback_gets_an_alert(
    node_runner: Runner, write_js: Callable[..., Path]
) -> None:
    action = write_js(
        """
        exports.main = (event, callback) => {
          callback({ outputFields: { n: 1 } });
        };
        """,
        '[outputs]\nn = "number"\n',
    )
    result = node_runner.run(action)
    # HubSpot's Node 24 passes no callback: calling it throws.
    assert result.status == "FAILED"
    assert result.error.type == "TypeError"
    assert "callback is not a function" in result.error.message
    assert [a.code for a in result.alerts] == ["CALLBACK_NOT_SUPPORTED"]

    allowed = node_runner.run(action, options=RunOptions(timeout_s=5, node24_callback="allow"))
    assert allowed.status == "SUCCESS"
    assert allowed.outputs == {"n": 1}
    assert [a.code for a in allowed.alerts] == ["CALLBACK_NOT_SUPPORTED"]


def test_node20_waits_for_the_event_loop_after_callback(
    node_runner: Runner, write_js: Callable[..., Path]
) -> None:
    action = write_js(
        """
        exports.main = (event, callback) => {
          setTimeout(() => console.log('written 200 ms after callback'), 200);
          callback({ outputFields: { done: 'yes' } });
          console.log('after callback');
        };
        """,
        runtime="NODE20X",
    )
    result = node_runner.run(action)
    assert result.status == "SUCCESS", result.error
    assert result.outputs == {"done": "yes"}
    assert result.libraries["node"].startswith("20.")
    messages = [line.text.split("\t")[3] for line in result.logs]
    assert messages == ["after callback", "written 200 ms after callback"]
    assert result.runtime_ms >= 200


def test_node20_callback_undefined_is_success_without_outputs(
    node_runner: Runner, write_js: Callable[..., Path]
) -> None:
    action = write_js(
        """
        const work = () => { Promise.resolve().then(() => console.log('still working')); };
        exports.main = (event, callback) => callback(work());
        """,
        runtime="NODE20X",
    )
    result = node_runner.run(action)
    assert result.status == "SUCCESS", result.error
    assert result.outputs == {}
    assert "still working" in result.log_text


def test_node20_handler_that_never_calls_callback(
    node_runner: Runner, write_js: Callable[..., Path]
) -> None:
    action = write_js(
        """
        exports.main = async (event, callback) => {
          await new Promise((resolve) => setTimeout(resolve, 50));
          console.log('done without callback');
        };
        """,
        runtime="NODE20X",
    )
    result = node_runner.run(action)
    assert result.status == "SUCCESS", result.error
    assert result.outputs == {}
    assert [a.code for a in result.alerts] == ["NO_CALLBACK"]
    assert "done without callback" in result.log_text

    strict = node_runner.run(action, options=RunOptions(timeout_s=1, node_no_callback="timeout"))
    assert strict.status == "TIMEOUT"
    assert strict.error.message.startswith("Task timed out after 1.")


def test_node20_callback_called_twice_keeps_the_first(
    node_runner: Runner, write_js: Callable[..., Path]
) -> None:
    action = write_js(
        """
        exports.main = (event, callback) => {
          callback({ outputFields: { n: 1 } });
          callback({ outputFields: { n: 2 } });
        };
        """,
        '[outputs]\nn = "number"\n',
        runtime="NODE20X",
    )
    result = node_runner.run(action)
    assert result.status == "SUCCESS"
    assert result.outputs == {"n": 1}
    assert [a.code for a in result.alerts] == ["CALLBACK_CALLED_TWICE"]


@pytest.mark.slow
def test_a_promise_that_never_settles_times_out(
    node_runner: Runner, write_js: Callable[..., Path]
) -> None:
    for runtime in ("NODE24X", "NODE20X"):
        action = write_js("exports.main = () => new Promise(() => {});\n", runtime=runtime)
        result = node_runner.run(action, options=RunOptions(timeout_s=1))
        assert result.status == "TIMEOUT", runtime
        assert result.error.message.startswith("Task timed out after 1.")


def test_warm_mode_keeps_module_state(node_runner: Runner, write_js: Callable[..., Path]) -> None:
    action = write_js(
        """
        let runs = 0;
        exports.main = async () => ({ outputFields: { runs: ++runs } });
        """
    )
    warm = RunOptions(timeout_s=5, warm=True)
    assert [node_runner.run(action, options=warm).outputs["runs"] for _ in range(3)] == [1, 2, 3]
    # Cold runs load the module afresh every time.
    assert [node_runner.run(action).outputs["runs"] for _ in range(2)] == [1, 1]


def test_each_cold_run_gets_its_own_process_and_warm_runs_share_one(
    node_runner: Runner, write_js: Callable[..., Path]
) -> None:
    # A random mark kept on the process's global object: one value per process, whatever
    # loads the module (a pid is always the same inside a sandbox's own PID namespace, and
    # two processes can start within the same instant).
    action = write_js(
        "exports.main = async () => ({ outputFields: {"
        " born: (globalThis.hsrunTestMark ??= String(Math.random())) } });\n",
        '[outputs]\nborn = "string"\n',
    )
    for isolation in ("auto", "process"):  # sandboxed processes, and the pre-started pool
        cold = RunOptions(timeout_s=5, isolation=isolation)
        assert len({node_runner.run(action, options=cold).outputs["born"] for _ in range(3)}) == 3
        warm = RunOptions(timeout_s=5, warm=True, isolation=isolation)
        born = {node_runner.run(action, options=warm).outputs["born"] for _ in range(3)}
        assert len(born) == 1
