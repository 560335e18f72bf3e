"""`hsrun portal records` and what `hsrun portal seed` prints: ids without opening files."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from runtime.cli import app

cli = CliRunner()
WHEN = "2026-03-01T10:00:00.000Z"


def hsrun(*args: str) -> tuple[int, str, str]:
    result = cli.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _seed(tmp_path: Path, document: dict[str, object]) -> tuple[int, str, str]:
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return hsrun("portal", "seed", str(path))


def test_seed_prints_ids_and_records_finds_them_after_a_second_seed(tmp_path: Path) -> None:
    document = {
        "records": {
            "contacts": [{"ref": "ada", "properties": {"email": "ada@example.com"}}],
            "notes": [{"ref": "call", "properties": {"hs_timestamp": WHEN, "hs_note_body": "Hi"}}],
        },
        "associations": [{"from": "notes:call", "to": "contacts:ada"}],
    }
    code, out, err = _seed(tmp_path, document)
    assert code == 0, err
    seeded = dict(re.findall(r"^\s+(\w+)\s+(\d+)\s+ada$", out, re.M))
    assert "contacts" in seeded
    # a second seed of other records: ids move on, and the commands still find them
    code, out, err = _seed(
        tmp_path, {"records": {"contacts": [{"properties": {"email": "bob@example.com"}}]}}
    )
    assert code == 0, err
    code, out, _ = hsrun(
        "portal", "records", "search", "contacts", "--where", "email=BOB@example.com", "--json"
    )
    (bob,) = json.loads(out)
    assert bob["properties"]["email"] == "bob@example.com" and bob["id"] != seeded["contacts"]
    code, out, _ = hsrun("portal", "records", "list", "0-46", "--json")
    (note,) = json.loads(out)
    assert note["properties"]["hs_note_body"] == "Hi"
    code, out, _ = hsrun("portal", "records", "get", "contacts", seeded["contacts"])
    assert code == 0 and "ada@example.com" in out
    code, out, _ = hsrun("portal", "records", "list", "contacts")
    assert code == 0 and "ada@example.com" in out and "bob@example.com" in out


def test_records_of_an_unknown_type_is_a_clear_error() -> None:
    code, _, err = hsrun("portal", "records", "list", "widgets")
    assert code == 7 and "Unable to infer object type from: widgets" in err


def test_a_seed_with_an_undefined_association_type_is_refused(tmp_path: Path) -> None:
    document = {
        "records": {
            "contacts": [{"ref": "a", "properties": {"email": "a@example.com"}}],
            "companies": [{"ref": "c", "properties": {"name": "Acme"}}],
        },
        "associations": [{"from": "contacts:a", "to": "companies:c", "typeId": 4242}],
    }
    code, _, err = _seed(tmp_path, document)
    assert code == 7 and "no HUBSPOT_DEFINED association type 4242" in err
    assert "Traceback" not in err
    code, out, _ = hsrun("portal", "records", "list", "contacts", "--json")
    assert json.loads(out) == []  # nothing half-seeded


def test_a_seed_entry_with_an_unknown_key_is_refused(tmp_path: Path) -> None:
    document = {"records": {"contacts": [{"propertes": {"email": "a@example.com"}}]}}
    code, _, err = _seed(tmp_path, document)
    assert code == 7 and "unknown key(s) propertes" in err


def test_export_then_import_restores_the_portal(tmp_path: Path) -> None:
    code, _, err = _seed(
        tmp_path, {"records": {"contacts": [{"properties": {"email": "keep@example.com"}}]}}
    )
    assert code == 0, err
    snapshot = tmp_path / "snapshot.json"
    assert hsrun("portal", "export", str(snapshot))[0] == 0
    assert json.loads(snapshot.read_text())["version"] == 1
    assert hsrun("portal", "reset", "-y")[0] == 0
    assert json.loads(hsrun("portal", "records", "list", "contacts", "--json")[1]) == []
    code, out, err = hsrun("portal", "import", str(snapshot), "-y")
    assert code == 0 and "1 records" in out, err
    (kept,) = json.loads(hsrun("portal", "records", "list", "contacts", "--json")[1])
    assert kept["properties"]["email"] == "keep@example.com"


def test_search_where_without_a_value_is_a_usage_error() -> None:
    code, _, err = hsrun("portal", "records", "search", "contacts", "--where", "email")
    assert code == 2 and "--where takes property=value, got 'email'" in err
