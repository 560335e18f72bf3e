"""`hsrun secrets ...` as a user runs it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from runtime.secrets import _crypto

Invoke = Callable[..., Result]

VALUE = "s3cr3t-value-1234"


def outputs(result: Result) -> str:
    return f"{result.stdout}\n{result.stderr}"


def test_import_then_list(hsrun: Invoke, project: Path) -> None:
    (project / "actions" / "notify.toml").write_text('secrets = ["TEST_SECRET", "API_KEY"]\n')
    env = project / "secrets.env"
    env.write_text(f"TEST_SECRET={VALUE}\nUNUSED=another-value\n")

    imported = hsrun("secrets", "import", str(env))
    assert imported.exit_code == 0, imported.output
    assert "Imported 2 secret(s)" in imported.stdout
    assert "new: TEST_SECRET, UNUSED" in imported.stdout

    listed = hsrun("secrets", "list")
    assert listed.exit_code == 0, listed.output
    header, *lines = listed.stdout.splitlines()
    assert re.split(r"\s{2,}", header) == ["NAME", "LENGTH", "LAST CHANGE", "USED BY"]
    rows = {cells[0]: cells[1:] for cells in (re.split(r"\s{2,}", line) for line in lines)}
    assert list(rows) == ["API_KEY", "TEST_SECRET", "UNUSED"]
    assert rows["API_KEY"] == ["-", "NOT SET", "notify"]
    assert rows["TEST_SECRET"][0] == str(len(VALUE))
    assert rows["TEST_SECRET"][2] == "archive_contact, notify"
    assert rows["UNUSED"][2] == "-"
    assert "not set but selected by an action: API_KEY" in listed.stderr
    for result in (imported, listed):
        assert VALUE not in outputs(result)


def test_list_json(hsrun: Invoke, project: Path) -> None:
    (project / "actions" / "broken.toml").write_text("secrets = [\n")
    hsrun("secrets", "set", "TEST_SECRET", "--from-stdin", input=VALUE)
    result = hsrun("secrets", "list", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["backend"] == "local"
    [row] = data["secrets"]
    assert row["name"] == "TEST_SECRET"
    assert row["length"] == len(VALUE)
    assert row["used_by"] == ["archive_contact"]
    assert row["updated_at"]
    assert data["notes"][0].startswith("skipped broken.toml")
    assert "note: skipped broken.toml" in result.stderr
    assert VALUE not in outputs(result)


def test_empty_store(hsrun: Invoke, project: Path) -> None:
    (project / "actions" / "archive_contact.toml").unlink()
    result = hsrun("secrets", "list")
    assert result.exit_code == 0
    assert "No secrets in" in result.stdout
    assert "hsrun secrets set NAME" in result.stdout


def test_first_write_says_where_the_key_is_once(hsrun: Invoke, tmp_path: Path) -> None:
    first = hsrun("secrets", "set", "TEST_SECRET", "--from-stdin", input=VALUE)
    second = hsrun("secrets", "set", "OTHER", "--from-stdin", input=VALUE)
    assert first.exit_code == second.exit_code == 0
    [key_file] = (tmp_path / "config" / "keys").iterdir()
    assert f"created a new secrets key at {key_file}" in first.stderr
    assert "created a new secrets key" not in second.stderr


def test_set_prompts_without_echo(hsrun: Invoke) -> None:
    result = hsrun("secrets", "set", "TEST_SECRET", input=f"{VALUE}\n")
    assert result.exit_code == 0, result.output
    assert "Value for TEST_SECRET" in result.output
    assert VALUE not in outputs(result)
    assert "Set TEST_SECRET (new, 17 characters)" in result.stdout
    assert hsrun("secrets", "reveal", "TEST_SECRET").stdout == f"{VALUE}\n"


def test_set_from_stdin_drops_only_the_final_newline(hsrun: Invoke) -> None:
    result = hsrun("secrets", "set", "TEST_SECRET", "--from-stdin", input="  two\nlines \n")
    assert result.exit_code == 0, result.output
    assert hsrun("secrets", "reveal", "TEST_SECRET").stdout == "  two\nlines \n"
    updated = hsrun("secrets", "set", "TEST_SECRET", "--from-stdin", input="x" * 1001)
    assert "(updated, 1001 characters)" in updated.stdout
    assert "longer than HubSpot's 1000-character total" in updated.stderr


def test_set_rejects_a_bad_name_before_asking(hsrun: Invoke) -> None:
    result = hsrun("secrets", "set", "MY-TOKEN", input=f"{VALUE}\n")
    assert result.exit_code == 6
    assert "Value for" not in result.output
    assert (
        "Error: secret name 'MY-TOKEN' is not allowed: use letters, digits and underscores, "
        "not starting with a digit" in result.stderr
    )


def test_rm(hsrun: Invoke) -> None:
    hsrun("secrets", "set", "TEST_SECRET", "--from-stdin", input=VALUE)
    hsrun("secrets", "set", "OLD_TOKEN", "--from-stdin", input=VALUE)
    removed = hsrun("secrets", "rm", "OLD_TOKEN")
    assert removed.exit_code == 0
    assert "Removed OLD_TOKEN" in removed.stdout
    again = hsrun("secrets", "rm", "OLD_TOKEN")
    assert again.exit_code == 6
    assert "Error: no secret named OLD_TOKEN" in again.stderr
    used = hsrun("secrets", "rm", "TEST_SECRET")
    assert "still selected by archive_contact" in used.stderr


def test_rotate_key(hsrun: Invoke, tmp_path: Path) -> None:
    hsrun("secrets", "set", "TEST_SECRET", "--from-stdin", input=VALUE)
    [old_key] = (tmp_path / "config" / "keys").iterdir()
    result = hsrun("secrets", "rotate-key")
    assert result.exit_code == 0, result.output
    assert "re-encrypted 1 secret(s)" in result.stdout
    assert "new key file:" in result.stdout
    assert f"the old key file {old_key} no longer opens this store" in result.stdout
    old_key.unlink()
    assert hsrun("secrets", "reveal", "TEST_SECRET").stdout == f"{VALUE}\n"


def test_rotate_to_passphrase_mode(hsrun: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    hsrun("secrets", "set", "TEST_SECRET", "--from-stdin", input=VALUE)
    mismatch = hsrun("secrets", "rotate-key", "--passphrase", input="one\ntwo\none\none\n")
    assert mismatch.exit_code == 0, mismatch.output  # the prompt asks again on a mismatch
    locked = hsrun("secrets", "reveal", "TEST_SECRET")
    assert locked.exit_code == 6
    assert "missing passphrase" in locked.stderr
    monkeypatch.setenv("HSRUN_SECRETS_PASSPHRASE", "wrong")
    refused = hsrun("secrets", "rotate-key", input="new\nnew\n")
    assert refused.exit_code == 6
    assert "wrong passphrase" in refused.stderr
    assert "New passphrase" not in refused.output  # checked before asking for a new one
    monkeypatch.setenv("HSRUN_SECRETS_PASSPHRASE", "one")
    assert hsrun("secrets", "reveal", "TEST_SECRET").stdout == f"{VALUE}\n"
    both = hsrun("secrets", "rotate-key", "--passphrase", "--key-file")
    assert both.exit_code == 2
    assert "mutually exclusive" in both.stderr


def test_audit(hsrun: Invoke, project: Path) -> None:
    env = project / "secrets.env"
    env.write_text(f"TEST_SECRET={VALUE}\n")
    hsrun("secrets", "import", str(env))
    hsrun("secrets", "set", "OTHER", "--from-stdin", input=VALUE)
    hsrun("secrets", "reveal", "TEST_SECRET")
    hsrun("secrets", "rm", "OTHER")
    hsrun("secrets", "rotate-key")

    result = hsrun("secrets", "audit")
    assert result.exit_code == 0
    actions = [line.split()[2:4] for line in result.stdout.splitlines()]
    assert actions == [
        ["import", "TEST_SECRET"],
        ["set", "OTHER"],
        ["reveal", "TEST_SECRET"],
        ["rm", "OTHER"],
        ["rotate-key", "-"],
    ]
    only = json.loads(hsrun("secrets", "audit", "TEST_SECRET", "--json").stdout)
    assert [e["action"] for e in only] == ["import", "reveal"]
    assert {"time", "user", "action", "name"} <= set(only[0])
    last = hsrun("secrets", "audit", "--limit", "1").stdout.splitlines()
    assert len(last) == 1 and "rotate-key" in last[0]
    assert VALUE not in (project / ".hsrun" / "secrets-audit.jsonl").read_text()


def test_reveal_is_audited(hsrun: Invoke) -> None:
    hsrun("secrets", "set", "TEST_SECRET", "--from-stdin", input=VALUE)
    result = hsrun("secrets", "reveal", "TEST_SECRET")
    assert result.stdout == f"{VALUE}\n"
    assert "recorded in the audit log" in result.stderr
    assert "reveal" in hsrun("secrets", "audit").stdout


def test_wrong_key_is_an_error_not_a_traceback(
    hsrun: Invoke, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hsrun("secrets", "set", "TEST_SECRET", "--from-stdin", input=VALUE)
    store = project / ".hsrun" / "secrets.json"
    before = store.read_bytes()
    monkeypatch.setenv("HSRUN_SECRETS_KEY", _crypto.encode_key(_crypto.new_key()))
    result = hsrun("secrets", "set", "OTHER", "--from-stdin", input=VALUE)
    assert result.exit_code == 6
    assert result.stderr.startswith("Error: wrong key: HSRUN_SECRETS_KEY")
    assert store.read_bytes() == before


def test_damaged_store_is_an_error(hsrun: Invoke, project: Path) -> None:
    hsrun("secrets", "set", "TEST_SECRET", "--from-stdin", input=VALUE)
    store = project / ".hsrun" / "secrets.json"
    store.write_bytes(store.read_bytes()[:-30])
    result = hsrun("secrets", "list")
    assert result.exit_code == 6
    assert f"Error: the secret store {store} is damaged" in result.stderr


def test_import_errors_name_the_line(hsrun: Invoke, project: Path) -> None:
    env = project / "secrets.env"
    env.write_text(f"TEST_SECRET={VALUE}\n2FA_CODE=123456\n")
    result = hsrun("secrets", "import", str(env))
    assert result.exit_code == 6
    assert "line 2: '2FA_CODE'" in result.stderr
    assert "nothing was imported" in result.stderr
    assert not (project / ".hsrun" / "secrets.json").exists()


def test_aws_backend(hsrun: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from moto import mock_aws

    monkeypatch.setenv("HSRUN_SECRETS_BACKEND", "aws")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        assert hsrun("secrets", "set", "TEST_SECRET", "--from-stdin", input=VALUE).exit_code == 0
        listed = hsrun("secrets", "list", "--json")
        data = json.loads(listed.stdout)
        assert data["backend"] == "aws"
        assert data["secrets"][0]["length"] == len(VALUE)
        rotated = hsrun("secrets", "rotate-key")
        assert rotated.exit_code == 2
        assert "AWS KMS" in rotated.stderr


def test_unknown_backend(hsrun: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HSRUN_SECRETS_BACKEND", "vault")
    result = hsrun("secrets", "list")
    assert result.exit_code == 2
    assert "Error: HSRUN_SECRETS_BACKEND='vault' is not a secrets backend" in result.stderr
