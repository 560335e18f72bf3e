"""Running actions as HubSpot would: event, outputs, errors, secrets, environment, warm mode."""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from helpers import ACTIONS, EVENTS

from runtime.contract import load_event
from runtime.contract.hosts import HUBSPOT_HOSTS
from runtime.errors import EventError, SecretNotFoundError, SecretsTooLongError
from runtime.invoke import Runner, RunOptions, render


def test_format_phone(runner: Runner) -> None:
    result = runner.run(ACTIONS / "format_phone.py", inputs={"phone": "(555) 010-2233"})
    assert result.status == "SUCCESS"
    assert result.outputs == {"phone_e164": "+15550102233", "phone_valid": "yes"}
    assert result.output_types == {"phone_e164": "string", "phone_valid": "enumeration"}
    assert result.alerts == []
    assert "formatted '(555) 010-2233' for US" in result.log_text
    assert result.runtime_ms > 0
    assert result.init_ms is not None
    assert result.memory_mb > 0


def test_lead_score_from_a_recorded_event(runner: Runner) -> None:
    event = load_event(EVENTS / "lead_score.json")
    result = runner.run(ACTIONS / "lead_score.py", event)
    assert result.status == "SUCCESS"
    assert result.outputs == {"score": 77, "tier": "hot"}
    assert result.callback_id == "ap-12345678-987654321-2-0"
    assert result.event["object"] == {"objectType": "CONTACT", "objectId": 4}
    # logging.info goes through Lambda's log format: [LEVEL] time request-id message
    line = result.logs[0].text.split("\t")
    assert line[0] == "[INFO]"
    assert line[2] == result.request_id
    assert line[3] == "scored ada@analytical-engines.example: 77 (hot)"


def test_the_action_receives_hubspots_event(
    runner: Runner, write_action: Callable[..., Path]
) -> None:
    action = write_action(
        "import json\ndef main(event):\n    print(json.dumps(event))\n"
        "    return {'outputFields': {}}\n",
        'object_type = "deal"\n',
    )
    result = runner.run(action, inputs={"amount": 100}, object_id=42)
    event = json.loads(result.log_text)
    assert event["object"] == {"objectType": "DEAL", "objectId": 42}
    assert event["inputFields"] == {"amount": "100"}
    assert event["origin"]["portalId"] == 12345678
    assert event["callbackId"] == result.callback_id


def test_alerts_for_undeclared_and_missing_outputs(
    runner: Runner, write_action: Callable[..., Path]
) -> None:
    action = write_action(
        "def main(event):\n    return {'outputFields': {'extra': 1}}\n",
        '[outputs]\nscore = "number"\n',
    )
    result = runner.run(action)
    assert result.status == "SUCCESS"
    assert sorted(a.code for a in result.alerts) == ["MISSING_OUTPUT", "UNDECLARED_OUTPUT"]
    assert result.output_types == {"extra": None}


def test_string_output_too_large_fails(runner: Runner, write_action: Callable[..., Path]) -> None:
    action = write_action(
        "def main(event):\n    return {'outputFields': {'s': 'x' * 65001}}\n",
        '[outputs]\ns = "string"\n',
    )
    result = runner.run(action)
    assert result.status == "FAILED"
    assert result.error is not None
    assert result.error.type == "OUTPUT_VALUES_TOO_LARGE"


@pytest.mark.parametrize(
    ("source", "status", "kind", "message"),
    [
        (
            "def main(event)\n    return 1\n",
            "FAILED",
            "Runtime.UserCodeSyntaxError",
            "Syntax error in module 'act': invalid syntax (act.py, line 1)",  # Python 3.9's words
        ),
        ("raise RuntimeError('boom at import')\n", "FAILED", "RuntimeError", "boom at import"),
        (
            "import no_such_library\n",
            "FAILED",
            "Runtime.ImportModuleError",
            "Unable to import module 'act': No module named 'no_such_library'",
        ),
        ("x = 1\n", "FAILED", "Runtime.HandlerNotFound", "Handler 'main' missing on module 'act'"),
        (
            "def main(event):\n    return [1, 2]\n",
            "FAILED",
            "Runtime.InvalidReturn",
            "main must return a dict like",
        ),
        (
            "def main(event):\n    return {'outputFields': 'x'}\n",
            "FAILED",
            "Runtime.InvalidReturn",
            "outputFields must be a dict",
        ),
        (
            "import datetime\ndef main(event):\n    return {'outputFields': "
            "{'when': datetime.datetime.now()}}\n",
            "FAILED",
            "Runtime.MarshalError",
            "Unable to marshal response: Object of type datetime is not JSON serializable",
        ),
        (
            "def main(event):\n    return event['inputFields']['missing']\n",
            "FAILED",
            "KeyError",
            "'missing'",
        ),
    ],
)
def test_broken_actions_get_a_clear_error(
    runner: Runner,
    write_action: Callable[..., Path],
    source: str,
    status: str,
    kind: str,
    message: str,
) -> None:
    result = runner.run(write_action(source))
    assert result.status == status
    assert result.error is not None
    assert result.error.type == kind
    assert message in result.error.message


def test_traceback_points_at_the_users_code(
    runner: Runner, write_action: Callable[..., Path]
) -> None:
    action = write_action("def main(event):\n    helper()\n\ndef helper():\n    1 / 0\n")
    result = runner.run(action)
    assert result.error is not None
    assert result.error.type == "ZeroDivisionError"
    assert 'act.py", line 5, in helper' in result.error.traceback
    assert "_child_python" not in result.error.traceback


def test_no_output_fields_is_an_alert_with_a_spelling_hint(
    runner: Runner, write_action: Callable[..., Path]
) -> None:
    result = runner.run(write_action("def main(event):\n    return {'outputfields': {'a': 1}}\n"))
    assert result.status == "SUCCESS"
    assert result.outputs == {}
    assert "found 'outputfields': the key is 'outputFields'" in result.alerts[0].message


def test_returning_none_succeeds_without_outputs(
    runner: Runner, write_action: Callable[..., Path]
) -> None:
    result = runner.run(write_action("def main(event):\n    pass\n"))
    assert result.status == "SUCCESS"
    assert result.alerts[0].code == "NO_RETURN"


def test_environment_holds_lambda_variables_and_selected_secrets_only(
    runner: Runner, write_action: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARENT_ONLY_VARIABLE", "leaked")
    action = write_action(
        "import os, sys\ndef main(event):\n"
        "    return {'outputFields': {'env': dict(os.environ), 'argv': sys.argv}}\n",
        'secrets = ["TEST_SECRET"]\n',
    )
    result = runner.run(
        action, secrets={"TEST_SECRET": "pat-na1-selected", "OTHER_SECRET": "pat-na1-unselected"}
    )
    env = result.outputs["env"]
    assert "PARENT_ONLY_VARIABLE" not in env
    assert "OTHER_SECRET" not in env
    assert "HSRUN_HOME" not in env
    assert env["TEST_SECRET"] == "[TEST_SECRET]"  # masked in the record
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "128"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.9"
    assert "pat-na1" not in json.dumps(result.outputs["argv"])


def test_missing_secret_fails_before_the_run(
    runner: Runner, write_action: Callable[..., Path]
) -> None:
    action = write_action("def main(event):\n    pass\n", 'secrets = ["TEST_SECRET"]\n')
    with pytest.raises(SecretNotFoundError, match="TEST_SECRET"):
        runner.run(action, secrets={})


def test_secret_values_over_1000_characters_are_refused(
    runner: Runner, write_action: Callable[..., Path]
) -> None:
    action = write_action("def main(event):\n    pass\n", 'secrets = ["A", "B"]\n')
    with pytest.raises(SecretsTooLongError, match="must not exceed 1000 characters"):
        runner.run(action, secrets={"A": "x" * 600, "B": "y" * 401})


def test_secret_values_are_masked_everywhere(
    runner: Runner, write_action: Callable[..., Path]
) -> None:
    action = write_action(
        "import os\ndef main(event):\n    token = os.environ['TEST_SECRET']\n"
        "    print('using', token)\n"
        "    raise ValueError('bad token ' + token)\n",
        'secrets = ["TEST_SECRET"]\n',
    )
    result = runner.run(action, secrets={"TEST_SECRET": "pat-na1-0123-very-secret"})
    record = json.dumps(result.to_dict())
    assert "pat-na1-0123-very-secret" not in record
    assert result.log_text == "using [TEST_SECRET]"
    assert result.error is not None
    assert result.error.message == "bad token [TEST_SECRET]"


def test_warm_mode_keeps_module_state_cold_does_not(
    runner: Runner, write_action: Callable[..., Path]
) -> None:
    action = write_action(
        "COUNT = 0\ndef main(event):\n    global COUNT\n    COUNT += 1\n"
        "    return {'outputFields': {'count': COUNT}}\n"
    )
    cold = [runner.run(action).outputs["count"] for _ in range(3)]
    warm = [runner.run(action, options=RunOptions(warm=True)).outputs["count"] for _ in range(3)]
    assert cold == [1, 1, 1]
    assert warm == [1, 2, 3]


def test_handler_not_found_keeps_lambdas_words_and_shows_the_hint_apart(
    runner: Runner, write_action: Callable[..., Path]
) -> None:
    from rich.console import Console

    result = runner.run(write_action("x = 1\n"))
    assert result.error is not None
    assert result.error.message == "Handler 'main' missing on module 'act'"
    assert [a.message for a in result.alerts if a.code == "HINT"] == [
        "HubSpot calls the action's main: define def main(event):"
    ]
    console = Console(width=200, record=True)
    console.print(render.panel(result))
    shown = console.export_text()
    assert "define def main(event):" in shown
    # The panel names the interpreter when it is not HubSpot's 3.9 (hsrun's own is 3.11+).
    assert result.python == ".".join(map(str, sys.version_info[:3]))
    assert f"Python {result.python} ran this action; HubSpot runs 3.9" in shown


def test_init_duration_covers_the_import_of_the_module_and_only_a_cold_start(
    runner: Runner, write_action: Callable[..., Path]
) -> None:
    # Lambda's Init Duration is the Init phase: the runtime's start and the static code of the
    # handler's module; a warm invocation reports none.
    action = write_action(
        "import time\ntime.sleep(0.3)\ndef main(event):\n    return {'outputFields': {}}\n"
    )
    warm = RunOptions(warm=True)
    first, second = runner.run(action, options=warm), runner.run(action, options=warm)
    assert first.init_ms is not None and first.init_ms >= 300
    assert second.init_ms is None
    assert "\tInit Duration: " in render.lambda_lines(first)
    assert "Init Duration" not in render.lambda_lines(second)


def test_warm_mode_recovers_after_a_crash(
    runner: Runner, write_action: Callable[..., Path]
) -> None:
    action = write_action(
        "import os\nCOUNT = 0\ndef main(event):\n    global COUNT\n    COUNT += 1\n"
        "    if event['inputFields'].get('crash'):\n        os._exit(1)\n"
        "    return {'outputFields': {'count': COUNT}}\n"
    )
    warm = RunOptions(warm=True)
    assert runner.run(action, options=warm).outputs == {"count": 1}
    assert runner.run(action, inputs={"crash": "1"}, options=warm).status == "FAILED"
    assert runner.run(action, options=warm).outputs == {"count": 1}


def test_outbound_network_is_blocked_with_a_hint(
    runner: Runner, write_action: Callable[..., Path]
) -> None:
    action = write_action(
        "import socket\ndef main(event):\n    socket.create_connection(('example.com', 443), 2)\n"
    )
    result = runner.run(action)
    assert result.status == "FAILED"
    assert result.error is not None
    assert result.error.type == "NetworkBlockedError"
    assert 'add "example.com" to allow_hosts in' in result.error.message
    assert "--allow-net" in result.error.message
    allowed = runner.run(action, options=RunOptions(allow_net=True))
    assert allowed.error is not None
    assert allowed.error.type != "NetworkBlockedError"


def test_hubspot_calls_without_a_portal_say_how_to_attach_one(
    runner: Runner, write_action: Callable[..., Path]
) -> None:
    action = write_action(
        "import requests\ndef main(event):\n"
        "    requests.get('https://api.hubapi.com/crm/v3/objects/contacts', timeout=2)\n"
    )
    result = runner.run(action)
    assert result.error is not None
    assert "no HubSpot portal is attached" in result.error.message


class _Recorder(BaseHTTPRequestHandler):
    """A loopback stand-in for HubSpot's contacts archive endpoint."""

    status = 204
    seen: ClassVar[list[dict[str, Any]]] = []

    def do_DELETE(self) -> None:
        type(self).seen.append(
            {
                "path": self.path,
                "auth": self.headers.get("Authorization"),
                "host": self.headers["Host"],
            }
        )
        if self.status == 204:
            self.send_response(204)
            self.end_headers()
            return
        body = json.dumps(
            {
                "status": "error",
                "message": "You have reached your secondly limit.",
                "policyName": "SECONDLY",
                "correlationId": "c-1",
            }
        ).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def fake_hubspot_api() -> Iterator[tuple[str, type[_Recorder]]]:
    handler = type("Handler", (_Recorder,), {"seen": [], "status": 204})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_archive_contact_calls_hubspot_through_the_official_client(
    runner: Runner, fake_hubspot_api: tuple[str, type[_Recorder]]
) -> None:
    url, handler = fake_hubspot_api
    result = runner.run(
        ACTIONS / "archive_contact.py",
        object_id=51,
        secrets={"TEST_SECRET": "pat-na1-11111111-2222-3333-4444-555555555555"},
        options=RunOptions(hubspot_url=url),
    )
    assert result.status == "SUCCESS", result.error
    assert result.outputs == {"archived": True, "contact_id": "51"}
    assert handler.seen == [
        {
            "path": "/crm/v3/objects/contacts/51",
            "auth": "Bearer pat-na1-11111111-2222-3333-4444-555555555555",
            "host": url.removeprefix("http://"),
        }
    ]


def test_every_hubspot_host_reaches_the_portal_in_a_run(
    runner: Runner,
    write_action: Callable[..., Path],
    fake_hubspot_api: tuple[str, type[_Recorder]],
) -> None:
    # The runner sends the child the one host list (runtime.contract.hosts): the EU data
    # centre's host is routed to the portal like api.hubapi.com, never to the network.
    url, handler = fake_hubspot_api
    action = write_action(
        "import requests\ndef main(event):\n"
        "    for host in event['inputFields']['hosts'].split(','):\n"
        "        requests.delete(f'https://{host}/crm/v3/objects/contacts/7', timeout=5)\n"
    )
    hosts = sorted(HUBSPOT_HOSTS)
    result = runner.run(
        action, inputs={"hosts": ",".join(hosts)}, options=RunOptions(hubspot_url=url)
    )
    assert result.status == "SUCCESS", result.error
    assert [seen["path"] for seen in handler.seen] == ["/crm/v3/objects/contacts/7"] * len(hosts)
    assert "api-eu1.hubapi.com" in hosts


def test_a_429_raised_by_the_action_schedules_hubspots_retry(
    runner: Runner, fake_hubspot_api: tuple[str, type[_Recorder]]
) -> None:
    url, handler = fake_hubspot_api
    handler.status = 429
    result = runner.run(
        ACTIONS / "archive_contact.py",
        object_id=51,
        secrets={"TEST_SECRET": "pat-na1-11111111-2222-3333-4444-555555555555"},
        options=RunOptions(hubspot_url=url),
    )
    assert result.status == "RETRY_SCHEDULED"
    assert result.error is not None
    assert result.error.http_status == 429
    assert result.retry_in_s is not None
    assert result.retry_in_s[0] == 60
    assert result.exit_code == 5
    assert "archiving contact 51 (None) failed: 429" in result.log_text


def test_requests_http_error_5xx_is_retried_4xx_is_not(
    runner: Runner, write_action: Callable[..., Path]
) -> None:
    source = (
        "import requests\ndef main(event):\n    response = requests.Response()\n"
        "    response.status_code = int(event['inputFields']['code'])\n"
        "    raise requests.HTTPError('upstream said no', response=response)\n"
    )
    action = write_action(source)
    assert runner.run(action, inputs={"code": "503"}).status == "RETRY_SCHEDULED"
    assert runner.run(action, inputs={"code": "404"}).status == "FAILED"


def test_concurrent_runs_share_the_zygote(
    runner: Runner, write_action: Callable[..., Path]
) -> None:
    action = write_action(
        "def main(event):\n    return {'outputFields': {'n': int(event['inputFields']['n'])}}\n"
    )
    results: list[int] = []

    def work(n: int) -> None:
        results.append(runner.run(action, inputs={"n": n}).outputs["n"])

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == list(range(8))
    assert os.getpid()


def test_a_bug_while_handling_an_http_error_is_not_retried(
    runner: Runner, write_action: Callable[..., Path]
) -> None:
    action = write_action(
        "from hubspot.crm.contacts import ApiException\n"
        "class AppError(Exception):\n    status = 503\n"
        "def main(event):\n"
        "    kind = event['inputFields']['kind']\n"
        "    try:\n        raise ApiException(status=500, reason='Server Error')\n"
        "    except ApiException as e:\n"
        "        if kind == 'bug':\n            {}['missing']\n"
        "        if kind == 'wrapped':\n            raise RuntimeError('gave up') from e\n"
        "    raise AppError('not an HTTP client error')\n"
    )
    assert runner.run(action, inputs={"kind": "bug"}).status == "FAILED"
    assert runner.run(action, inputs={"kind": "other"}).status == "FAILED"
    wrapped = runner.run(action, inputs={"kind": "wrapped"})
    assert wrapped.status == "RETRY_SCHEDULED"
    assert wrapped.error is not None and wrapped.error.http_status == 500


def test_inputs_merged_into_an_event_follow_the_same_rules(
    runner: Runner, write_action: Callable[..., Path]
) -> None:
    action = write_action("def main(event):\n    return {'outputFields': event['inputFields']}\n")
    event = json.loads((EVENTS / "lead_score.json").read_text())
    result = runner.run(action, event, inputs={"numemployees": 5000, "vip": True})
    assert result.outputs["numemployees"] == "5000"
    assert result.outputs["vip"] == "true"
    with pytest.raises(EventError, match="at most 50"):
        runner.run(action, event, inputs={f"p{i}": "x" for i in range(50)})
