"""Custom objects: the schemas API, then records of the type through every object API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hubspot.crm.objects import PublicObjectSearchRequest, SimplePublicObjectInputForCreate
from hubspot.crm.schemas import ObjectSchemaEgg
from hubspot.crm.schemas.models import ObjectTypeDefinitionLabels, ObjectTypePropertyCreate
from typer.testing import CliRunner

from runtime.cli import app as cli_app

Api = Any
SCOPES = [
    "crm.schemas.custom.read",
    "crm.schemas.custom.write",
    "crm.objects.custom.read",
    "crm.objects.custom.write",
    "crm.objects.contacts.read",
    "crm.objects.contacts.write",
]
CARS = {
    "name": "cars",
    "labels": {"singular": "Car", "plural": "Cars"},
    "primaryDisplayProperty": "model",
    "requiredProperties": ["model"],
    "searchableProperties": ["model"],
    "properties": [
        {"name": "model", "label": "Model", "type": "string", "fieldType": "text"},
        {"name": "year", "label": "Year", "type": "number", "fieldType": "number"},
    ],
    "associatedObjects": ["CONTACT"],
}


@pytest.fixture
def custom(api: Api) -> Any:
    return api.portal.private_app("custom", scopes=SCOPES)


def test_schema_through_the_official_client_then_records(api: Api, custom: Any) -> None:
    client = api.client(custom)
    schema = client.crm.schemas.core_api.create(
        ObjectSchemaEgg(
            name="cars",
            labels=ObjectTypeDefinitionLabels(singular="Car", plural="Cars"),
            primary_display_property="model",
            required_properties=["model"],
            searchable_properties=["model"],
            properties=[
                ObjectTypePropertyCreate(
                    name="model", label="Model", type="string", field_type="text"
                ),
                ObjectTypePropertyCreate(
                    name="year", label="Year", type="number", field_type="number"
                ),
            ],
            associated_objects=["CONTACT"],
        )
    )
    assert schema.object_type_id.startswith("2-")
    assert schema.fully_qualified_name == f"p{api.portal.portal_id}_cars"
    assert sorted(p.name for p in schema.properties) == ["model", "year"]
    assert schema.associations[0].to_object_type_id == "0-1"
    objects = client.crm.objects
    car = objects.basic_api.create(
        schema.object_type_id,
        SimplePublicObjectInputForCreate(properties={"model": "Model T", "year": "1908"}),
    )
    by_fqn = objects.basic_api.get_by_id(schema.fully_qualified_name, car.id, properties=["year"])
    assert by_fqn.properties["year"] == "1908"
    by_name = objects.basic_api.get_page("cars", properties=["model"])
    assert [c.properties["model"] for c in by_name.results] == ["Model T"]
    found = objects.search_api.do_search(
        schema.object_type_id, PublicObjectSearchRequest(query="Model")
    )
    assert found.total == 1
    fetched = client.crm.schemas.core_api.get_by_id("cars")
    assert fetched.object_type_id == schema.object_type_id


def test_records_need_the_schemas_required_properties(api: Api, custom: Any) -> None:
    type_id = api.call("POST", "/crm/v3/schemas", custom, json=CARS).json()["objectTypeId"]
    missing = api.call("POST", f"/crm/v3/objects/{type_id}", custom, json={"properties": {}})
    assert missing.status_code == 400 and missing.json()["context"] == {"properties": ["model"]}


def test_associations_with_contacts_and_unknown_types(api: Api, custom: Any) -> None:
    type_id = api.call("POST", "/crm/v3/schemas", custom, json=CARS).json()["objectTypeId"]
    car = api.portal.create(type_id, {"model": "Beetle"})
    contact = api.portal.create("contacts", {"email": "ada@example.com"})
    put = api.call(
        "PUT",
        f"/crm/v4/objects/contacts/{contact.id}/associations/default/{type_id}/{car.id}",
        custom,
    )
    assert put.status_code == 200
    assert api.portal.associated(type_id, car.id, "contacts") == [contact.id]
    unknown = api.call("GET", "/crm/v3/objects/2-999999", custom)
    assert unknown.status_code == 400
    assert unknown.json()["message"] == "Unable to infer object type from: 2-999999"


def test_schema_validation_and_archive(api: Api, custom: Any) -> None:
    bad = dict(CARS, primaryDisplayProperty="nope")
    response = api.call("POST", "/crm-object-schemas/v3/schemas", custom, json=bad)
    assert response.status_code == 400 and response.json()["category"] == "VALIDATION_ERROR"
    created = api.call("POST", "/crm-object-schemas/v3/schemas", custom, json=CARS).json()
    again = api.call("POST", "/crm-object-schemas/v3/schemas", custom, json=CARS)
    assert again.status_code == 409
    car = api.portal.create(created["objectTypeId"], {"model": "Mini"})
    refused = api.call("DELETE", "/crm-object-schemas/v3/schemas/cars", custom)
    assert refused.status_code == 400
    api.portal.archive(created["objectTypeId"], car.id)
    assert api.call("DELETE", "/crm-object-schemas/v3/schemas/cars", custom).status_code == 204
    assert api.call("GET", "/crm-object-schemas/v3/schemas", custom).json() == {"results": []}


def test_a_seed_declares_the_type_id_the_action_hard_codes(
    tmp_path: Path, hubspot: Any, run_action: Any
) -> None:
    # `hsrun portal seed` with a schema at 2-7654321 and a record at id 5001, persisted.
    seed = {
        "schemas": [dict(CARS, objectTypeId="2-7654321")],
        "records": {"2-7654321": [{"id": 5001, "properties": {"model": "Model S"}}]},
    }
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(seed), encoding="utf-8")
    result = CliRunner().invoke(cli_app, ["portal", "seed", str(path)])
    assert result.exit_code == 0, result.stderr
    assert "5001" in result.stdout
    listed = CliRunner().invoke(cli_app, ["portal", "records", "get", "2-7654321", "5001"])
    assert "Model S" in listed.stdout
    # and an action enrolled on that type, in a test portal seeded the same way
    from runtime.fake_hubspot import seed_portal

    seed_portal(hubspot, seed)
    action = tmp_path / "car.py"
    action.write_text(
        "def main(event):\n    return {'outputFields': {'model': event['inputFields']['model']}}\n",
        encoding="utf-8",
    )
    (tmp_path / "car.toml").write_text(
        'object_type = "2-7654321"\n[inputs]\nmodel = "model"\n[outputs]\nmodel = "string"\n',
        encoding="utf-8",
    )
    run = run_action(action, object_id=5001)
    assert run.status == "SUCCESS", run.error
    assert run.outputs == {"model": "Model S"}
    assert run.event["object"] == {"objectType": "2-7654321", "objectId": 5001}
