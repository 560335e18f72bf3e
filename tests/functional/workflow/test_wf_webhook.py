"""WEBHOOK actions against a real loopback HTTP server: body, retries, refusals."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from wf_support import flow, set_prop, static


class _Endpoint:
    def __init__(self) -> None:
        self.answers: list[int] = []
        self.received: list[dict[str, Any]] = []


@pytest.fixture
def endpoint() -> Iterator[tuple[_Endpoint, str]]:
    state = _Endpoint()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"null")
            state.received.append(
                {"path": self.path, "body": body, "key": self.headers.get("X-Api-Key")}
            )
            status = state.answers.pop(0) if state.answers else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _hook(url: str) -> dict[str, Any]:
    return flow(
        {"type": "WEBHOOK", "actionId": "1", "webhookUrl": url, "method": "POST",
         "queryParams": [{"name": "who", "value": {"type": "OBJECT_PROPERTY",
                                                   "propertyName": "email"}}],
         "connection": {"edgeType": "STANDARD", "nextActionId": "2"}},
        set_prop("2", "firstname", static("after hook")),
    )  # fmt: skip


def test_webhook_posts_the_record(hubspot: Any, run_workflow: Any, endpoint: Any) -> None:
    state, url = endpoint
    c = hubspot.create("contacts", {"email": "ada@example.com"})
    e = run_workflow(_hook(url), object_id=c.id)
    assert e.events("1") == ["SUCCEEDED"]
    [sent] = state.received
    assert sent["path"] == "/hook?who=ada%40example.com"
    assert sent["body"]["objectId"] == int(c.id)
    assert sent["body"]["properties"]["email"] == "ada@example.com"


def test_webhook_5xx_and_429_are_retried_4xx_is_not(
    hubspot: Any, run_workflow: Any, endpoint: Any
) -> None:
    state, url = endpoint
    c = hubspot.create("contacts", {"email": "ada@example.com"})
    state.answers = [503, 429, 200]
    e = run_workflow(_hook(url), object_id=c.id)
    assert e.events("1") == ["RETRY_SCHEDULED", "RETRY_SCHEDULED", "SUCCEEDED"]
    assert len(state.received) == 3
    state.answers = [400]
    refused = run_workflow(_hook(url), object_id=c.id)
    assert refused.events("1") == ["FAILED"] and refused.path == ["1", "2"]


def test_webhook_to_a_host_not_allowed_is_refused(hubspot: Any, run_workflow: Any) -> None:
    c = hubspot.create("contacts", {"email": "ada@example.com"})
    e = run_workflow(_hook("https://hooks.example.com/x"), object_id=c.id)
    assert e.events("1") == ["FAILED"]
    assert "network policy" in e.steps[1].message and "--allow-host" in e.steps[1].message


def test_webhook_auth_key_from_a_secret(hubspot: Any, run_workflow: Any, endpoint: Any) -> None:
    state, url = endpoint
    c = hubspot.create("contacts", {"email": "ada@example.com"})
    doc = _hook(url)
    doc["actions"][0]["authSettings"] = {
        "type": "AUTH_KEY", "location": "HEADER", "name": "X-Api-Key", "secretName": "HOOK_KEY",
    }  # fmt: skip
    e = run_workflow(doc, object_id=c.id, secrets={"HOOK_KEY": "s3cret"})
    assert e.events("1") == ["SUCCEEDED"] and state.received[0]["key"] == "s3cret"
    assert "s3cret" not in json.dumps(e.to_dict())
    missing = run_workflow(doc, object_id=c.id)
    assert missing.events("1") == ["FAILED"] and "HOOK_KEY" in missing.steps[1].message
