"""A Node.js action that cannot load or fails: Lambda's Node wording, and HubSpot's retry rule
(a thrown error carrying 429 or 5xx is retried, anything else fails; contract §5.4)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from runtime.invoke import Runner


@pytest.mark.parametrize(
    ("source", "error_type", "message"),
    [
        (
            "exports.handler = async () => ({});\n",
            "Runtime.HandlerNotFound",
            "act.main is undefined or not exported",
        ),
        ("exports.main = async (event => {\n", "Runtime.UserCodeSyntaxError", "SyntaxError: "),
        (
            "const x = require('left-pad');\nexports.main = () => ({});\n",
            "Runtime.ImportModuleError",
            "Error: Cannot find module 'left-pad'",
        ),
        ("throw new RangeError('bad config');\n", "RangeError", "bad config"),
    ],
)
def test_an_action_that_cannot_load(
    node_runner: Runner,
    write_js: Callable[..., Path],
    source: str,
    error_type: str,
    message: str,
) -> None:
    result = node_runner.run(write_js(source))
    assert result.status == "FAILED"
    assert result.error.type == error_type
    assert result.error.message.startswith(message)
    assert result.error.phase == "init"


def test_a_thrown_error_fails_with_its_type_message_and_stack(
    node_runner: Runner, write_js: Callable[..., Path]
) -> None:
    action = write_js(
        """
        function check(email) { if (!email) throw new TypeError('email is required'); }
        exports.main = async (event) => { check(event.inputFields.email); };
        """
    )
    result = node_runner.run(action)
    assert result.status == "FAILED"
    assert (result.error.type, result.error.message) == ("TypeError", "email is required")
    assert "at check (" in result.error.traceback
    assert str(action) in result.error.traceback


def test_a_thrown_non_error_value(node_runner: Runner, write_js: Callable[..., Path]) -> None:
    result = node_runner.run(write_js("exports.main = async () => { throw 'nope'; };\n"))
    assert result.status == "FAILED"
    assert (result.error.type, result.error.message) == ("string", "nope")


def test_an_unhandled_promise_rejection(node_runner: Runner, write_js: Callable[..., Path]) -> None:
    action = write_js(
        """
        exports.main = (event, callback) => {
          Promise.reject(new Error('lost promise'));
          setTimeout(() => callback({ outputFields: {} }), 50);
        };
        """,
        runtime="NODE20X",
    )
    result = node_runner.run(action)
    assert result.status == "FAILED"
    assert result.error.type == "Runtime.UnhandledPromiseRejection"
    assert result.error.message == "Error: lost promise"


def test_process_exit(node_runner: Runner, write_js: Callable[..., Path]) -> None:
    action = write_js("exports.main = async () => { console.log('bye'); process.exit(3); };\n")
    result = node_runner.run(action)
    assert result.status == "FAILED"
    assert result.error.type == "Runtime.ExitError"
    assert result.error.message == (
        f"RequestId: {result.request_id} Error: Runtime exited with error: exit status 3"
    )
    assert "bye" in result.log_text


def test_segfault(node_runner: Runner, write_js: Callable[..., Path]) -> None:
    action = write_js("exports.main = async () => { process.kill(process.pid, 'SIGSEGV'); };\n")
    result = node_runner.run(action)
    assert result.status == "FAILED"
    assert result.error.message.endswith("Runtime exited with error: signal: segmentation fault")


@pytest.mark.parametrize(
    ("thrown", "status"),
    [
        # axios: err.response.status
        (
            "Object.assign(new Error('Request failed with status code 429'), "
            "{ isAxiosError: true, response: { status: 429 } })",
            "RETRY_SCHEDULED",
        ),
        (
            "Object.assign(new Error('Request failed with status code 502'), "
            "{ response: { status: 502 } })",
            "RETRY_SCHEDULED",
        ),
        # @hubspot/api-client's ApiException: err.code
        ("Object.assign(new Error('HTTP-Code: 503'), { code: 503, body: {} })", "RETRY_SCHEDULED"),
        ("Object.assign(new Error('HTTP-Code: 404'), { code: 404, body: {} })", "FAILED"),
        ("new Error('plain failure')", "FAILED"),
        ("Object.assign(new Error('socket'), { code: 'ECONNRESET' })", "FAILED"),
    ],
)
def test_retry_rule(
    node_runner: Runner, write_js: Callable[..., Path], thrown: str, status: str
) -> None:
    result = node_runner.run(write_js(f"exports.main = async () => {{ throw {thrown}; }};\n"))
    assert result.status == status
    if status == "RETRY_SCHEDULED":
        assert result.retry_in_s[0] == 60
        assert result.error.http_status in (429, 502, 503)


def test_an_exception_thrown_in_a_timer_fails_the_run(
    node_runner: Runner, write_js: Callable[..., Path]
) -> None:
    action = write_js(
        """
        exports.main = (event, callback) => {
          setTimeout(() => { throw new RangeError('late failure'); }, 20);
          callback({ outputFields: {} });
        };
        """,
        runtime="NODE20X",
    )
    result = node_runner.run(action)
    assert result.status == "FAILED"
    assert (result.error.type, result.error.message) == ("RangeError", "late failure")


def test_node20_outputs_returned_instead_of_passed_to_callback_are_ignored(
    node_runner: Runner, write_js: Callable[..., Path]
) -> None:
    action = write_js(
        "exports.main = async (event, callback) => ({ outputFields: { n: 1 } });\n",
        runtime="NODE20X",
    )
    result = node_runner.run(action)
    assert result.status == "SUCCESS"
    assert result.outputs == {}
    assert [a.code for a in result.alerts] == ["NO_CALLBACK", "RETURN_IGNORED"]
