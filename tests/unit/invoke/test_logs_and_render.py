from __future__ import annotations

import json

import pytest

from runtime.contract.record import ErrorInfo, LogLine, RunResult
from runtime.errors import UsageError
from runtime.invoke import render
from runtime.invoke._session import _LogCollector, describe_exit
from runtime.journal import parse_period
from runtime.secrets import Masker


def test_log_collector_splits_lines_across_chunks() -> None:
    logs = _LogCollector(1024)
    logs.feed("stdout", b"hel")
    logs.feed("stdout", b"lo\nwor")
    logs.feed("stderr", b"oops\n")
    logs.feed("stdout", b"ld")
    logs.finish()
    assert [(line.stream, line.text) for line in logs.lines] == [
        ("stdout", "hello"),
        ("stderr", "oops"),
        ("stdout", "world"),
    ]


def test_log_collector_caps_what_it_keeps_and_counts_the_rest() -> None:
    logs = _LogCollector(100)
    for _ in range(50):
        logs.feed("stdout", b"0123456789\n")
    logs.finish()
    assert sum(len(line.text) + 1 for line in logs.lines) <= 100
    assert logs.dropped == 50 * 11 - logs.kept


def test_log_collector_survives_invalid_utf8() -> None:
    logs = _LogCollector(100)
    logs.feed("stdout", b"caf\xe9\n")
    assert logs.lines[0].text == "caf\\xe9"


def test_masker_replaces_values_in_nested_data() -> None:
    mask = Masker({"TOKEN": "pat-na1-secret", "SHORT": "ab"})
    data = {"a": ["x pat-na1-secret y"], "pat-na1-secret": 1, "n": 5}
    assert mask.data(data) == {"a": ["x [TOKEN] y"], "[TOKEN]": 1, "n": 5}
    # A value under 4 characters is masked only where it stands alone, not inside words.
    assert mask.text("ab") == "[SHORT]"
    assert mask.text("tab about") == "tab about"
    assert "pat-na1-secret" not in repr(mask)


def test_describe_exit_uses_lambdas_words() -> None:
    assert describe_exit(11) == "Runtime exited with error: signal: segmentation fault"
    assert describe_exit(3 << 8) == "Runtime exited with error: exit status 3"
    assert describe_exit(2) == "Runtime exited with error: signal: interrupt"
    assert describe_exit(0) == "Runtime exited without providing a reason"


@pytest.mark.parametrize(
    ("text", "seconds"), [("90s", 90), ("15m", 900), ("1h", 3600), ("2d", 172800)]
)
def test_parse_period(text: str, seconds: int) -> None:
    assert parse_period(text) == seconds


def test_parse_period_rejects_nonsense() -> None:
    with pytest.raises(UsageError, match=r"use a period \(90s, 15m, 1h, 2d, 1w\) or an ISO time"):
        parse_period("yesterday")


def test_parse_period_takes_an_iso_time_as_the_time_since() -> None:
    assert abs(parse_period("2026-01-01") - parse_period("2026-01-01T00:00:00Z")) < 1
    assert parse_period("2999-01-01") == 0


def sample() -> RunResult:
    return RunResult(
        run_id="abc123def456",
        action="actions/x.py",
        status="FAILED",
        event={"inputFields": {}},
        callback_id="ap-1-2-3-0",
        started_at=1_700_000_000.0,
        logs=[LogLine(1_700_000_000.1, "stdout", "hello")],
        error=ErrorInfo(
            "KeyError",
            "'email'",
            "Traceback (most recent call last):\n  File x\nKeyError: 'email'\n",
        ),
        runtime_ms=153.214,
        init_ms=12.5,
        memory_mb=40.2,
        request_id="rid",
    )


def test_lambda_format_has_start_end_report() -> None:
    text = render.lambda_lines(sample())
    lines = text.splitlines()
    assert lines[0] == "START RequestId: rid Version: $LATEST"
    assert "hello" in lines
    assert "[ERROR] KeyError: 'email'" in lines
    assert lines[-3] == "END RequestId: rid"
    assert lines[-2] == (
        "REPORT RequestId: rid\tDuration: 153.21 ms\tBilled Duration: 154 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 41 MB\tInit Duration: 12.50 ms"
    )
    assert json.loads(lines[-1])["errorType"] == "KeyError"  # the response comes last


def test_lambda_format_ends_with_the_returned_document() -> None:
    result = sample()
    result.status, result.error = "SUCCESS", None
    result.outputs = {"tier": "hot", "score": 77, "name": "Zoë", "token": "[TEST_SECRET]"}
    lines = render.lambda_lines(result).splitlines()
    assert lines[-2].startswith("REPORT RequestId: rid\t")
    # As awslambdaric's encoder for Python 3.9 writes it: json.dumps' spacing, ASCII escapes.
    assert lines[-1] == (
        '{"outputFields": {"tier": "hot", "score": 77, "name": "Zo\\u00eb", '
        '"token": "[TEST_SECRET]"}}'
    )
    node = sample()
    node.status, node.error, node.runtime = "SUCCESS", None, "NODE20X"
    node.outputs = {"name": "Zoë", "n": 1}
    assert render.lambda_lines(node).splitlines()[-1] == '{"outputFields":{"name":"Zoë","n":1}}'


def test_lambda_format_says_null_when_main_returned_nothing() -> None:
    from runtime.contract.record import Alert

    result = sample()
    result.status, result.error = "SUCCESS", None
    result.alerts = [Alert("NO_RETURN", "", "main returned None")]
    assert render.lambda_lines(result).splitlines()[-1] == "null"


def test_lambda_format_ends_with_the_error_document_lambda_answers() -> None:
    result = sample()
    result.status = "RETRY_SCHEDULED"
    result.error = ErrorInfo(
        "ApiException",
        "(429) [TEST_SECRET] throttled",
        'Traceback (most recent call last):\n  File "/a/x.py", line 3, in main\n'
        "    raise ApiException(429)\n"
        '  File "/a/x.py", line 9, in call\n    pass\nApiException: (429)\n',
        http_status=429,
    )
    document = json.loads(render.lambda_lines(result).splitlines()[-1])
    assert document == {
        "errorMessage": "(429) [TEST_SECRET] throttled",
        "errorType": "ApiException",
        "requestId": "rid",
        "stackTrace": [
            '  File "/a/x.py", line 3, in main\n    raise ApiException(429)\n',
            '  File "/a/x.py", line 9, in call\n    pass\n',
        ],
    }


def test_lambda_format_ends_with_the_services_error_document() -> None:
    crash = sample()
    message = "RequestId: rid Error: Runtime exited with error: exit status 3"
    crash.error = ErrorInfo("Runtime.ExitError", message, phase="runtime")
    assert render.lambda_lines(crash).splitlines()[-1] == (
        '{"errorType":"Runtime.ExitError","errorMessage":"' + message + '"}'
    )
    slow = sample()
    slow.status = "TIMEOUT"
    slow.error = ErrorInfo(
        "Sandbox.Timedout", "Task timed out after 20.00 seconds", phase="runtime"
    )
    assert json.loads(render.lambda_lines(slow).splitlines()[-1]) == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": "RequestId: rid Error: Task timed out after 20.00 seconds",
    }


def test_lambda_format_has_no_document_where_lambda_would_differ() -> None:
    stopped = sample()
    stopped.status = "INTERRUPTED"
    stopped.error = ErrorInfo("Runtime.Interrupted", "stopped (Ctrl-C)", phase="runtime")
    judged = sample()
    judged.error = ErrorInfo("OUTPUT_VALUES_TOO_LARGE", "too long", phase="outputs")
    for result in (stopped, judged):
        assert render.lambda_lines(result).splitlines()[-1].startswith("REPORT RequestId: ")


def test_lambda_format_writes_the_runtimes_error_record() -> None:
    result = sample()
    result.error = ErrorInfo(
        "ValueError",
        "bad",
        'Traceback (most recent call last):\n  File "/a/x.py", line 3, in main\n'
        "    raise ValueError('bad')\nValueError: bad\n",
    )
    lines = render.lambda_lines(result).splitlines()
    at = lines.index("[ERROR] ValueError: bad")
    assert lines[at + 1 : at + 4] == [
        "Traceback (most recent call last):",
        '  File "/a/x.py", line 3, in main',
        "    raise ValueError('bad')",
    ]
    assert lines[at + 4] == "END RequestId: rid"


def test_lambda_format_writes_the_services_lines_for_a_crash() -> None:
    result = sample()
    message = "RequestId: rid Error: Runtime exited with error: exit status 3"
    result.error = ErrorInfo("Runtime.ExitError", message, phase="runtime")
    lines = render.lambda_lines(result).splitlines()
    assert lines[-5:-3] == [message, "Runtime.ExitError"]
    assert not any(line.startswith("[ERROR]") for line in lines)


def test_lambda_format_bills_at_least_one_ms_and_a_timeout_at_its_limit() -> None:
    quick = sample()
    for runtime_ms in (0.0, 0.04):
        quick.runtime_ms = runtime_ms
        assert "\tBilled Duration: 1 ms\t" in render.lambda_lines(quick)
    slow = sample()
    slow.status = "TIMEOUT"
    slow.runtime_ms, slow.timeout_s = 20_012.5, 20.0
    slow.error = ErrorInfo("Sandbox.Timedout", "Task timed out after 20.00 seconds")
    lines = render.lambda_lines(slow).splitlines()
    assert lines[-4].endswith(" rid Task timed out after 20.00 seconds")
    assert "\tDuration: 20012.50 ms\tBilled Duration: 20000 ms\t" in lines[-2]


def test_record_round_trips_through_json() -> None:
    result = sample()
    again = RunResult.from_dict(json.loads(render.to_json(result)))
    assert again == result


def test_the_bootstrap_knows_the_libraries_the_runner_reports() -> None:
    # The child bootstrap imports nothing of hsrun, so it keeps its own copy of the map.
    import importlib.util

    from runtime.invoke import _process
    from runtime.invoke.runner import _REPORTED_LIBRARIES

    spec = importlib.util.spec_from_file_location("bootstrap", _process.BOOTSTRAP)
    assert spec is not None and spec.loader is not None
    bootstrap = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bootstrap)
    assert bootstrap.REPORTED_LIBRARIES == _REPORTED_LIBRARIES


def test_history_reads_well_in_80_columns() -> None:
    import dataclasses
    import time

    from rich.console import Console

    now = time.time()
    runs = [
        dataclasses.replace(
            sample(), action="actions/archive_contact_and_notify_owner.py", started_at=now
        ),
        dataclasses.replace(sample(), status="RETRY_SCHEDULED", started_at=now - 60),
        dataclasses.replace(
            sample(),
            action="actions/lead_score.py",
            status="MEMORY_EXCEEDED",
            workflow={"enrollment": "e1f2", "actionId": "2"},
            started_at=now - 120,
        ),
    ]
    console = Console(width=80, record=True, color_system=None)
    console.print(render.history_table(runs))
    text = console.export_text()
    lines = text.splitlines()
    assert all(len(line) <= 80 for line in lines)
    stamp = time.strftime("%m-%d %H:%M:%S", time.gmtime(now))
    assert any(stamp in line for line in lines)  # a timestamp never wraps
    flat = " ".join(text.split())
    # Action names are never cut (a long one wraps inside its column).
    start, end = lines[0].index("ACTION"), lines[0].index("STATUS")
    column = "".join(line[start:end].strip() for line in lines[1:])
    assert "archive_contact_and_notify_owner" in column
    assert "lead_score[workflowe1f2step2]" in column.replace(" ", "")
    assert "MEMORY_EXCEEDED" in flat and "RETRY_SCHEDULED" in flat
    assert "step 2" in flat
