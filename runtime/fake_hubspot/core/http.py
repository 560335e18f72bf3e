"""The fake's own request and response types, shared by the interceptor and the server.

Parsing follows what the official clients send (contract §5.3, §6.2 and "Most important
facts" 6): booleans as ``true``/``True``/``false``/``False``, lists as repeated keys *or*
comma-separated values, JSON bodies with ``Content-Type: application/json`` even on GET.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from runtime.contract.hosts import DEFAULT_HOST
from runtime.fake_hubspot.core.errors import ValidationError

#: Contract "Most important facts" 2: every JSON body carries exactly this content type.
JSON_CONTENT_TYPE = "application/json;charset=utf-8"


@dataclass
class Request:
    """One HTTP request, as the dispatcher sees it.

    Attributes:
        method: upper-case HTTP method.
        path: the path, still percent-encoded (``/crm/v3/objects/contacts/a%40b.c``).
        query: query parameters, every value kept (repeated keys).
        headers: header names lower-cased.
        body: the raw body.
        host: the ``Host`` header (used to build paging links).
    """

    method: str
    path: str
    query: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    host: str = DEFAULT_HOST
    scheme: str = "https"

    @classmethod
    def build(
        cls,
        method: str,
        target: str,
        headers: Mapping[str, str] | None = None,
        body: bytes | str | None = None,
        *,
        host: str | None = None,
        scheme: str = "https",
    ) -> Request:
        """A request from a method, a target (``/path?query`` or full URL) and headers."""
        parts = urlsplit(target)
        query: dict[str, list[str]] = {}
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            query.setdefault(key, []).append(value)
        lowered = {k.lower(): v for k, v in (headers or {}).items()}
        raw = body.encode("utf-8") if isinstance(body, str) else (body or b"")
        return cls(
            method=method.upper(),
            path=parts.path or "/",
            query=query,
            headers=lowered,
            body=raw,
            host=host or parts.netloc or lowered.get("host", DEFAULT_HOST),
            scheme=parts.scheme or scheme,
        )

    # -- query parameters ---------------------------------------------------------------

    def query_str(self, name: str) -> str | None:
        """The last value of a query parameter, or ``None``."""
        values = self.query.get(name)
        return values[-1] if values else None

    def query_list(self, name: str) -> list[str] | None:
        """A list parameter: repeated keys and comma-separated values both work."""
        values = self.query.get(name)
        if values is None:
            return None
        out: list[str] = []
        for value in values:
            out.extend(v.strip() for v in value.split(",") if v.strip())
        return out

    def query_bool(self, name: str, default: bool = False) -> bool:
        """A boolean parameter; Python's ``str(False)`` spelling is accepted."""
        value = self.query_str(name)
        if value is None or value == "":
            return default
        lowered = value.lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        raise ValidationError(f"Unable to parse the value of '{name}' as a boolean: {value}")

    def query_int(self, name: str, default: int, *, maximum: int | None = None) -> int:
        """An integer parameter, capped at ``maximum`` (HubSpot caps page sizes)."""
        value = self.query_str(name)
        if value is None or value == "":
            return default
        try:
            number = int(value)
        except ValueError:
            raise ValidationError(
                f"Unable to parse the value of '{name}' as an integer: {value}"
            ) from None
        if number < 1:
            raise ValidationError(f"'{name}' must be at least 1, got {number}")
        return min(number, maximum) if maximum is not None else number

    # -- body ---------------------------------------------------------------------------

    def json(self) -> Any:
        """The JSON body; malformed JSON is HubSpot's 400, never a 500."""
        if not self.body.strip():
            raise ValidationError("Invalid input JSON: no content to map due to end-of-input")
        try:
            data = json.loads(
                self.body,
                parse_constant=_no_constant,
                parse_float=_finite_float,
                parse_int=_bounded_int,
            )
        except UnicodeDecodeError:
            raise ValidationError("Invalid input JSON: the body is not UTF-8") from None
        except RecursionError:
            # 100,000 nested arrays: Jackson (HubSpot's parser) refuses deep nesting too.
            raise ValidationError("Invalid input JSON: the document is nested too deeply") from None
        except json.JSONDecodeError as exc:
            # UNCONFIRMED wording; HubSpot's parser errors read "Invalid input JSON on line L,
            # column C: ...".
            raise ValidationError(
                f"Invalid input JSON on line {exc.lineno}, column {exc.colno}: {exc.msg}"
            ) from None
        if not _valid_text(data):
            # "\ud800" decodes to a lone surrogate, which no UTF-8 text can hold.
            raise ValidationError("Invalid input JSON: a string holds a lone surrogate (\\ud800)")
        return data

    def json_object(self) -> dict[str, Any]:
        """The JSON body, which must be an object."""
        data = self.json()
        if not isinstance(data, dict):
            raise ValidationError(f"Invalid input JSON: expected an object, got {json_type(data)}")
        return data

    def base_url(self) -> str:
        """``scheme://host`` as the client addressed us (for paging links)."""
        return f"{self.scheme}://{self.host}"


@dataclass
class Response:
    """One answer: status, headers and the encoded body."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        """The body decoded (tests and the CLI)."""
        return json.loads(self.body) if self.body else None


def _no_constant(name: str) -> Any:
    # NaN, Infinity and -Infinity are not JSON; Python's parser takes them, HubSpot's does not.
    raise ValidationError(f"Invalid input JSON: {name} is not a JSON value")


def _finite_float(text: str) -> float:
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValidationError(f"Invalid input JSON: {text[:40]} is out of range for a number")
    return value


def _bounded_int(text: str) -> int:
    # Python refuses to convert more than 4,300 digits (a ValueError, not a parse error).
    if len(text) > 400:
        raise ValidationError(f"Invalid input JSON: {text[:40]}... is out of range for a number")
    return int(text)


def _valid_text(data: Any) -> bool:
    """No string (key or value) of ``data`` holds a lone surrogate."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True


def json_response(status: int, data: Any, headers: Mapping[str, str] | None = None) -> Response:
    """A JSON answer with HubSpot's content type.

    A lone surrogate stored before input was checked is written as its ``\\ud800`` escape
    (valid JSON), so one bad record never turns every list and search into a 500.
    """
    body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8", "backslashreplace"
    )
    out = {"Content-Type": JSON_CONTENT_TYPE}
    if headers:
        out.update(headers)
    return Response(status, body, out)


def no_content() -> Response:
    """204: archive, batch archive, gdpr-delete, association delete (contract fact 1)."""
    return Response(204)


def json_type(value: Any) -> str:
    """A JSON type name for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def decode_segment(segment: str) -> str:
    """A path segment percent-decoded (the Python client quotes ids with ``safe=""``)."""
    return unquote(segment)


# -- typed access to JSON bodies (wrong types are 400s, never a traceback) --------------


def field_object(data: Mapping[str, Any], name: str, *, required: bool = False) -> dict[str, Any]:
    """``data[name]`` as an object (``{}`` when absent and not required)."""
    value = data.get(name)
    if value is None:
        if required:
            raise ValidationError(
                f"Invalid input JSON: some of required attributes are not set [{name}]"
            )
        return {}
    if not isinstance(value, dict):
        raise ValidationError(
            f"Invalid input JSON: '{name}' must be an object, got {json_type(value)}"
        )
    return value


def field_list(data: Mapping[str, Any], name: str, *, required: bool = False) -> list[Any]:
    """``data[name]`` as an array (``[]`` when absent and not required)."""
    value = data.get(name)
    if value is None:
        if required:
            raise ValidationError(
                f"Invalid input JSON: some of required attributes are not set [{name}]"
            )
        return []
    if not isinstance(value, list):
        raise ValidationError(
            f"Invalid input JSON: '{name}' must be an array, got {json_type(value)}"
        )
    return value


def field_str(data: Mapping[str, Any], name: str, *, required: bool = False) -> str | None:
    """``data[name]`` as a string; numbers are accepted as HubSpot's Jackson parser does."""
    value = data.get(name)
    if value is None:
        if required:
            raise ValidationError(
                f"Invalid input JSON: some of required attributes are not set [{name}]"
            )
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValidationError(
            f"Invalid input JSON: '{name}' must be a string, got {json_type(value)}"
        )
    return str(value)


def field_int(data: Mapping[str, Any], name: str, default: int) -> int:
    """``data[name]`` as an integer (numeric strings accepted)."""
    value = data.get(name)
    if value is None:
        return default
    if isinstance(value, bool):
        raise ValidationError(f"Invalid input JSON: '{name}' must be an integer")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError(f"Invalid input JSON: '{name}' must be an integer") from None


def object_items(values: list[Any], what: str) -> list[dict[str, Any]]:
    """Every entry of an array as an object."""
    out: list[dict[str, Any]] = []
    for value in values:
        if not isinstance(value, dict):
            raise ValidationError(
                f"Invalid input JSON: each of '{what}' must be an object, got {json_type(value)}"
            )
        out.append(value)
    return out
