"""The manifest and event classes check well-formed input themselves and hand anything else to
the pydantic models in ``runtime.contract._schema``: for every input, the outcome (values,
payload, error text) must be the one pydantic alone gives."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from runtime.contract import Event, Manifest, OutputSpec, _schema, load_event, load_manifest
from runtime.errors import EventError, ManifestError

MANIFESTS: list[dict[str, Any]] = [
    {},
    {"runtime": "PYTHON39"},
    {"runtime": "NODE20X", "object_type": "deal"},
    {"object_type": " line_item "},
    {"object_type": "2-1234567"},
    {"object_type": "contacts"},  # a plural: a hint
    {"object_type": "products"},  # not enrollable
    {"object_type": 3},
    {"runtime": "PYTHON312"},
    {"runtime": 39},
    {"secrets": ["A_SECRET", "B"]},
    {"secrets": ("A",)},
    {"secrets": ["1BAD"]},
    {"secrets": ["A", "A"]},
    {"secrets": "A"},
    {"secrets": [1]},
    {"inputs": {"email": "email", "amount": "amount"}},
    {"inputs": {"bad-name": "x"}},
    {"inputs": {"n": 1}},
    {"inputs": {f"v{i}": f"p{i}" for i in range(51)}},
    {"inputs": ["email"]},
    {"outputs": {"ok": "bool", "tier": {"type": "enumeration", "options": ["a", "b"]}}},
    {"outputs": {"tier": {"type": "enumeration", "options": ("a",)}}},
    {"outputs": {"score": "integer"}},
    {"outputs": {"tier": "enumeration"}},
    {"outputs": {"ok": {"type": "bool", "options": ["x"]}}},
    {"outputs": {"ok": {"type": "bool", "extra": 1}}},
    {"outputs": {"ok": {"options": ["x"]}}},
    {"outputs": {"ok": 5}},
    {"outputs": {"tier": {"type": "enumeration", "options": [1, 2]}}},
    {"outputs": "bool"},
    {"allow_hosts": ["api.example.com"]},
    {"allow_hosts": "api.example.com"},
    {"secret": ["A"]},
    {"secrets": ["1BAD"], "runtime": "X", "unknown": 1},
]


def _errors(exc: ValidationError) -> list[tuple[Any, ...]]:
    return [(e["type"], e["loc"], e["msg"], repr(e.get("input"))) for e in exc.errors()]


def _reference_manifest(data: dict[str, Any]) -> tuple[Any, ...] | list[Any]:
    """What the pydantic model alone makes of ``data``: its values, or its errors."""
    try:
        model = _schema.Manifest.model_validate(data)
    except ValidationError as exc:
        return _errors(exc)
    outputs = {k: (o.type, o.options) for k, o in model.outputs.items()}
    return (model.runtime, model.object_type, model.secrets, model.inputs, outputs,
            model.allow_hosts)  # fmt: skip


def _plain_manifest(data: dict[str, Any]) -> tuple[Any, ...] | list[Any]:
    try:
        made = Manifest.model_validate(data)
    except ValidationError as exc:
        return _errors(exc)
    outputs = {k: (o.type, o.options) for k, o in made.outputs.items()}
    return (made.runtime, made.object_type, made.secrets, made.inputs, outputs,
            made.allow_hosts)  # fmt: skip


@pytest.mark.parametrize("data", MANIFESTS, ids=[json.dumps(m)[:60] for m in MANIFESTS])
def test_a_manifest_is_what_pydantic_makes_of_it(data: dict[str, Any]) -> None:
    assert _plain_manifest(data) == _reference_manifest(data)
    if isinstance(_reference_manifest(data), tuple):
        assert Manifest(**data) == Manifest.model_validate(data)
    else:
        with pytest.raises(ValidationError):
            Manifest(**data)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('[outputs]\nscore = "integer"\n', None),
        ('secrets = ["A", "A"]\nobject_type = "products"\n', None),
        ("[inputs]\nn = 1\n", None),
        ('[outputs]\nok = { type = "bool", options = ["x"] }\n', None),
        ('object_type = "deal"\n[outputs]\nok = "bool"\n', "valid"),
    ],
)
def test_a_manifest_file_fails_with_pydantics_words(
    tmp_path: Path, text: str, error: str | None
) -> None:
    path = tmp_path / "act.toml"
    path.write_text(text)
    if error == "valid":
        assert load_manifest(path).outputs["ok"] == OutputSpec(type="bool")
        return
    import tomllib

    from runtime.contract.manifest import _describe

    data = {"runtime": "PYTHON39", **tomllib.loads(text)}
    with pytest.raises(ValidationError) as reference:
        _schema.Manifest.model_validate(data)
    with pytest.raises(ManifestError) as info:
        load_manifest(path)
    assert info.value.problems == [_describe(e) for e in reference.value.errors()]


EVENT = {
    "origin": {"portalId": 12345678, "actionDefinitionId": 2},
    "object": {"objectType": "CONTACT", "objectId": 4},
    "inputFields": {"email": "jane@example.com", "n": None},
    "callbackId": "ap-12345678-987654321-1-0",
}


def _with(**changes: Any) -> dict[str, Any]:
    event = json.loads(json.dumps(EVENT))
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = event
        for key in parents:
            target = target[key]
        if value is KeyError:
            del target[last]
        else:
            target[last] = value
    return event


EVENTS: list[dict[str, Any]] = [
    EVENT,
    _with(extraTop={"nested": [1, 2.5, True]}),
    _with(origin__extra="kept", object__more=[{"a": 1}]),
    _with(origin__actionDefinitionId=KeyError),
    _with(object__objectType=KeyError),
    _with(inputFields=KeyError),
    _with(inputFields={"deep": {"list": [1, {"x": None}]}, "f": 1.5}),
    _with(inputFields={"big": 10**30}),
    _with(inputFields={"inf": float("inf"), "nan": float("nan")}),
    _with(inputFields={"when": datetime.date(2024, 1, 2), "pair": (1, 2), "raw": b"xy"}),
    _with(inputFields={"k": {1: "int key"}}),
    _with(origin__portalId="12345678"),
    _with(origin__portalId=True),
    _with(origin__portalId=1.0),
    _with(origin__portalId=1.5),
    _with(origin__portalId=KeyError),
    _with(object__objectId="4"),
    _with(object__objectId=None),
    _with(object__objectType=7),
    _with(callbackId=5),
    _with(callbackId=KeyError),
    _with(inputFields=["email"]),
    _with(origin="12345678"),
    _with(object=None),
    {},
]


def _reference_event(data: dict[str, Any]) -> Any:
    try:
        return _schema.Event.model_validate(data).model_dump(mode="json")
    except ValidationError as exc:
        return _errors(exc)


def _plain_event(data: dict[str, Any]) -> Any:
    try:
        return Event.model_validate(data).to_payload()
    except ValidationError as exc:
        return _errors(exc)


@pytest.mark.parametrize("data", EVENTS, ids=[repr(e)[:70] for e in EVENTS])
def test_an_event_and_its_payload_are_what_pydantic_makes_of_them(data: dict[str, Any]) -> None:
    plain, reference = _plain_event(data), _reference_event(data)
    assert json.dumps(plain, sort_keys=False) == json.dumps(reference, sort_keys=False)


def test_a_bad_event_file_names_each_field_as_pydantic_does(tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(_with(origin__portalId="x", object__objectId=KeyError)))
    with pytest.raises(EventError) as info:
        load_event(path)
    assert str(info.value) == (
        f"{path}: invalid event: origin.portalId: Input should be a valid integer, unable to "
        "parse string as an integer; object.objectId: Field required"
    )


def test_a_copy_with_changed_fields_dumps_the_change() -> None:
    event = Event.model_validate(EVENT)
    changed = event.model_copy(deep=True)
    changed.inputFields = {"email": "x@example.com"}
    changed.object.objectId = 99
    assert event.to_payload() == EVENT
    assert changed.to_payload()["object"] == {"objectType": "CONTACT", "objectId": 99}
    assert changed.to_payload()["inputFields"] == {"email": "x@example.com"}
    assert changed != event == Event.model_validate(EVENT)
