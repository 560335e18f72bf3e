from __future__ import annotations

import pytest

from runtime.secrets import _crypto

KEY = bytes(range(32))


def test_round_trip_keeps_unicode() -> None:
    nonce, ct = _crypto.encrypt(KEY, "TOKEN", "pässwörd ✓")
    assert _crypto.decrypt(KEY, "TOKEN", nonce, ct) == "pässwörd ✓"


def test_every_encryption_uses_a_fresh_nonce() -> None:
    first = _crypto.encrypt(KEY, "TOKEN", "same value")
    second = _crypto.encrypt(KEY, "TOKEN", "same value")
    assert first[0] != second[0]
    assert first[1] != second[1]


def test_value_is_bound_to_its_name() -> None:
    nonce, ct = _crypto.encrypt(KEY, "TOKEN_A", "value")
    with pytest.raises(_crypto.DecryptionError):
        _crypto.decrypt(KEY, "TOKEN_B", nonce, ct)


def test_wrong_key_fails_authentication() -> None:
    nonce, ct = _crypto.encrypt(KEY, "TOKEN", "value")
    with pytest.raises(_crypto.DecryptionError):
        _crypto.decrypt(_crypto.new_key(), "TOKEN", nonce, ct)


def test_key_text_round_trip_and_rejects() -> None:
    key = _crypto.new_key()
    assert _crypto.decode_key(_crypto.encode_key(key) + "\n") == key
    with pytest.raises(_crypto.KeyFormatError, match="base64"):
        _crypto.decode_key("not base64 !!")
    with pytest.raises(_crypto.KeyFormatError, match="16 bytes"):
        _crypto.decode_key(_crypto.encode_key(b"x" * 16))


def test_key_id_is_stable_and_distinguishes_keys() -> None:
    assert _crypto.key_id(KEY) == _crypto.key_id(bytes(KEY))
    assert _crypto.key_id(KEY) != _crypto.key_id(_crypto.new_key())
    assert _crypto.encode_key(KEY) not in _crypto.key_id(KEY)


def test_scrypt_depends_on_passphrase_and_salt() -> None:
    cheap = _crypto.ScryptParams(salt=b"s" * 16, n=2**10)
    key = _crypto.derive_key("correct horse", cheap)
    assert len(key) == 32
    assert _crypto.derive_key("correct horse", cheap) == key
    assert _crypto.derive_key("correct horsE", cheap) != key
    other_salt = _crypto.ScryptParams(salt=b"t" * 16, n=2**10)
    assert _crypto.derive_key("correct horse", other_salt) != key
