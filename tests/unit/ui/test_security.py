"""The guard's pure parts: which Host names are loopback, tokens, cookie names."""

from __future__ import annotations

from runtime.ui._security import CSP, LOOPBACK_NAMES, Tokens, _host_name, cookie_name


def test_only_loopback_host_names_pass() -> None:
    allowed = ["127.0.0.1:8788", "localhost:8788", "[::1]:8788", "127.0.0.1", "localhost"]
    for host in allowed:
        assert _host_name(host) in LOOPBACK_NAMES, host
    refused = [
        "evil.example",
        "evil.example:8788",
        "127.0.0.1.evil.example:8788",  # DNS rebinding names
        "localhost.evil.example",
        "0.0.0.0:8788",
        "",
    ]
    for host in refused:
        assert _host_name(host) not in LOOPBACK_NAMES, host


def test_tokens_are_random_per_start_and_compared_exactly() -> None:
    first, second = Tokens(), Tokens()
    assert first.access != second.access and first.csrf != second.csrf
    assert first.access != first.csrf
    assert len(first.access) >= 43  # 32 random bytes
    assert first.access_ok(first.access)
    assert not first.access_ok(second.access)
    assert not first.access_ok("") and not first.access_ok(None)
    assert not first.csrf_ok(first.access)
    assert first.access not in repr(first)


def test_each_port_has_its_own_cookie_and_no_inline_script_is_allowed() -> None:
    assert cookie_name(8788) != cookie_name(8789)
    assert "'unsafe-inline'" not in CSP and "script-src 'self'" in CSP
