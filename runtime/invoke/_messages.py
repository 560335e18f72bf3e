"""What the parent accepts from an action's process on the control socket.

The action's code runs in that process and can write anything to the socket: a message
that is not JSON, not an object, of another protocol version, too large, or with fields of
the wrong type fails that run with ``Runtime.InvalidMessage`` (as Lambda's runtime API
rejects a malformed response), and never hsrun itself.
"""

from __future__ import annotations

import json
from typing import Any

PROTOCOL_VERSION = 1
#: Largest message read from a child: far above any valid result (HubSpot caps each string
#: output at 65,000 characters), small enough to bound the parent's memory.
MAX_MESSAGE_BYTES = 16 * 1024 * 1024
INVALID = "Runtime.InvalidMessage"

_NUMBERS = ("duration_ms", "init_ms", "peak_kb", "size", "kb")
_STRINGS = {
    "result": ("value_type",),
    "error": ("error_type", "message"),
}
#: Optional strings: absent, null or a string.
_OPTIONAL_STRINGS = ("value_json", "content_type", "python", "traceback", "phase")


class InvalidMessage(ValueError):
    """A message from the child that the protocol does not allow."""


def parse(line: bytes) -> dict[str, Any]:
    """One protocol message from one line.

    Raises:
        InvalidMessage: the line is not a valid message of this protocol version.
    """
    try:
        msg = json.loads(line)
    except (ValueError, RecursionError) as exc:
        raise InvalidMessage(f"not JSON ({type(exc).__name__})") from None
    if not isinstance(msg, dict):
        raise InvalidMessage(f"a JSON {type(msg).__name__}, not an object")
    if msg.get("v") != PROTOCOL_VERSION:
        raise InvalidMessage(
            f"protocol version {str(msg.get('v'))[:20]!r}, expected {PROTOCOL_VERSION}"
        )
    check(msg)
    return msg


def check(msg: dict[str, Any]) -> None:
    """The fields the parent reads have the types it reads them as."""
    kind = msg.get("type")
    for name in _NUMBERS:
        value = msg.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise InvalidMessage(f"{name} is not a number")
    for name in _STRINGS.get(kind, ()) if isinstance(kind, str) else ():
        if not isinstance(msg.get(name), str):
            raise InvalidMessage(f"{kind} message without a string {name}")
    for name in _OPTIONAL_STRINGS:
        if msg.get(name) is not None and not isinstance(msg.get(name), str):
            raise InvalidMessage(f"{name} is not a string")
    if kind == "error":
        status = msg.get("http_status")
        if status is not None and (isinstance(status, bool) or not isinstance(status, int)):
            raise InvalidMessage("http_status is not a number")
    libraries = msg.get("libraries")
    if libraries is not None and not (
        isinstance(libraries, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in libraries.items())
    ):
        raise InvalidMessage("libraries is not a map of names to versions")
    if kind == "result" and msg.get("value_json") is not None:
        try:
            json.loads(msg["value_json"])
        except (ValueError, RecursionError) as exc:
            raise InvalidMessage(f"value_json is not JSON ({type(exc).__name__})") from None


def invalid_error(reason: str) -> dict[str, Any]:
    """The error message that stands for an invalid one."""
    return {
        "type": "error",
        "phase": "runtime",
        "error_type": INVALID,
        "message": f"the action's process sent an invalid message on hsrun's control "
        f"channel: {reason}",
        "traceback": "",
        "http_status": None,
        "v": PROTOCOL_VERSION,
    }
