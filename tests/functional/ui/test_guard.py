"""The dashboard's guard over real HTTP: token, host, CSRF, headers (no browser needed)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import requests
from ui_support import ROOT, Dashboard

PAGES = (
    "/",
    "/runs",
    "/workflows",
    "/apps",
    "/apps/logs",
    "/apps/security",
    "/secrets",
    "/records",
    "/static/app.js",
    "/runs/stream",
)


def test_a_request_without_the_token_is_refused(dashboard: Dashboard) -> None:
    for path in PAGES:
        answer = requests.get(f"{dashboard.base}{path}", timeout=30, allow_redirects=False)
        assert answer.status_code == 403, path
        assert "token" in answer.text
    wrong = requests.get(f"{dashboard.base}/runs?token=not-the-token", timeout=30)
    assert wrong.status_code == 403
    forged = requests.get(
        f"{dashboard.base}/runs", timeout=30, cookies={"hsrun_ui_0": dashboard.token}
    )
    assert forged.status_code == 403  # the cookie of another port's dashboard
    posted = requests.post(
        f"{dashboard.base}/secrets", data={"name": "X", "value": "y"}, timeout=30
    )
    assert posted.status_code == 403


def test_the_token_url_trades_the_token_for_a_cookie(dashboard: Dashboard) -> None:
    first = requests.get(dashboard.url, timeout=30, allow_redirects=False)
    assert first.status_code == 200
    # the page moves on to the URL without the token, which leaves the address bar
    assert '<meta http-equiv="refresh" content="0;url=/">' in first.text
    assert dashboard.token not in first.text
    cookie = first.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    session = dashboard.session()
    assert session.get(f"{dashboard.base}/runs", timeout=30).status_code == 200
    header = requests.get(
        f"{dashboard.base}/runs", timeout=30, headers={"Authorization": f"token {dashboard.token}"}
    )
    assert header.status_code == 200


def test_responses_carry_a_strict_content_security_policy(dashboard: Dashboard) -> None:
    session = dashboard.session()
    for path in ("/runs", "/apps", "/secrets", "/static/app.css"):
        headers = session.get(f"{dashboard.base}{path}", timeout=30).headers
        csp = headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"  # nothing leaks to other sites


def test_other_host_names_are_refused(dashboard: Dashboard) -> None:
    # DNS rebinding: a page of evil.example resolving to 127.0.0.1 sends its own Host.
    answer = requests.get(
        f"{dashboard.base}/runs",
        timeout=30,
        headers={"Host": "evil.example", "Authorization": f"token {dashboard.token}"},
    )
    assert answer.status_code == 403


def test_changes_need_the_csrf_token_and_our_origin(dashboard: Dashboard) -> None:
    session = dashboard.session()
    csrf = dashboard.csrf(session)
    url = f"{dashboard.base}/secrets"
    missing = session.post(url, data={"name": "X", "value": "y"}, timeout=30)
    assert missing.status_code == 403
    wrong = session.post(url, data={"name": "X", "value": "y", "csrf": "nope"}, timeout=30)
    assert wrong.status_code == 403
    foreign = session.post(
        url,
        data={"name": "X", "value": "y", "csrf": csrf},
        headers={"Origin": "http://evil.example"},
        timeout=30,
    )
    assert foreign.status_code == 403
    page = session.get(url, timeout=30).text
    assert ">X<" not in page  # none of them stored anything
    ok = session.post(url, data={"name": "X", "value": "y", "csrf": csrf}, timeout=30)
    assert ok.status_code == 200 and "Added X" in ok.text


def test_a_taken_port_is_a_clear_error(dashboard: Dashboard) -> None:
    port = re.sub(r".*:", "", dashboard.base)
    done = subprocess.run(
        [sys.executable, "-m", "runtime", "ui", "--no-open", "--port", port],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "HSRUN_DAEMON": "0"},
    )
    assert done.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr and "--port" in done.stderr


def test_ctrl_c_ends_open_live_streams_cleanly(dashboard: Dashboard) -> None:
    session = dashboard.session()
    with session.get(f"{dashboard.base}/runs/stream", stream=True, timeout=60) as stream:
        assert next(stream.iter_content(chunk_size=None)).startswith(b"retry:")
        out, err = dashboard.stop()  # a browser tab is still listening
    assert out.rstrip().endswith("Stopped.")
    assert "Traceback" not in err and "ERROR" not in err, err
