from __future__ import annotations

import pickle

import pytest

from runtime.secrets import SecretValue


def test_value_never_shows_in_repr_str_or_fstring() -> None:
    secret = SecretValue("hunter2-very-secret")
    for text in (repr(secret), str(secret), f"{secret}", repr([secret]), repr({"k": secret})):
        assert "hunter2" not in text
    assert secret.reveal() == "hunter2-very-secret"


def test_length_truth_and_equality() -> None:
    assert len(SecretValue("abcd")) == 4
    assert not SecretValue("")
    assert SecretValue("abc") == SecretValue("abc")
    assert SecretValue("abc") != SecretValue("abd")
    assert SecretValue(SecretValue("abc")).reveal() == "abc"


def test_cannot_be_pickled() -> None:
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(SecretValue("hunter2"))
