"""The local store: file format, keys, passphrase mode, and what damage looks like."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest

from runtime.config import Settings, get_settings
from runtime.errors import SecretKeyError, SecretStoreCorruptError
from runtime.secrets import _crypto
from runtime.secrets.local import LocalSecretStore, describe_rotation

VALUE = "s3cr3t-value-1234"


def reopen(notices: list[str] | None = None) -> LocalSecretStore:
    """A fresh store object from the current environment, as a new command would make."""
    sink: list[str] = [] if notices is None else notices
    return LocalSecretStore.from_settings(get_settings(), notice=sink.append)


def doc(store: LocalSecretStore) -> dict[str, object]:
    data = json.loads(store.path.read_text())
    assert isinstance(data, dict)
    return data


# -- file and key basics ---------------------------------------------------------------


def test_file_holds_no_plaintext_and_is_private(local_store: LocalSecretStore) -> None:
    local_store.set("TEST_SECRET", VALUE)
    raw = local_store.path.read_bytes()
    assert VALUE.encode() not in raw
    assert base64.b64encode(VALUE.encode()) not in raw
    data = doc(local_store)
    assert data["format"] == "hsrun-secrets"
    assert data["version"] == 1
    assert data["cipher"] == "AES-256-GCM"
    assert stat.S_IMODE(local_store.path.stat().st_mode) == 0o600
    assert reopen().get(["TEST_SECRET"]) == {"TEST_SECRET": VALUE}


def test_first_write_creates_a_private_key_file_and_says_so_once(
    local_store: LocalSecretStore, settings: Settings, notices: list[str]
) -> None:
    local_store.set("A_SECRET", VALUE)
    local_store.set("B_SECRET", VALUE)
    reopen(notices).set("C_SECRET", VALUE)

    key_files = list((settings.config_dir / "keys").iterdir())
    assert len(key_files) == 1
    assert stat.S_IMODE(key_files[0].stat().st_mode) == 0o600
    assert not key_files[0].is_relative_to(settings.home)
    assert len(notices) == 1
    assert str(key_files[0]) in notices[0]


def test_key_from_environment_writes_no_key_file(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HSRUN_SECRETS_KEY", _crypto.encode_key(_crypto.new_key()))
    notices: list[str] = []
    reopen(notices).set("TEST_SECRET", VALUE)
    assert reopen().get(["TEST_SECRET"]) == {"TEST_SECRET": VALUE}
    assert not (settings.config_dir / "keys").exists()
    assert notices == []


def test_malformed_environment_key_is_named(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HSRUN_SECRETS_KEY", "too-short")
    with pytest.raises(SecretKeyError, match="HSRUN_SECRETS_KEY is not a usable key"):
        reopen().set("TEST_SECRET", VALUE)


def test_get_on_a_store_not_created_yet_is_empty(local_store: LocalSecretStore) -> None:
    assert local_store.get(["TEST_SECRET"]) == {}
    assert local_store.names() == []
    assert not local_store.path.exists()


def test_info_reports_length_and_change_time_without_a_key(
    local_store: LocalSecretStore, settings: Settings
) -> None:
    local_store.set("TEST_SECRET", "ünïcode")
    for key_file in (settings.config_dir / "keys").iterdir():
        key_file.unlink()
    [info] = reopen().info()
    assert (info.name, info.length) == ("TEST_SECRET", 7)
    assert info.updated_at is not None


# -- damage: each a clear error naming the problem, nothing overwritten ----------------


def test_wrong_key(local_store: LocalSecretStore, monkeypatch: pytest.MonkeyPatch) -> None:
    local_store.set("TEST_SECRET", VALUE)
    before = local_store.path.read_bytes()
    monkeypatch.setenv("HSRUN_SECRETS_KEY", _crypto.encode_key(_crypto.new_key()))
    store = reopen()
    with pytest.raises(SecretKeyError, match="wrong key: HSRUN_SECRETS_KEY") as info:
        store.get(["TEST_SECRET"])
    assert "holds the right key" in str(info.value)  # the key file still exists
    with pytest.raises(SecretKeyError, match="wrong key"):
        store.set("OTHER", "value")
    assert local_store.path.read_bytes() == before


def test_wrong_key_file(local_store: LocalSecretStore, settings: Settings) -> None:
    local_store.set("TEST_SECRET", VALUE)
    [key_file] = (settings.config_dir / "keys").iterdir()
    key_file.write_text(_crypto.encode_key(_crypto.new_key()))
    with pytest.raises(SecretKeyError, match=f"wrong key: the key file {key_file}"):
        reopen().get(["TEST_SECRET"])


def test_missing_key(local_store: LocalSecretStore, settings: Settings) -> None:
    local_store.set("TEST_SECRET", VALUE)
    before = local_store.path.read_bytes()
    [key_file] = (settings.config_dir / "keys").iterdir()
    key_file.unlink()
    store = reopen()
    with pytest.raises(SecretKeyError) as info:
        store.get(["TEST_SECRET"])
    message = str(info.value)
    assert message.startswith("missing key:")
    assert str(key_file) in message
    assert "HSRUN_SECRETS_KEY" in message
    with pytest.raises(SecretKeyError, match="missing key"):
        store.set("OTHER", "value")
    assert local_store.path.read_bytes() == before
    assert not key_file.exists()  # no new key was made to "fix" it


@pytest.mark.parametrize("keep", [0, 1, 40, -2])
def test_truncated_file(local_store: LocalSecretStore, keep: int) -> None:
    local_store.set("TEST_SECRET", VALUE)
    truncated = local_store.path.read_bytes()[:keep]
    local_store.path.write_bytes(truncated)
    store = reopen()
    with pytest.raises(SecretStoreCorruptError, match="is damaged") as info:
        store.get(["TEST_SECRET"])
    assert str(local_store.path) in str(info.value)
    with pytest.raises(SecretStoreCorruptError):
        store.set("OTHER", "value")
    with pytest.raises(SecretStoreCorruptError):
        store.rotate_key()
    assert local_store.path.read_bytes() == truncated


def test_flipped_ciphertext_byte(local_store: LocalSecretStore) -> None:
    local_store.set("TEST_SECRET", VALUE)
    local_store.set("OTHER", "another-value")
    data = doc(local_store)
    entry = data["secrets"]["TEST_SECRET"]  # type: ignore[index]
    raw = bytearray(base64.b64decode(entry["ciphertext"]))
    raw[3] ^= 0x01
    entry["ciphertext"] = base64.b64encode(bytes(raw)).decode()
    local_store.path.write_text(json.dumps(data))
    before = local_store.path.read_bytes()

    store = reopen()
    with pytest.raises(
        SecretStoreCorruptError, match=r"secret TEST_SECRET .* failed authentication"
    ):
        store.get(["TEST_SECRET"])
    assert store.get(["OTHER"]) == {"OTHER": "another-value"}  # the rest is still usable
    with pytest.raises(SecretStoreCorruptError, match="TEST_SECRET"):
        store.rotate_key()
    assert local_store.path.read_bytes() == before


def test_values_swapped_between_names(local_store: LocalSecretStore) -> None:
    local_store.set("FIRST", "value-of-first")
    local_store.set("SECOND", "value-of-second")
    data = doc(local_store)
    secrets = data["secrets"]
    assert isinstance(secrets, dict)
    secrets["FIRST"], secrets["SECOND"] = secrets["SECOND"], secrets["FIRST"]
    local_store.path.write_text(json.dumps(data))

    store = reopen()
    with pytest.raises(SecretStoreCorruptError, match=r"secret FIRST .* copied from another name"):
        store.get(["FIRST"])
    with pytest.raises(SecretStoreCorruptError, match="secret SECOND"):
        store.get(["SECOND"])


def test_a_damaged_value_can_be_replaced_or_removed(local_store: LocalSecretStore) -> None:
    local_store.set("FIRST", "value-of-first")
    local_store.set("SECOND", "value-of-second")
    data = doc(local_store)
    secrets = data["secrets"]
    assert isinstance(secrets, dict)
    secrets["FIRST"] = secrets["SECOND"]
    local_store.path.write_text(json.dumps(data))

    store = reopen()
    store.set("FIRST", "fresh")
    assert store.get(["FIRST"]) == {"FIRST": "fresh"}
    store.remove("SECOND")
    assert store.names() == ["FIRST"]


def test_store_from_a_newer_hsrun(local_store: LocalSecretStore) -> None:
    local_store.set("TEST_SECRET", VALUE)
    data = doc(local_store)
    data["version"] = 2
    local_store.path.write_text(json.dumps(data))
    with pytest.raises(SecretStoreCorruptError, match=r"format version 2.*Upgrade hsrun"):
        reopen().names()


def test_not_a_store_file(local_store: LocalSecretStore) -> None:
    local_store.path.parent.mkdir(parents=True)
    local_store.path.write_text('{"hello": "world"}')
    with pytest.raises(SecretStoreCorruptError, match="not an hsrun secret store"):
        reopen().names()


def test_debris_of_a_killed_writer_is_cleaned_up(local_store: LocalSecretStore) -> None:
    local_store.set("TEST_SECRET", VALUE)
    debris = local_store.path.with_name(".secrets.json.999.dead.tmp")
    debris.write_bytes(b'{"half a fi')
    local_store.set("OTHER", "value")
    assert not debris.exists()
    assert reopen().names() == ["OTHER", "TEST_SECRET"]


# -- passphrase mode --------------------------------------------------------------------


def test_passphrase_mode(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HSRUN_SECRETS_PASSPHRASE", "correct horse battery staple")
    notices: list[str] = []
    store = reopen(notices)
    store.set("TEST_SECRET", VALUE)
    key = doc(store)["key"]
    assert isinstance(key, dict)
    assert key["kind"] == "passphrase"
    assert set(key["scrypt"]) == {"salt", "n", "r", "p"}
    assert notices == []  # no key file to announce
    assert reopen().get(["TEST_SECRET"]) == {"TEST_SECRET": VALUE}

    monkeypatch.setenv("HSRUN_SECRETS_PASSPHRASE", "wrong horse")
    with pytest.raises(SecretKeyError, match="wrong passphrase"):
        reopen().get(["TEST_SECRET"])

    monkeypatch.delenv("HSRUN_SECRETS_PASSPHRASE")
    with pytest.raises(SecretKeyError, match=r"missing passphrase.*HSRUN_SECRETS_PASSPHRASE"):
        reopen().get(["TEST_SECRET"])

    asked: list[str] = []

    def prompt(message: str) -> str:
        asked.append(message)
        return "correct horse battery staple"

    prompted = LocalSecretStore.from_settings(get_settings(), prompt=prompt)
    assert prompted.get(["TEST_SECRET"]) == {"TEST_SECRET": VALUE}
    prompted.set("OTHER", "value")  # the derived key is reused, not asked for again
    assert len(asked) == 1
    assert str(prompted.path) in asked[0]


# -- rotation ---------------------------------------------------------------------------


def test_rotate_key_re_encrypts_everything(
    local_store: LocalSecretStore, settings: Settings
) -> None:
    local_store.set("FIRST", "value-of-first")
    local_store.set("SECOND", "value-of-second")
    before = doc(local_store)
    [old_key_file] = (settings.config_dir / "keys").iterdir()

    result = reopen().rotate_key()

    after = doc(local_store)
    assert result.count == 2
    assert result.old_key_id == before["key"]["id"]  # type: ignore[index]
    assert result.new_key_id == after["key"]["id"]  # type: ignore[index]
    assert result.new_key_id != result.old_key_id
    assert result.key_file is not None
    assert stat.S_IMODE(result.key_file.stat().st_mode) == 0o600
    for name in ("FIRST", "SECOND"):
        old, new = before["secrets"][name], after["secrets"][name]  # type: ignore[index]
        assert old["nonce"] != new["nonce"]
        assert old["updated_at"] == new["updated_at"]  # the value did not change
    assert reopen().get(["FIRST", "SECOND"]) == {
        "FIRST": "value-of-first",
        "SECOND": "value-of-second",
    }
    lines = describe_rotation(result, reopen().keyring)
    assert any(str(old_key_file) in line and "no longer opens" in line for line in lines)


def test_old_environment_key_stops_working_after_rotation(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HSRUN_SECRETS_KEY", _crypto.encode_key(_crypto.new_key()))
    reopen().set("TEST_SECRET", VALUE)
    result = reopen().rotate_key()
    assert result.key_file is not None
    with pytest.raises(SecretKeyError, match=r"wrong key.*holds the right key"):
        reopen().get(["TEST_SECRET"])
    monkeypatch.setenv("HSRUN_SECRETS_KEY", result.key_file.read_text().strip())
    assert reopen().get(["TEST_SECRET"]) == {"TEST_SECRET": VALUE}


def test_rotate_to_passphrase_and_back(
    local_store: LocalSecretStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    local_store.set("TEST_SECRET", VALUE)
    with pytest.raises(SecretKeyError, match="needs a new passphrase"):
        reopen().rotate_key(to="passphrase")

    reopen().rotate_key(to="passphrase", new_passphrase="team passphrase")
    assert reopen().key_kind() == "passphrase"
    monkeypatch.setenv("HSRUN_SECRETS_PASSPHRASE", "team passphrase")
    assert reopen().get(["TEST_SECRET"]) == {"TEST_SECRET": VALUE}

    result = reopen().rotate_key(to="key")
    assert result.kind == "key"
    assert result.key_file is not None and result.key_file.is_file()
    monkeypatch.delenv("HSRUN_SECRETS_PASSPHRASE")
    assert reopen().get(["TEST_SECRET"]) == {"TEST_SECRET": VALUE}


def test_rotation_with_a_wrong_key_changes_nothing(
    local_store: LocalSecretStore, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    local_store.set("TEST_SECRET", VALUE)
    before = local_store.path.read_bytes()
    monkeypatch.setenv("HSRUN_SECRETS_KEY", _crypto.encode_key(_crypto.new_key()))
    with pytest.raises(SecretKeyError, match="wrong key"):
        reopen().rotate_key()
    assert local_store.path.read_bytes() == before
    assert len(list((settings.config_dir / "keys").iterdir())) == 1


# -- import -----------------------------------------------------------------------------


def test_import_is_all_or_nothing(local_store: LocalSecretStore, tmp_path: Path) -> None:
    local_store.set("KEPT", "old-value")
    before = local_store.path.read_bytes()
    bad = tmp_path / "bad.env"
    bad.write_text("KEPT=new-value\nNEW_ONE=abcd\nBAD-NAME=x\n")
    with pytest.raises(Exception, match="BAD-NAME"):
        local_store.import_env_file(bad)
    assert local_store.path.read_bytes() == before


def test_audit_log_never_holds_values(local_store: LocalSecretStore, tmp_path: Path) -> None:
    env = tmp_path / "s.env"
    env.write_text(f"IMPORTED={VALUE}-imported\n")
    local_store.import_env_file(env)
    local_store.set("TEST_SECRET", VALUE)
    local_store.reveal("TEST_SECRET")
    local_store.rotate_key()
    local_store.remove("TEST_SECRET")

    text = local_store.audit.path.read_text()
    assert VALUE not in text
    events, bad = local_store.audit.events()
    assert bad == 0
    assert [(e.action, e.name) for e in events] == [
        ("import", "IMPORTED"),
        ("set", "TEST_SECRET"),
        ("reveal", "TEST_SECRET"),
        ("rotate-key", None),
        ("rm", "TEST_SECRET"),
    ]
    assert all(e.user and e.time for e in events)
