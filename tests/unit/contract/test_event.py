from __future__ import annotations

import json
from pathlib import Path

import pytest

from runtime.contract import build_event, load_event, parse_event
from runtime.errors import EventError


def test_build_event_has_hubspots_shape() -> None:
    event = build_event(portal_id=42, object_type="contact", object_id=7, inputs={"email": "a@b.c"})
    payload = event.to_payload()
    assert payload["origin"] == {"portalId": 42, "actionDefinitionId": 1}
    assert payload["object"] == {"objectType": "CONTACT", "objectId": 7}
    assert payload["inputFields"] == {"email": "a@b.c"}
    assert payload["callbackId"].startswith("ap-42-")
    assert payload["callbackId"].endswith("-1-0")


def test_input_values_become_strings_like_crm_properties() -> None:
    event = build_event(portal_id=1, object_id=1, inputs={"n": 5, "flag": True, "unset": None})
    assert event.inputFields == {"n": "5", "flag": "true", "unset": None}


def test_more_than_50_inputs_is_refused() -> None:
    with pytest.raises(EventError, match="at most 50"):
        build_event(portal_id=1, object_id=1, inputs={f"i{n}": "x" for n in range(51)})


def test_parse_event_names_the_bad_field() -> None:
    with pytest.raises(EventError, match=r"my.json: invalid event: object.objectId"):
        parse_event(
            {"origin": {"portalId": 1}, "object": {"objectType": "CONTACT"}, "callbackId": "x"},
            source="my.json",
        )


def test_parse_event_rejects_non_objects() -> None:
    with pytest.raises(EventError, match="must be a JSON object, got list"):
        parse_event([1, 2])


def test_extra_event_keys_are_kept() -> None:
    data = {
        "origin": {"portalId": 1, "actionDefinitionId": 2, "extensionDefinitionId": 9},
        "object": {"objectType": "DEAL", "objectId": 3},
        "inputFields": {},
        "callbackId": "ap-1-2-3-0",
        "context": {"source": "WORKFLOWS"},
    }
    assert parse_event(data).to_payload() == data


def test_load_event_reports_file_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"origin": {"portalId": 1},\n  oops}')
    with pytest.raises(EventError, match=r"bad.json: not valid JSON \(line 2, column 3"):
        load_event(bad)


def test_load_event_missing_file(tmp_path: Path) -> None:
    with pytest.raises(EventError, match="event file not found"):
        load_event(tmp_path / "nope.json")


def test_recorded_events_are_valid() -> None:
    folder = Path(__file__).resolve().parents[2] / "events"
    for path in folder.glob("*.json"):
        assert (
            load_event(path).origin.portalId == json.loads(path.read_text())["origin"]["portalId"]
        )
