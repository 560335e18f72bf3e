"""``WEBHOOK`` actions: the request HubSpot would send, under the action network policy.

HubSpot's behaviour (workflows contract §2.6, [DOC-WEBHOOK]): ``POST`` sends the enrolled
record as the object API returns it; ``GET`` sends nothing but ``queryParams``; 4xx answers
fail the action except 429, which is retried like 5xx and connection failures, for up to three
days. The v4 body format and signature scheme are UNCONFIRMED: hsrun posts the record JSON
and does not sign it.

Network policy: as for custom code, a webhook may reach loopback and the hosts the run
allows (``allow_hosts``/``allow_net``); anything else fails the step, naming the host and how
to allow it. Nothing is sent to a host the developer did not allow.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from runtime.contract.retry import is_retryable_status, retry_schedule
from runtime.errors import HsrunError
from runtime.workflow import enrollment as ev
from runtime.workflow.builtins import Outcome
from runtime.workflow.values import ValueContext, as_text, resolve

if TYPE_CHECKING:
    from runtime.workflow.engine import Engine
    from runtime.workflow.enrollment import Enrollment

CONNECT_TIMEOUT_S = 3.0  # [DOC-WEBHOOK]: connect timeout 3 s
RESPONSE_TIMEOUT_S = 30.0
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class WebhookAnswer:
    """What the endpoint said: status (``None``: no answer), whether HubSpot would retry."""

    status: int | None
    retry: bool
    message: str
    retry_after_s: float | None = None


def send(
    action: dict[str, Any],
    record: dict[str, Any],
    query: dict[str, str],
    *,
    allow_hosts: tuple[str, ...],
    allow_net: bool,
    headers: dict[str, str] | None = None,
) -> WebhookAnswer:
    """Send the webhook once (``query`` and ``headers`` include any auth key)."""
    url = str(action.get("webhookUrl") or "")
    method = str(action.get("method") or "POST").upper()
    parts = urllib.parse.urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return WebhookAnswer(None, False, f"not a URL: {url!r}")
    if not allow_net and host not in _LOOPBACK and host not in allow_hosts:
        return WebhookAnswer(
            None,
            False,
            f"blocked by the action network policy: {host} is not allowed "
            f"(allow it with --allow-host {host}, or --allow-net)",
        )
    if query:
        joined = urllib.parse.urlencode(query)
        url = f"{url}{'&' if parts.query else '?'}{joined}"
    data = json.dumps(record).encode("utf-8") if method == "POST" else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    request.add_header("User-Agent", "HubSpot Connect 2.0 (http://dev.hubspot.com/) (hsrun)")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=RESPONSE_TIMEOUT_S) as response:
            return WebhookAnswer(response.status, False, f"{method} {host}: {response.status}")
    except urllib.error.HTTPError as exc:
        status = exc.code
        after = exc.headers.get("Retry-After") if exc.headers else None
        retry = is_retryable_status(status)
        return WebhookAnswer(
            status,
            retry,
            f"{method} {host}: {status}",
            float(after) if after and after.isdigit() else None,
        )
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return WebhookAnswer(None, True, f"{method} {host}: no answer ({reason})")


def webhook_step(
    engine: Engine,
    enrollment: Enrollment,
    action: dict[str, Any],
    state: dict[str, Any],
    values: ValueContext,
) -> Outcome:
    """Send a flow's webhook for one enrollment; 429/5xx/no answer retried on the clock."""
    attempt = int(state.get("attempt") or 1)
    try:
        stored = engine.records.values(engine.object_type, enrollment.object_id)
    except HsrunError as exc:
        return Outcome(ev.FAILED, f"webhook: cannot read the record: {exc.message}")
    record = {"objectId": int(enrollment.object_id), "properties": stored}
    query = {
        str(item.get("name")): as_text(resolve(item.get("value"), values)) or ""
        for item in action.get("queryParams") or []
    }
    headers: dict[str, str] = {}
    auth = action.get("authSettings")
    if isinstance(auth, dict) and auth.get("type") == "AUTH_KEY":
        # An API key from a secret, in a header or a query parameter ([SPEC-V4] authSettings).
        try:
            key = _secret(engine, str(auth.get("secretName") or ""))
        except HsrunError as exc:
            return Outcome(ev.FAILED, f"webhook auth key: {exc.message}")
        target = headers if str(auth.get("location")).upper() == "HEADER" else query
        target[str(auth.get("name") or "")] = key
    elif isinstance(auth, dict):
        values.notes.append(f"webhook auth {auth.get('type')} is not emulated: sent unsigned")
    options = engine.options
    answer = send(
        action,
        record,
        query,
        allow_hosts=options.allow_hosts,
        allow_net=options.allow_net,
        headers=headers,
    )
    details: dict[str, Any] = {"attempt": attempt, "status": answer.status}
    if answer.status is not None and 200 <= answer.status < 300:
        return Outcome(ev.SUCCEEDED, answer.message, details=details)
    if not answer.retry:
        return Outcome(ev.FAILED, answer.message, details=details)
    now = engine.clock.now()
    first = float(state.get("first_failure") or now)
    schedule = retry_schedule()
    if attempt > len(schedule):
        return Outcome(ev.FAILED, f"{answer.message}: gave up after three days", details=details)
    when = first + schedule[attempt - 1]
    if answer.retry_after_s is not None:  # HubSpot honours Retry-After on a 429
        when = max(when, now + answer.retry_after_s)
    details["resumeAt"] = when
    details["state"] = {"attempt": attempt + 1, "first_failure": first, "windowed": True}
    return Outcome(
        ev.RETRY_SCHEDULED,
        f"{answer.message}: retry {attempt} scheduled",
        resume_at=when,
        details=details,
    )


def _secret(engine: Engine, name: str) -> str:
    """A secret's value from the run's secrets (a mapping or a secret store).

    Raises:
        SecretNotFoundError: no such secret.
    """
    from collections.abc import Mapping

    from runtime.secrets import DictSecrets, select_secrets

    source = engine.secrets
    store = DictSecrets(source) if isinstance(source, Mapping) else source
    return select_secrets(store, [name])[name]
