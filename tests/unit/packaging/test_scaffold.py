"""`hsrun init`: the files, the name rules, no overwriting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runtime.contract import load_action, parse_event
from runtime.errors import UsageError
from runtime.packaging import check_action, scaffold_action


def test_init_writes_four_files_that_pass_check(tmp_path: Path) -> None:
    written = scaffold_action("enrich_company", tmp_path, object_type="company")
    assert [p.relative_to(tmp_path).as_posix() for p in written] == [
        "actions/enrich_company.py",
        "actions/enrich_company.toml",
        "tests/events/enrich_company.json",
        "tests/test_enrich_company.py",
    ]
    action = load_action(written[0])
    assert action.manifest.object_type == "COMPANY"
    assert action.manifest.inputs == {"text": "domain"}
    assert set(action.manifest.outputs) == {"normalized", "is_empty"}
    assert check_action(action) == []
    event = parse_event(json.loads(written[2].read_text()))
    assert event.object.objectType == "COMPANY"
    assert event.callbackId and event.origin.portalId
    assert "def test_enrich_company_" in written[3].read_text()


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("2fast", "not a valid action name"),
        ("enrich-company", "not a valid action name"),
        ("class", "keyword"),
        ("_helpers", "helper modules"),
        ("json", "shadow"),
        ("requests", "shadow"),
    ],
)
def test_bad_names_are_refused(tmp_path: Path, name: str, reason: str) -> None:
    with pytest.raises(UsageError, match=reason):
        scaffold_action(name, tmp_path)
    assert not (tmp_path / "actions").exists()


def test_init_never_overwrites_and_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_enrich.py").write_text("# mine\n")
    with pytest.raises(UsageError, match=r"not overwriting .*tests/test_enrich.py"):
        scaffold_action("enrich", tmp_path)
    assert (tmp_path / "tests" / "test_enrich.py").read_text() == "# mine\n"
    assert not (tmp_path / "actions" / "enrich.py").exists()


def test_unknown_object_type_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown object type"):
        scaffold_action("enrich", tmp_path, object_type="LEADS")
