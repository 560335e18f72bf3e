"""The child bootstrap runs under HubSpot's Python 3.9: its source is checked against 3.9's
grammar and standard library on every machine, with or without a python3.9 to run it."""

from __future__ import annotations

from runtime.contract.manifest import Manifest
from runtime.invoke._process import BOOTSTRAP
from runtime.packaging import check_source


def test_the_bootstrap_is_python_39_source() -> None:
    findings = check_source(BOOTSTRAP.read_text(), Manifest(), path=str(BOOTSTRAP))
    # HS104/HS105 grammar, HS106 run-time unions, HS107 names after 3.9, HS2xx imports.
    assert [f"{f.code} line {f.line}: {f.message}" for f in findings if f.code[2] in "12"] == []


def test_the_check_would_see_newer_syntax_in_the_bootstrap() -> None:
    newer = (
        BOOTSTRAP.read_text()
        + "\ndef _later(x):\n    match x:\n        case _:\n            pass\n"
    )
    assert "HS105" in {f.code for f in check_source(newer, Manifest(), path=str(BOOTSTRAP))}
