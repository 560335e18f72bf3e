"""HubSpot calls from every Node HTTP client reach the fake portal unmodified; other hosts
are refused with the Python child's message and escape hatches (contract §10: most actions
call HubSpot through @hubspot/api-client, a few through axios or plain HTTP)."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

EVERY_CLIENT = """\
const hubspot = require('@hubspot/api-client');
const axios = require('axios');
const request = require('request');
const https = require('https');

exports.main = async (event) => {
  const token = process.env.TOKEN;
  const id = String(event.object.objectId);
  const url = `https://api.hubapi.com/crm/v3/objects/contacts/${id}?properties=email`;
  const headers = { Authorization: `Bearer ${token}` };
  const client = new hubspot.Client({ accessToken: token });
  const viaClient = await client.crm.contacts.basicApi.getById(id, ['email']);
  const viaAxios = await axios.get(url, { headers });
  const viaFetch = await (await fetch(url, { headers })).json();
  const viaHttps = await new Promise((resolve, reject) => {
    https.get(url, { headers }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve(JSON.parse(body)));
    }).on('error', reject);
  });
  const viaRequest = await new Promise((resolve, reject) => {
    request({ url, headers, json: true }, (err, res, body) => (err ? reject(err) : resolve(body)));
  });
  return {
    outputFields: {
      client: viaClient.properties.email,
      axios: viaAxios.data.properties.email,
      fetch: viaFetch.properties.email,
      https: viaHttps.properties.email,
      request: viaRequest.properties.email,
    },
  };
};
"""


def _write(folder: Path, name: str, source: str, manifest: str = "") -> Path:
    path = folder / f"{name}.js"
    path.write_text(textwrap.dedent(source))
    path.with_suffix(".toml").write_text('runtime = "NODE24X"\n' + textwrap.dedent(manifest))
    return path


def test_every_http_client_reaches_the_fake_portal(
    node_runtimes: dict[str, Any], hubspot: Any, run_action: Any, tmp_path: Path
) -> None:
    contact = hubspot.create("contacts", {"email": "ada@example.com"})
    app = hubspot.private_app("ci", scopes=["crm.objects.contacts.read"])
    action = _write(tmp_path, "every_client", EVERY_CLIENT, 'secrets = ["TOKEN"]\n')
    result = run_action(action, object_id=contact.id, secrets={"TOKEN": app.token})
    assert result.status == "SUCCESS", (result.error, result.log_text)
    assert set(result.outputs.values()) == {"ada@example.com"}
    assert len(result.outputs) == 5
    calls = hubspot.calls(app="ci")
    assert [(c["method"], c["status"]) for c in calls] == [("GET", 200)] * 5
    assert len(result.api_calls) == 5


def test_v3_style_code_reading_body_fails_as_on_client_10(
    node_runtimes: dict[str, Any], hubspot: Any, run_action: Any, tmp_path: Path
) -> None:
    contact = hubspot.create("contacts", {"email": "ada@example.com"})
    app = hubspot.private_app("ci", scopes=["crm.objects.contacts.read"])
    action = _write(
        tmp_path,
        "v3_style",
        """
        const hubspot = require('@hubspot/api-client');
        exports.main = async (event) => {
          const client = new hubspot.Client({ accessToken: process.env.TOKEN });
          const res = await client.crm.contacts.basicApi.getById(String(event.object.objectId));
          return { outputFields: { email: res.body.properties.email } };
        };
        """,
        'secrets = ["TOKEN"]\n',
    )
    result = run_action(action, object_id=contact.id, secrets={"TOKEN": app.token})
    assert result.status == "FAILED"
    assert result.error.type == "TypeError"
    assert "reading 'properties'" in result.error.message
    assert len(hubspot.calls(app="ci")) == 1  # the call itself reached the portal


@pytest.mark.parametrize(
    "call",
    [
        "await fetch('https://example.com/x')",
        "await require('axios').get('https://example.com/x')",
        "await new Promise((ok, no) => "
        "require('https').get('https://example.com/x', ok).on('error', no))",
        "await new Promise((ok, no) => "
        "require('net').connect(443, 'example.com', ok).on('error', no))",
    ],
)
def test_other_hosts_are_refused_with_the_way_out(
    node_runtimes: dict[str, Any], run_action: Any, tmp_path: Path, call: str
) -> None:
    action = _write(
        tmp_path,
        "outbound",
        f"""
        exports.main = async () => {{
          try {{ {call}; }} catch (err) {{
            console.log(String(err.cause ? err.cause.message : err.message));
            throw err;
          }}
        }};
        """,
    )
    result = run_action(action)
    assert result.status == "FAILED"
    expected = (
        'hsrun blocked an outbound connection to example.com: add "example.com" to allow_hosts'
    )
    assert expected in result.log_text
    assert "or pass --allow-net" in result.log_text


def test_allow_hosts_lets_a_host_through(
    node_runtimes: dict[str, Any], run_action: Any, tmp_path: Path
) -> None:
    action = _write(
        tmp_path,
        "allowed",
        """
        exports.main = async () => {
          try { await fetch('http://hsrun-test.invalid/'); } catch (err) {
            return { outputFields: { why: String(err.cause && err.cause.code) } };
          }
        };
        """,
        'allow_hosts = ["hsrun-test.invalid"]\n',
    )
    result = run_action(action)
    # Past hsrun's guard, the name itself does not resolve (in a sandbox, whose network
    # namespace has no resolver, the lookup cannot even be tried).
    assert result.status == "SUCCESS", result.error
    assert result.outputs["why"] in ("ENOTFOUND", "EAI_AGAIN")
