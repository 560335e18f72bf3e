"""What AWS Lambda's *service* (not the runtime inside the process) reports for a run.

The Python runtime (awslambdaric) reports the errors it catches itself; when its process dies,
runs out of time, or answers with too large a payload, the service writes the result:

- a crash is ``Runtime.ExitError`` with ``RequestId: <id> Error: Runtime exited with error:
  exit status N`` (or ``signal: ...``; ``Runtime exited without providing a reason`` when it
  exits with status 0) — the wording of Lambda's execution-environment guide, whose example
  log reads ``RequestId: c325... Error: Runtime exited without providing a reason`` followed
  by a ``Runtime.ExitError`` line;
- a timeout is ``Task timed out after 20.00 seconds``: the *configured* timeout, not the
  elapsed time (the same guide's example: a 3 s function whose REPORT says 3004.92 ms logs
  ``Task timed out after 3.00 seconds``; the open-source runtime interface emulator formats
  ``Task timed out after %d.00 seconds`` from the configured timeout);
- a response over the synchronous payload limit is ``Function.ResponseSizeTooLarge``.
"""

from __future__ import annotations

from runtime.contract.limits import MAX_RESPONSE_BYTES
from runtime.invoke._session import describe_exit

EXIT_ERROR = "Runtime.ExitError"
#: A runtime killed past its memory size: the same crash message, its own type.
OUT_OF_MEMORY = "Runtime.OutOfMemory"
RESPONSE_TOO_LARGE = "Function.ResponseSizeTooLarge"
TIMED_OUT = "Sandbox.Timedout"


def crash_message(request_id: str, exit_status: int | None) -> str:
    """The service's message for a runtime process that ended without answering."""
    return f"RequestId: {request_id} Error: {describe_exit(exit_status)}"


def timeout_message(timeout_s: float) -> str:
    """The service's message at the time limit (the configured limit, two decimals)."""
    return f"Task timed out after {timeout_s:.2f} seconds"


def response_too_large(size: int) -> str | None:
    """The service's message for a response payload of ``size`` bytes, if it is too large."""
    if size <= MAX_RESPONSE_BYTES:
        return None
    return (
        f"Response payload size ({size} bytes) exceeded maximum allowed payload size "
        f"({MAX_RESPONSE_BYTES} bytes)."
    )
