"""HubSpot calls from every Node HTTP client reach the fake portal unmodified; other hosts
are refused with the Python child's message and escape hatches (contract §10: most actions
call HubSpot through @hubspot/api-client, a few through axios or plain HTTP)."""

from __future__ import annotations

import datetime
import socket
import ssl
import textwrap
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from runtime.invoke.sandbox import probe

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


@pytest.mark.parametrize("isolation", ["process", "auto"])
@pytest.mark.parametrize(
    "call",
    [
        "await require('dns').promises.lookup('example.com')",
        "await new Promise((ok, no) => "
        "require('dns').lookup('example.com', (err, a) => (err ? no(err) : ok(a))))",
        "await require('dns/promises').resolve4('example.com')",
        "await new Promise((ok, no) => require('dgram').createSocket('udp4')"
        ".send('x', 53, '192.0.2.1', (err) => (err ? no(err) : ok())))",
        "await new Promise((ok, no) => require('dgram').createSocket('udp4')"
        ".on('error', no).connect(53, 'example.com', ok))",
    ],
    ids=["dns-promises", "dns-callback", "dns-resolve", "udp-send", "udp-connect"],
)
def test_name_lookups_and_udp_get_the_same_rule(
    node_runtimes: dict[str, Any], run_action: Any, tmp_path: Path, call: str, isolation: str
) -> None:
    # A DNS query carries data out, and UDP does not go through net.Socket: Python's child
    # refuses getaddrinfo for a host not allowed, so does the Node one, before anything is
    # sent, in the sandbox or not.
    action = _write(
        tmp_path,
        "lookup",
        f"""
        exports.main = async () => {{
          try {{ {call}; }} catch (err) {{ console.log(String(err.message)); throw err; }}
        }};
        """,
    )
    result = run_action(action, isolation=isolation)
    assert result.status == "FAILED"
    host = "192.0.2.1" if "192.0.2.1" in call else "example.com"
    refusal = f'hsrun blocked an outbound connection to {host}: add "{host}" to allow_hosts'
    assert refusal in result.log_text


def test_an_allowed_name_still_resolves(
    node_runtimes: dict[str, Any], run_action: Any, tmp_path: Path
) -> None:
    host = socket.gethostname()
    action = _write(
        tmp_path,
        "resolves",
        """
        exports.main = async (event) => {
          const found = await require('dns').promises.lookup(event.inputFields.host);
          return { outputFields: { family: found.family } };
        };
        """,
        f'allow_hosts = ["{host}"]\n',
    )
    result = run_action(action, inputs={"host": host}, isolation="process")
    assert result.status == "SUCCESS", (result.error, result.log_text)
    assert result.outputs["family"] in (4, 6)


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = f"hello from the allowed host, {self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


ALLOWED_HOST_CLIENTS = """\
const http = require('http');
const axios = require('axios');
const request = require('request');

function get(mod, url, options = {}) {
  return new Promise((resolve, reject) => {
    mod.get(url, options, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

exports.main = async (event) => {
  const { host, port, tlsPort } = event.inputFields;
  const base = `http://${host}:${port}`;
  const secure = `https://${host}:${tlsPort}/tls`;
  let refused = '';
  try { await fetch(`http://${host}.attacker.test:${port}/`); } catch (err) {
    refused = String(err.cause ? err.cause.message : err.message);
  }
  return {
    outputFields: {
      fetch: await (await fetch(`${base}/fetch?q=1`)).text(),
      http: await get(http, `${base}/http`),
      https: await get(require('https'), secure, { rejectUnauthorized: false }),
      axios: (await axios.get(`${base}/axios`)).data,
      axios_https: (await axios.get(secure, {
        httpsAgent: new (require('https').Agent)({ rejectUnauthorized: false }),
      })).data,
      request: await new Promise((ok, no) =>
        request(`${base}/request`, (err, res, body) => (err ? no(err) : ok(body)))),
      refused,
    },
  };
};
"""


def _self_signed(folder: Path) -> ssl.SSLContext:
    """A TLS server context with a throwaway self-signed certificate."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hsrun-test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .sign(key, hashes.SHA256())
    )
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return context


@pytest.mark.parametrize("isolation", ["namespaces", "process"])
def test_every_client_reaches_an_allowed_host_in_the_sandbox_too(
    node_runtimes: dict[str, Any], run_action: Any, tmp_path: Path, isolation: str
) -> None:
    # In the sandbox the only way out is the egress proxy its environment names. undici's
    # fetch and the http modules ignore HTTP(S)_PROXY, and axios sends even an https URL to
    # the proxy whole (which a CONNECT-only proxy refuses): hsrun tunnels each through it.
    # The host name is this machine's (it resolves here, to the host's loopback, which the
    # sandbox's own loopback is not).
    if isolation == "namespaces" and not probe().namespaces:
        pytest.skip(f"no kernel sandbox here: {probe().reason}")
    host = socket.gethostname()
    plain = ThreadingHTTPServer(("0.0.0.0", 0), _Hello)
    secure = ThreadingHTTPServer(("0.0.0.0", 0), _Hello)
    secure.socket = _self_signed(tmp_path).wrap_socket(secure.socket, server_side=True)
    for server in (plain, secure):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    action = _write(
        tmp_path, "allowed_clients", ALLOWED_HOST_CLIENTS, f'allow_hosts = ["{host}"]\n'
    )
    inputs = {
        "host": host,
        "port": str(plain.server_address[1]),
        "tlsPort": str(secure.server_address[1]),
    }
    try:
        result = run_action(action, inputs=inputs, isolation=isolation)
    finally:
        for server in (plain, secure):
            server.shutdown()
            server.server_close()
    assert result.status == "SUCCESS", (result.error, result.log_text)
    assert result.isolation == isolation
    outputs = result.outputs
    assert outputs["fetch"] == "hello from the allowed host, /fetch?q=1"
    for client in ("http", "axios", "request"):
        assert outputs[client] == f"hello from the allowed host, /{client}"
    assert outputs["https"] == outputs["axios_https"] == "hello from the allowed host, /tls"
    refusal = f"hsrun blocked an outbound connection to {host}.attacker.test"
    assert refusal in outputs["refused"]
