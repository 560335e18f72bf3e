"""Associations v3 through ``hubspot.crm.associations`` and requests, over the v4 store."""

from __future__ import annotations

from typing import Any

from hubspot.crm.associations import (
    BatchInputPublicAssociation,
    BatchInputPublicObjectId,
    PublicAssociation,
    PublicObjectId,
)

Api = Any


def _pair(api: Api) -> tuple[str, str]:
    contact = api.portal.create("contacts", {"email": "ada@example.com"}).id
    company = api.portal.create("companies", {"name": "Acme"}).id
    return contact, company


def test_batch_create_then_read_through_the_v3_client(api: Api, client: Any) -> None:
    contact, company = _pair(api)
    created = client.crm.associations.batch_api.create(
        "contacts",
        "companies",
        BatchInputPublicAssociation(
            inputs=[
                PublicAssociation(
                    _from=PublicObjectId(id=contact),
                    to=PublicObjectId(id=company),
                    type="contact_to_company",
                )
            ]
        ),
    )
    assert created.status == "COMPLETE"
    assert (created.results[0]._from.id, created.results[0].to.id) == (contact, company)
    assert created.results[0].type == "contact_to_company"
    read = client.crm.associations.batch_api.read(
        "contacts", "companies", BatchInputPublicObjectId(inputs=[PublicObjectId(id=contact)])
    )
    assert read.results[0]._from.id == contact
    assert [(t.id, t.type) for t in read.results[0].to] == [(company, "contact_to_company")]
    # the same association seen through v4: the Primary label
    assert api.portal.associated("companies", company, "contacts") == [contact]


def test_raw_v3_shapes_archive_and_types(api: Api, app: Any) -> None:
    contact, company = _pair(api)
    body = {"inputs": [{"from": {"id": contact}, "to": {"id": company}, "type": "279"}]}
    created = api.call(
        "POST", "/crm/v3/associations/contacts/companies/batch/create", app, json=body
    )
    assert created.status_code == 201
    result = created.json()
    assert set(result) >= {"status", "results", "startedAt", "completedAt"}
    assert result["results"] == [
        {"from": {"id": contact}, "to": {"id": company}, "type": "contact_to_company_unlabeled"}
    ]
    types = api.call("GET", "/crm/v3/associations/contacts/companies/types", app).json()
    assert {"id": "279", "name": "contact_to_company_unlabeled"} in types["results"]
    archived = api.call(
        "POST", "/crm/v3/associations/contacts/companies/batch/archive", app, json=body
    )
    assert archived.status_code == 204
    assert api.portal.associated("contacts", contact, "companies") == []
    missing = api.call(
        "POST",
        "/crm/v3/associations/contacts/companies/batch/read",
        app,
        json={"inputs": [{"id": contact}]},
    )
    assert missing.status_code == 207 and missing.json()["numErrors"] == 1


def test_per_object_v3_paths(api: Api, app: Any) -> None:
    contact, company = _pair(api)
    base = f"/crm/v3/objects/contacts/{contact}/associations/companies"
    put = api.call("PUT", f"{base}/{company}/contact_to_company", app)
    assert put.status_code == 200
    assert put.json()["associations"]["companies"]["results"] == [
        {"id": company, "type": "contact_to_company"}
    ]
    listed = api.call("GET", base, app).json()
    assert listed["results"] == [{"id": company, "type": "contact_to_company"}]
    assert api.call("DELETE", f"{base}/{company}/contact_to_company", app).status_code == 204
    assert api.call("GET", base, app).json()["results"] == []
    bad = api.call("PUT", f"{base}/{company}/no_such_type", app)
    assert bad.status_code == 400 and bad.json()["category"] == "VALIDATION_ERROR"
