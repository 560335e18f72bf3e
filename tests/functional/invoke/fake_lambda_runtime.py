"""A small fake of AWS Lambda's Runtime API and service, to run AWS's own Python runtime.

The real runtime interface client (``awslambdaric``, the package AWS's Python images run) is
started against it as Lambda would start it: ``python -m awslambdaric module.handler`` with
``AWS_LAMBDA_RUNTIME_API`` pointing here. The fake answers the four endpoints the runtime
uses (Lambda's Runtime API reference): ``GET /2018-06-01/runtime/invocation/next``, ``POST
.../invocation/{id}/response``, ``POST .../invocation/{id}/error`` and ``POST
/2018-06-01/runtime/init/error``.

Where the *service* decides the result (the runtime exited without answering, or answered
with too large a payload), ``invoke`` applies the service's rules itself, from these sources:

- crashes: Lambda's execution-environment guide shows ``RequestId: <id> Error: Runtime
  exited without providing a reason`` / ``Runtime.ExitError``; the exit is named as Go's
  ``os.ProcessState`` names it (``exit status 1``, ``signal: segmentation fault``);
- response size: Lambda's quotas (6 MB for a synchronous response) and the service's message
  ``Response payload size (N bytes) exceeded maximum allowed payload size (6291556 bytes).``
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

PREFIX = "/2018-06-01/runtime"
#: The service's limit on a synchronous response, as its error message states it.
MAX_RESPONSE_BYTES = 6_291_556
# Go's names for the signals these tests raise (the Lambda service is written in Go).
GO_SIGNAL_NAMES = {signal.SIGSEGV: "segmentation fault", signal.SIGINT: "interrupt"}

#: Appended to a copy of the action: Lambda calls ``handler(event, context)``, HubSpot's
#: actions define ``main(event)``. Appending keeps every line number of the action.
ADAPTER = """

if "main" in globals():
    _hubspot_main = main

    def main(event, context):
        return _hubspot_main(event)
"""


@dataclass
class LambdaOutcome:
    """What one invocation of the real runtime produced, after the service's rules."""

    request_id: str
    ok: bool
    body: Any = None  # the decoded response, when ok
    raw_size: int = 0
    error_type: str = ""
    error_message: str = ""
    stack: list[str] = field(default_factory=list)
    stdout: str = ""  # everything the runtime process wrote (stdout and stderr, one pipe)
    adapter_from_line: int = 0  # frames at or past this line are the adapter's


class _State:
    """The invocations to hand out, one after another, and what came back for each."""

    def __init__(self, events: list[bytes], request_ids: list[str]) -> None:
        self.events = events
        self.request_ids = request_ids
        self.next = 0  # index of the next invocation to hand out
        self.answers: list[tuple[str, bytes, str]] = []  # (kind, body, content type)
        self.lock = threading.Lock()
        self.answered = threading.Condition(self.lock)
        self.done = threading.Event()
        self.stop = threading.Event()

    def record(self, kind: str, body: bytes, content_type: str) -> None:
        with self.lock:
            self.answers.append((kind, body, content_type))
            self.answered.notify_all()
            if kind == "init_error" or len(self.answers) == len(self.events):
                self.done.set()


def _handler(state: _State) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _reply(self, code: int, body: bytes = b"", headers: dict[str, str] | None = None):
            self.send_response(code)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path != f"{PREFIX}/invocation/next":
                self._reply(404)
                return
            with state.lock:
                index = state.next
                state.next += 1
            if index >= len(state.events):  # no more invocations: park it until the test ends
                state.stop.wait(30)
                self.close_connection = True
                return
            deadline = int((time.time() + 20) * 1000)
            self._reply(
                200,
                state.events[index],
                {
                    "Content-Type": "application/json",
                    "Lambda-Runtime-Aws-Request-Id": state.request_ids[index],
                    "Lambda-Runtime-Deadline-Ms": str(deadline),
                    "Lambda-Runtime-Invoked-Function-Arn": (
                        "arn:aws:lambda:us-east-1:000000000000:function:hubspot-action"
                    ),
                },
            )

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            kinds = {f"{PREFIX}/init/error": "init_error"}
            for rid in state.request_ids:
                kinds[f"{PREFIX}/invocation/{rid}/response"] = "response"
                kinds[f"{PREFIX}/invocation/{rid}/error"] = "error"
            kind = kinds.get(self.path)
            if kind is None:
                self._reply(404)
                return
            self._reply(202, b'{"status":"OK"}')
            state.record(kind, body, self.headers.get("Content-Type", ""))

    return Handler


def _exit_text(returncode: int) -> str:
    if returncode == 0:
        return "Runtime exited without providing a reason"
    if returncode < 0:
        return f"Runtime exited with error: signal: {GO_SIGNAL_NAMES[signal.Signals(-returncode)]}"
    return f"Runtime exited with error: exit status {returncode}"


def invoke(action_source: str, event: dict[str, Any], workdir: Path) -> LambdaOutcome:
    """Run ``action_source`` once under awslambdaric against the fake Runtime API."""
    return invoke_many(action_source, [event], workdir)[0]


def invoke_many(
    action_source: str, events: list[dict[str, Any]], workdir: Path
) -> list[LambdaOutcome]:
    """Invoke one runtime process once per event, in turn, as Lambda re-uses a warm one.

    Every outcome carries the process's whole output (``stdout``).
    """
    task = workdir / "lambda_task"
    task.mkdir(parents=True, exist_ok=True)
    (task / "act.py").write_text(action_source + ADAPTER)
    request_ids = [str(uuid.uuid4()) for _ in events]
    state = _State([json.dumps(event).encode() for event in events], request_ids)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{server.server_address[1]}",
        # HubSpot's Python actions run on Lambda's python3.9 runtime.
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.9",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "LAMBDA_TASK_ROOT": str(task),
        "PYTHONPATH": str(task),
        "TZ": ":UTC",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "awslambdaric", "act.main"],
        cwd=task,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while not state.done.is_set() and proc.poll() is None and time.monotonic() < deadline:
            state.done.wait(0.02)
        init_failed = any(kind == "init_error" for kind, _, _ in state.answers)
        if state.done.is_set() and not init_failed:
            proc.kill()  # it is waiting for the next invocation
        elif proc.poll() is None:
            proc.wait(10)  # after an init error the runtime exits by itself
        stdout, _ = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        state.stop.set()
        server.shutdown()
        server.server_close()
    text = stdout.decode("utf-8", "backslashreplace")
    outcomes = []
    for index, request_id in enumerate(request_ids):
        outcome = LambdaOutcome(
            request_id=request_id,
            ok=False,
            stdout=text,
            adapter_from_line=len(action_source.splitlines()) + 1,
        )
        answer = state.answers[index] if index < len(state.answers) else None
        if answer is None or (answer[0] == "init_error" and index > 0):
            outcome.error_type = "Runtime.ExitError"
            outcome.error_message = f"RequestId: {request_id} Error: {_exit_text(proc.returncode)}"
        else:
            _read_answer(outcome, *answer)
        outcomes.append(outcome)
    return outcomes


def _read_answer(outcome: LambdaOutcome, kind: str, body: bytes, content_type: str) -> None:
    if kind == "response":
        outcome.raw_size = len(body)
        too_large = _response_too_large(outcome.raw_size)
        if too_large:
            outcome.error_type, outcome.error_message = "Function.ResponseSizeTooLarge", too_large
        else:
            outcome.ok = True
            # awslambdaric passes a bytes return through as "application/unknown".
            json_body = content_type.startswith("application/json")
            outcome.body = json.loads(body) if json_body else body
        return
    error = json.loads(body)
    outcome.error_type = error["errorType"]
    outcome.error_message = error["errorMessage"]
    outcome.stack = list(error.get("stackTrace") or [])


def _response_too_large(size: int) -> str | None:
    if size <= MAX_RESPONSE_BYTES:
        return None
    return (
        f"Response payload size ({size} bytes) exceeded maximum allowed payload size "
        f"({MAX_RESPONSE_BYTES} bytes)."
    )
