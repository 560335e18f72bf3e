"""The portal's two logs: every API call, and every token event.

The call log answers "what did my action call?" (``hsrun portal logs``, ``RunResult.api_calls``);
the security log answers "who saw or changed a token, and when?" (``hsrun portal apps audit``).
Both hold plain dicts so they go to JSON and back unchanged.
"""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from runtime.config import os_user
from runtime.contract import period
from runtime.errors import PortalValueError

#: Calls kept in memory and on disk (oldest dropped first).
DEFAULT_CALL_LOG_SIZE = 10_000


#: Query parameters that carry credentials (HubSpot's retired ``hapikey``, OAuth's
#: ``access_token``/``code``/``client_secret``, and the usual names): their values never
#: reach the call log, ``portal.json`` or a run record.
_CREDENTIAL_PARAM = re.compile(
    r"(?i)^(hapikey|api[-_]?key|access[-_]?token|refresh[-_]?token|token|code|"
    r"client[-_]?secret|secret|password|passwd|auth|authorization|signature)$"
)


def redact_query(query: str) -> str:
    """``query`` with the values of credential parameters replaced by ``[REDACTED]``."""
    if not query:
        return query
    parts = []
    for item in query.split("&"):
        name, sep, _value = item.partition("=")
        parts.append(f"{name}=[REDACTED]" if sep and _CREDENTIAL_PARAM.match(name) else item)
    return "&".join(parts)


def parse_since(value: str | float | None, now: float | None = None) -> float | None:
    """An absolute epoch time from a number (already one) or a ``--since`` text, read as
    :func:`runtime.contract.period.parse_since` reads it for the run history too.

    Raises:
        PortalValueError: a text that is neither a period nor an ISO time.
    """
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return period.parse_since(value, now=now)
    except ValueError as exc:
        raise PortalValueError(str(exc)) from None


def status_matches(status: int, wanted: str | int | None) -> bool:
    """``wanted`` is ``None``, an exact code (``404``) or a class (``"2xx"``, ``"4XX"``)."""
    if wanted is None or wanted == "":
        return True
    text = str(wanted).strip().lower()
    if re.fullmatch(r"[1-5]xx", text):
        return status // 100 == int(text[0])
    if text.isdigit():
        return status == int(text)
    raise PortalValueError(f"status filter must be a code (404) or a class (2xx), got {wanted!r}")


class CallLog:
    """Every request the portal answered, newest last."""

    def __init__(self, maxlen: int = DEFAULT_CALL_LOG_SIZE) -> None:
        self._calls: deque[dict[str, Any]] = deque(maxlen=maxlen)
        #: Calls ever recorded (never goes down): a mark for :meth:`since`.
        self.total = 0

    def __len__(self) -> int:
        return len(self._calls)

    def record(
        self,
        *,
        when: float,
        app: str | None,
        method: str,
        path: str,
        status: int,
        duration_ms: float,
        correlation_id: str,
        query: str = "",
        emulated: bool = True,
        missing_scopes: list[str] | None = None,
    ) -> None:
        """Append one call (``notEmulated: true`` when no route of the fake answered it;
        ``missingScopes``: the scopes a 403 ``MISSING_SCOPES`` asked for)."""
        self.total += 1
        call: dict[str, Any] = {
            "time": when,
            "app": app,
            "method": method,
            "path": path,
            "query": redact_query(query),
            "status": status,
            "durationMs": round(duration_ms, 3),
            "correlationId": correlation_id,
        }
        if not emulated:
            call["notEmulated"] = True
        if missing_scopes:
            call["missingScopes"] = list(missing_scopes)
        self._calls.append(call)

    def clear(self) -> None:
        self._calls.clear()

    def all(self) -> list[dict[str, Any]]:
        return [dict(c) for c in self._calls]

    def query(
        self,
        *,
        app: str | None = None,
        method: str | None = None,
        status: str | int | None = None,
        since: str | float | None = None,
        until: float | None = None,
        path_contains: str | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Calls matching every given filter, oldest first; ``limit`` keeps the newest."""
        start = parse_since(since)
        method_up = method.upper() if method else None

        def keep(call: dict[str, Any]) -> bool:
            if app is not None and call["app"] != app:
                return False
            if method_up is not None and call["method"] != method_up:
                return False
            if start is not None and call["time"] < start:
                return False
            if until is not None and call["time"] > until:
                return False
            if path_contains and path_contains not in call["path"]:
                return False
            return status_matches(int(call["status"]), status)

        found = [dict(c) for c in self._calls if keep(c)]
        return found[-limit:] if limit else found

    def since(self, mark: int) -> list[dict[str, Any]]:
        """Calls recorded after ``total`` was ``mark`` (those still kept), oldest first."""
        count = min(self.total - mark, len(self._calls))
        if count <= 0:
            return []
        return [dict(c) for c in list(self._calls)[-count:]]

    def between(self, start: float, end: float) -> list[dict[str, Any]]:
        """Calls with ``start <= time <= end`` (a run's window)."""
        return [dict(c) for c in self._calls if start <= c["time"] <= end]

    def to_state(self) -> list[dict[str, Any]]:
        return self.all()

    def load_state(self, calls: Iterable[dict[str, Any]]) -> None:
        self._calls.clear()
        self._calls.extend(dict(c) for c in calls)


class SecurityLog:
    """Token events: created, shown, rotated, scopes_changed, deleted (never the token)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._events: list[dict[str, Any]] = []

    def record(self, event: str, app: str, token: str, *, detail: str = "") -> None:
        """Append one event, stamped with the time and the OS user."""
        from runtime.fake_hubspot.core.apps import token_hint

        self._events.append(
            {
                "time": self._clock(),
                "event": event,
                "app": app,
                "user": os_user(),
                "token": token_hint(token),
                "detail": detail,
            }
        )

    def clear(self) -> None:
        self._events.clear()

    def query(
        self, *, app: str | None = None, since: str | float | None = None
    ) -> list[dict[str, Any]]:
        """Events, oldest first, optionally for one app and after a time."""
        start = parse_since(since)
        return [
            dict(e)
            for e in self._events
            if (app is None or e["app"] == app) and (start is None or e["time"] >= start)
        ]

    def to_state(self) -> list[dict[str, Any]]:
        return [dict(e) for e in self._events]

    def load_state(self, events: Iterable[dict[str, Any]]) -> None:
        self._events = [dict(e) for e in events]
