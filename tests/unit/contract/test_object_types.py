"""The one object-type table: every part of hsrun accepts exactly the same types."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime.contract import object_types as table
from runtime.contract.manifest import load_manifest
from runtime.errors import ManifestError, UsageError
from runtime.fake_hubspot.core.errors import ValidationError
from runtime.fake_hubspot.core.object_types import find_object_type, resolve_object_type
from runtime.packaging.scaffold import scaffold_action

# HubSpot's published object type ids (developers.hubspot.com, "Using the object APIs").
HUBSPOT_IDS = {
    "contacts": "0-1",
    "companies": "0-2",
    "deals": "0-3",
    "tickets": "0-5",
    "products": "0-7",
    "line_items": "0-8",
    "quotes": "0-14",
    "communications": "0-18",
    "feedback_submissions": "0-19",
    "tasks": "0-27",
    "notes": "0-46",
    "meetings": "0-47",
    "calls": "0-48",
    "emails": "0-49",
    "invoices": "0-53",
    "subscriptions": "0-69",
    "goal_targets": "0-74",
    "discounts": "0-84",
    "fees": "0-85",
    "taxes": "0-86",
    "commerce_payments": "0-101",
    "users": "0-115",
    "postal_mail": "0-116",
    "orders": "0-123",
    "leads": "0-136",
    "carts": "0-142",
    "services": "0-162",
    "courses": "0-410",
    "listings": "0-420",
    "appointments": "0-421",
}

CANDIDATES = sorted(
    {t.label for t in table.OBJECT_TYPES}
    | {"CONTACTS", "LEADS", "0-1", "NOPE", "2-7654321", "POSTAL_MAIL", "USER"}
)


def test_the_table_has_hubspots_ids() -> None:
    assert {t.name: t.type_id for t in table.OBJECT_TYPES} == HUBSPOT_IDS


@pytest.mark.parametrize("name", ["notes", "0-46", "note", "NOTE", "Notes"])
def test_every_spelling_names_the_same_type(name: str) -> None:
    assert table.find(name) is table.NOTES
    assert resolve_object_type(name) is table.NOTES


def test_an_unknown_type_is_hubspots_400() -> None:
    assert find_object_type("widgets") is None
    with pytest.raises(ValidationError, match="Unable to infer object type from: widgets"):
        resolve_object_type("widgets")


def _manifest_accepts(tmp_path: Path, label: str) -> bool:
    path = tmp_path / f"m_{label.replace('-', '_')}.toml"
    path.write_text(f'object_type = "{label}"\n', encoding="utf-8")
    try:
        load_manifest(path)
    except ManifestError:
        return False
    return True


def _init_accepts(tmp_path: Path, label: str) -> bool:
    try:
        scaffold_action("act", tmp_path / label, object_type=label)
    except UsageError:
        return False
    return True


@pytest.mark.parametrize("label", CANDIDATES)
def test_init_accepts_a_type_iff_a_manifest_does(tmp_path: Path, label: str) -> None:
    assert _init_accepts(tmp_path, label) == _manifest_accepts(tmp_path, label)


def test_workflows_enroll_the_documented_types() -> None:
    assert {"LEAD", "MEETING", "LINE_ITEM", "QUOTE", "TASK"} <= set(table.ENROLLABLE_LABELS)
    assert "POSTAL_MAIL" not in table.ENROLLABLE_LABELS


def test_activities_require_a_timestamp() -> None:
    for kind in table.ACTIVITY_TYPES:
        assert "hs_timestamp" in kind.required_properties
