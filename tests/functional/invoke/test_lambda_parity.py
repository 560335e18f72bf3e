"""hsrun beside AWS's own Python runtime: the same action, the same event, the same answer.

Each case runs once through hsrun and once through the real ``awslambdaric`` bootstrap (the
runtime interface client of AWS's Python images) against a fake Runtime API
(``fake_lambda_runtime``). Both must agree on success or failure, errorType, errorMessage,
the stack frames of a raised error, the response, and the log lines.

Normalisations, each a deliberate difference with its reason:

- timestamps and request ids in log lines are replaced (two runs, two clocks, two ids);
- the runtime's own ``[ERROR] Type: message\\rTraceback...`` record is compared with
  ``--format lambda``'s rendering, not with hsrun's log lines (hsrun keeps the error apart
  from the action's logs and shows it under them);
- ``^^^``/``~~~`` lines under traceback code lines are dropped from Lambda's side: this test
  runs awslambdaric under the interpreter of the suite, while HubSpot's runtime is Python 3.9,
  which prints none and which hsrun renders;
- a syntax error is expected in Python 3.9's words where the suite's interpreter words it
  differently (recorded from CPython 3.9.18);
- the adapter frame (Lambda calls ``main(event, context)``, HubSpot's actions take
  ``main(event)``) and the frames of awslambdaric's and Python's own start-up files in an
  uncaught traceback are dropped: hsrun shows the action's frames only;
- awslambdaric's ``LAMBDA_WARNING: Unhandled exception...`` record after an init failure is
  dropped: it names the runtime's update policy, which a local run has none of.

Where HubSpot's own rules judge a value Lambda accepts (``outputFields`` shape, output types,
the 65,000-character string limit) the case says so and checks both answers.
"""

from __future__ import annotations

import json
import math
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fake_lambda_runtime import LambdaOutcome, invoke, invoke_many

from runtime.contract.record import RunResult
from runtime.invoke import Runner, RunOptions
from runtime.invoke.render import lambda_lines

FRAME = re.compile(r'File "([^"]+)", line (\d+), in (\S+)')
STAMP = re.compile(r"\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t")


@dataclass(frozen=True)
class Case:
    source: str
    #: None: both must agree; otherwise the (status, errorType) hsrun gives under HubSpot's
    #: rules where Lambda itself succeeds, and why.
    hubspot: tuple[str, str, str] | None = None
    #: The errorMessage HubSpot's Python 3.9 gives where the suite's newer interpreter words
    #: a syntax error differently (hsrun renders 3.9's words; CPython 3.9.18's, recorded).
    python39: str | None = None


def _src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


CASES: dict[str, Case] = {
    "success": Case(
        _src("""
        def main(event):
            print("hello", event["inputFields"].get("email"))
            return {"outputFields": {"tier": "gold", "score": 3, "ok": True}}
        """)
    ),
    "logging_levels": Case(
        _src("""
        import logging
        logger = logging.getLogger()
        logger.setLevel(logging.DEBUG)
        def main(event):
            logger.debug("debug %s", 1)
            logger.info("info")
            logging.getLogger("mine").warning("named warning")
            logger.error("error")
            logger.critical("critical")
            return {"outputFields": {}}
        """)
    ),
    "logging_default_level": Case(
        _src("""
        import logging
        def main(event):
            logging.info("not shown: the root level is WARNING")
            logging.warning("shown")
            return {"outputFields": {}}
        """)
    ),
    "logging_at_import": Case(
        _src("""
        import logging
        logging.warning("at import: no request yet")
        def main(event):
            logging.warning("in the handler")
            return {"outputFields": {}}
        """)
    ),
    "logging_exception": Case(
        _src("""
        import logging
        def main(event):
            print("before")
            try:
                {}["missing"]
            except KeyError:
                logging.exception("lookup failed")
            return {"outputFields": {}}
        """)
    ),
    "traceback_print_exc": Case(
        _src("""
        import traceback
        def main(event):
            try:
                total = {}["a"] + 1
            except KeyError:
                traceback.print_exc()
            return {"outputFields": {}}
        """)
    ),
    "exception": Case(
        _src("""
        def helper(value):
            raise ValueError(f"bad value {value!r}")
        def main(event):
            print("working")
            helper(42)
        """)
    ),
    "exception_with_cause": Case(
        _src("""
        class ActionError(Exception):
            pass
        def main(event):
            try:
                int("x")
            except ValueError as exc:
                raise ActionError("could not parse") from exc
        """)
    ),
    "exception_in_handler_of_another": Case(
        _src("""
        def main(event):
            try:
                1 / 0
            except ZeroDivisionError:
                [][1]
        """)
    ),
    "exception_without_message": Case(
        _src("""
        def main(event):
            raise RuntimeError
        """)
    ),
    "key_error": Case(
        _src("""
        def main(event):
            return event["inputFields"]["missing"]
        """)
    ),
    "import_error": Case(
        _src("""
        import no_such_library_here
        def main(event):
            return {}
        """)
    ),
    "syntax_error": Case(
        _src("""
        def main(event)
            return {}
        """),
        python39="Syntax error in module 'act': invalid syntax (act.py, line 1)",
    ),
    "syntax_error_worded_alike": Case(
        _src("""
        def main(event):
            return {}
          x = 1
        """)
    ),
    "error_at_import": Case(
        _src("""
        print("importing")
        raise RuntimeError("boom at import")
        def main(event):
            return {}
        """)
    ),
    "handler_not_found": Case(_src("x = 1\n")),
    "sys_exit_message": Case(
        _src("""
        import sys
        def main(event):
            print("going", end="")
            sys.exit("giving up")
        """)
    ),
    "sys_exit_zero": Case(
        _src("""
        import sys
        def main(event):
            print("done early")
            sys.exit(0)
        """)
    ),
    "sys_exit_three": Case(
        _src("""
        import sys
        def main(event):
            sys.exit(3)
        """)
    ),
    "sys_exit_at_import": Case(
        _src("""
        import sys
        sys.exit(2)
        def main(event):
            return {}
        """)
    ),
    "os_exit": Case(
        _src("""
        import os
        def main(event):
            print("leaving", flush=True)
            os._exit(4)
        """)
    ),
    "keyboard_interrupt": Case(
        _src("""
        def main(event):
            print("interrupting")
            raise KeyboardInterrupt
        """)
    ),
    "cancelled_error": Case(
        _src("""
        import asyncio
        def main(event):
            raise asyncio.CancelledError()
        """)
    ),
    "segfault_after_unterminated_line": Case(
        _src("""
        import ctypes
        def main(event):
            print("about to crash", end="")
            ctypes.string_at(0)
        """)
    ),
    "stdout_stderr_alternating": Case(
        _src("""
        import sys
        def main(event):
            for i in range(6):
                print(f"out {i}")
                print(f"err {i}", file=sys.stderr)
            sys.stdout.write("no newline at the end")
            return {"outputFields": {}}
        """)
    ),
    "unicode_logs": Case(
        _src("""
        import logging
        def main(event):
            print("Zürich ✓")
            logging.warning("naïve café")
            return {"outputFields": {}}
        """)
    ),
    "decimal_output": Case(
        _src("""
        from decimal import Decimal
        def main(event):
            return {"outputFields": {"amount": Decimal("12.50"), "big": Decimal("1E+3")}}
        """)
    ),
    "nan_output": Case(
        _src("""
        def main(event):
            return {"outputFields": {"ratio": float("nan"), "top": float("inf")}}
        """)
    ),
    "bytes_in_output": Case(
        _src("""
        def main(event):
            return {"outputFields": {"raw": b"bytes are text"}}
        """)
    ),
    "namedtuple_and_unicode_output": Case(
        _src("""
        from collections import namedtuple
        Point = namedtuple("Point", "x y")
        def main(event):
            return {"outputFields": {"where": "Zürich ✓", "point": Point(1, 2)}}
        """)
    ),
    "set_is_not_json": Case(
        _src("""
        def main(event):
            return {"outputFields": {"tags": {"a"}}}
        """)
    ),
    "datetime_is_not_json": Case(
        _src("""
        import datetime
        def main(event):
            return {"outputFields": {"when": datetime.datetime(2024, 1, 1)}}
        """)
    ),
    "response_over_6_mb": Case(
        _src("""
        def main(event):
            return {"outputFields": {f"o{i}": "x" * 60000 for i in range(120)}}
        """)
    ),
    "response_under_6_mb": Case(
        _src("""
        def main(event):
            return {"outputFields": {f"o{i}": "x" * 60000 for i in range(90)}}
        """)
    ),
    "returns_none": Case(
        _src("""
        def main(event):
            print("nothing to return")
        """)
    ),
    # Lambda accepts any JSON; HubSpot needs {"outputFields": {...}} (custom code guide).
    "returns_a_list": Case(
        _src("""
        def main(event):
            return [1, 2]
        """),
        hubspot=("FAILED", "Runtime.InvalidReturn", "HubSpot reads outputFields from a dict"),
    ),
    # Lambda sends a bytes return as it is; HubSpot still needs {"outputFields": {...}}.
    "returns_bytes": Case(
        _src("""
        def main(event):
            return b"raw bytes"
        """),
        hubspot=("FAILED", "Runtime.InvalidReturn", "HubSpot reads outputFields from a dict"),
    ),
    # "the limit for string output values is 65,000 characters" (HubSpot's guide).
    "string_output_over_65000": Case(
        _src("""
        def main(event):
            return {"outputFields": {"text": "y" * 70000}}
        """),
        hubspot=("FAILED", "OUTPUT_VALUES_TOO_LARGE", "HubSpot's string output limit"),
    ),
}


def _strip_carets(lines: list[str]) -> list[str]:
    return [ln for ln in lines if not ln.strip() or ln.strip(" ^~")]


def _drop_foreign_frames(lines: list[str], action: str, adapter_from: int) -> list[str]:
    """Drop traceback frame lines (and their code line) outside the action or in its adapter."""
    kept: list[str] = []
    skip_code = False
    for line in lines:
        match = FRAME.search(line) if line.startswith("  File ") else None
        if match:
            foreign = (
                not match.group(1).endswith(f"/{action}") or int(match.group(2)) >= adapter_from
            )
            skip_code = foreign
            if not foreign:
                kept.append(line)
            continue
        if skip_code and line.startswith("    "):
            continue
        skip_code = False
        kept.append(line)
    return kept


def _normal(line: str, request_id: str, folder: str) -> str:
    line = STAMP.sub("\t<time>\t", line).replace(request_id, "<request-id>")
    return line.replace(folder, "<task>")


def _lambda_logs(outcome: LambdaOutcome, folder: str) -> tuple[list[str], list[str]]:
    """The action's log lines, and the runtime's own error record split into lines."""
    lines = outcome.stdout.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    logs: list[str] = []
    record: list[str] = []
    for line in lines:
        if line.startswith("[ERROR] "):  # the runtime's record: "[ERROR] Type: msg\rTrace..."
            record = [part.replace("\u00a0", " ") for part in line.split("\r")]
            continue
        if "LAMBDA_WARNING: Unhandled exception." in line:
            continue
        logs.append(line)
    logs = _drop_foreign_frames(_strip_carets(logs), "act.py", outcome.adapter_from_line)
    record = _drop_foreign_frames(_strip_carets(record), "act.py", outcome.adapter_from_line)
    return (
        [_normal(ln, outcome.request_id, folder) for ln in logs],
        [_normal(ln, outcome.request_id, folder) for ln in record],
    )


def _frames(text: str, adapter_from: int) -> list[tuple[str, int, str]]:
    frames = [(Path(f).name, int(n), name) for f, n, name in FRAME.findall(text)]
    return [f for f in frames if f[0] == "act.py" and f[1] < adapter_from]


def _outputs_text(value: Any) -> str:
    return json.dumps(value, sort_keys=True, allow_nan=True)


RunBoth = Callable[..., tuple[RunResult, LambdaOutcome, str, str]]


@pytest.fixture
def run_both(runner: Runner, tmp_path: Path) -> RunBoth:
    def run(source: str, manifest: str | None = None) -> tuple[RunResult, LambdaOutcome, str, str]:
        hs_dir = tmp_path / "hsrun_task"
        hs_dir.mkdir()
        action = hs_dir / "act.py"
        action.write_text(source)
        if manifest is not None:
            action.with_suffix(".toml").write_text(textwrap.dedent(manifest))
        result = runner.run(action)
        outcome = invoke(source, result.event, tmp_path)
        return result, outcome, str(hs_dir), str(tmp_path / "lambda_task")

    return run


@pytest.mark.parametrize("name", list(CASES))
def test_hsrun_answers_as_lambdas_python_runtime(name: str, run_both: RunBoth) -> None:
    case = CASES[name]
    result, lam, hs_dir, lam_dir = run_both(case.source)

    # The logs: the same lines, in the same order.
    lam_logs, lam_record = _lambda_logs(lam, lam_dir)
    hs_logs = [_normal(line.text, result.request_id, hs_dir) for line in result.logs]
    assert hs_logs == lam_logs

    if case.hubspot is not None:
        status, kind, _why = case.hubspot
        assert lam.ok, lam.error_message
        assert (result.status, result.error.type if result.error else "") == (status, kind)
        return

    if lam.ok:
        assert result.status == "SUCCESS", result.error
        body = lam.body
        returned = body.get("outputFields") if isinstance(body, dict) else None
        assert _outputs_text(result.outputs) == _outputs_text(returned or {})
        # --format lambda ends with the response, as sam local invoke prints it.
        assert json.loads(lambda_lines(result).split("\n")[-1]) == body
        return

    assert result.status == "FAILED"
    assert result.error is not None
    assert result.error.type == lam.error_type
    expected = case.python39 or lam.error_message.replace(lam.request_id, result.request_id)
    assert result.error.message == expected
    if case.python39 and lam_record:
        lam_record[0] = f"[ERROR] {lam.error_type}: {case.python39}"
    if lam.stack:
        assert _frames(result.error.traceback, 10**9) == _frames(
            "".join(lam.stack), lam.adapter_from_line
        )
    rendered = lambda_lines(result).split("\n")
    if lam_record:
        # --format lambda writes the runtime's error record as the runtime does.
        start = rendered.index(lam_record[0].replace("<request-id>", result.request_id))
        end = rendered.index(f"END RequestId: {result.request_id}")
        shown = [_normal(ln, result.request_id, hs_dir) for ln in rendered[start:end]]
        assert shown == lam_record
    # ... and ends with the error document Lambda answers.
    document = json.loads(rendered[-1])
    assert (document["errorType"], document["errorMessage"]) == (lam.error_type, expected)
    # The runtime's document names the request; the service's (a crash, a size) does not.
    assert document.get("requestId", result.request_id) == result.request_id


def test_lambdas_rule_first_then_hubspots_output_types(run_both: RunBoth) -> None:
    """Lambda's runtime sends a Decimal as its digits and NaN as NaN (simplejson); what
    HubSpot then makes of the value is its output typing: 12.50 is the number 12.5, NaN is
    not a finite number (hsrun's alert, as for any type mismatch)."""
    source = _src("""
    from decimal import Decimal
    def main(event):
        return {"outputFields": {"amount": Decimal("12.50"), "ratio": float("nan")}}
    """)
    manifest = """
    [outputs]
    amount = "number"
    ratio = "number"
    """
    result, lam, _, _ = run_both(source, manifest)
    assert lam.ok and lam.body["outputFields"]["amount"] == 12.5
    assert math.isnan(lam.body["outputFields"]["ratio"])
    assert result.status == "SUCCESS"
    assert result.outputs["amount"] == 12.5
    mismatches = [a for a in result.alerts if a.code == "TYPE_MISMATCH"]
    assert [a.output for a in mismatches] == ["ratio"]
    assert "not a finite number" in mismatches[0].message


def test_a_warm_runtime_keeps_module_state_and_stamps_each_request(
    runner: Runner, tmp_path: Path
) -> None:
    """Lambda re-uses a runtime process for the next invocation: module-level state survives
    (HubSpot documents this re-use) and each record carries its own request id."""
    source = _src("""
    import logging
    COUNT = 0
    logging.warning("imported once")
    def main(event):
        global COUNT
        COUNT += 1
        logging.warning("call %d", COUNT)
        return {"outputFields": {"count": COUNT}}
    """)
    action = tmp_path / "hsrun_task" / "act.py"
    action.parent.mkdir()
    action.write_text(source)
    warm = RunOptions(warm=True)
    runs = [runner.run(action, options=warm) for _ in range(2)]
    lams = invoke_many(source, [run.event for run in runs], tmp_path)
    assert [run.outputs for run in runs] == [lam.body["outputFields"] for lam in lams]
    assert [run.outputs["count"] for run in runs] == [1, 2]

    def normal(line: str, ids: list[str]) -> str:
        line = STAMP.sub("\t<time>\t", line)
        for n, rid in enumerate(ids):
            line = line.replace(rid, f"<request-{n}>")
        return line

    lam_lines = [normal(ln, [x.request_id for x in lams]) for ln in lams[0].stdout.splitlines()]
    hs_lines = [normal(ln.text, [r.request_id for r in runs]) for r in runs for ln in r.logs]
    assert (
        hs_lines
        == lam_lines
        == [
            "[WARNING]\t<time>\t\timported once",
            "[WARNING]\t<time>\t<request-0>\tcall 1",
            "[WARNING]\t<time>\t<request-1>\tcall 2",
        ]
    )
