"""Secret masking: every form a value takes on its way to a sink, and the rule for short
values."""

from __future__ import annotations

import json
from urllib.parse import quote_plus

from runtime.secrets import Masker

TRICKY = 'p"ss\\wörd/with spaces&=='


def test_plain_json_repr_and_url_forms_are_masked() -> None:
    mask = Masker({"TOKEN": TRICKY})
    for text in (
        f"token {TRICKY}",
        json.dumps({"k": TRICKY}),
        json.dumps({"k": TRICKY}, ensure_ascii=False),
        str({"k": TRICKY}),
        repr(TRICKY.encode()),
        f"/crm/v3/objects?hapikey={quote_plus(TRICKY)}",
    ):
        masked = mask.text(text)
        assert "[TOKEN]" in masked, text
        assert "ss\\" not in masked and "rd/with" not in masked, masked


def test_short_values_are_masked_only_as_whole_words() -> None:
    mask = Masker({"PIN": "42", "LONG": "abcd"})
    assert mask.text("pin is 42.") == "pin is [PIN]."
    assert mask.text("in 2042 and x42y") == "in 2042 and x42y"
    assert mask.text("xxabcdxx") == "xx[LONG]xx"


def test_a_text_cut_inside_a_secret_masks_its_beginning() -> None:
    mask = Masker({"TOKEN": "tok-1234567890"})
    assert mask.cut_text("value tok-12345") == "value [TOKEN]"
    assert mask.cut_text("value tok-1234567890 end") == "value [TOKEN] end"


def test_keys_are_masked_and_an_empty_secret_is_ignored() -> None:
    mask = Masker({"TOKEN": "sekret-value", "EMPTY": ""})
    assert mask.data({"sekret-value": ["sekret-value", 1]}) == {"[TOKEN]": ["[TOKEN]", 1]}
    assert "EMPTY" not in repr(mask) and "sekret" not in repr(mask)


def test_credential_query_parameters_never_reach_the_portal_call_log() -> None:
    from runtime.fake_hubspot.core.logs import redact_query

    assert redact_query("limit=10&hapikey=abc-123&after=5") == (
        "limit=10&hapikey=[REDACTED]&after=5"
    )
    assert redact_query("access_token=x&Client_Secret=y&archived=false") == (
        "access_token=[REDACTED]&Client_Secret=[REDACTED]&archived=false"
    )


def test_scrypt_parameters_from_a_store_file_are_bounded() -> None:
    import pytest

    from runtime.secrets.keys import KeyHeader

    def header(n: int, r: int = 8, p: int = 1) -> dict[str, object]:
        scrypt = {"salt": "AAAAAAAAAAAAAAAAAAAAAA==", "n": n, "r": r, "p": p}
        return {"kind": "passphrase", "id": "k1", "scrypt": scrypt}

    assert KeyHeader.from_json(header(2**15)).scrypt is not None
    for bad in (
        header(2**24),
        header(2**15 + 1),
        header(2),
        header(2**15, r=1024),
        header(2**15, p=64),
    ):
        with pytest.raises(ValueError, match=r"key\.scrypt"):
            KeyHeader.from_json(bad)
