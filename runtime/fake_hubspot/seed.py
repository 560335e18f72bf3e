"""Seeding a portal from a JSON document (``hsrun portal seed FILE.json``) or the demo set.

A seed document (every key optional)::

    {
      "portal": {"tier": "professional"},
      "apps": [{"name": "ci", "scopes": ["crm.objects.contacts.read"]}],
      "owners": [{"ref": "sam", "email": "sam@example.com", "firstName": "Sam"},
                 {"email": "kim@example.com", "id": 75201345, "userId": 9112}],
      "properties": {"contacts": [{"name": "tier", "label": "Tier", "type": "enumeration",
                                   "fieldType": "select",
                                   "options": [{"label": "Gold", "value": "gold"}]}]},
      "records": {"contacts": [{"ref": "ada", "properties": {"email": "ada@example.com",
                                                            "hubspot_owner_id": "@sam"}}],
                  "companies": [{"ref": "acme", "properties": {"name": "Acme"}}]},
      "associationLabels": [{"from": "contacts", "to": "companies", "label": "Billing contact",
                             "inverseLabel": "Billed company", "typeId": 41,
                             "inverseTypeId": 42}],
      "associations": [{"from": "contacts:ada", "to": "companies:acme"},
                       {"from": "contacts:ada", "to": "companies:acme", "typeId": 1},
                       {"from": "contacts:ada", "to": "companies:acme", "typeId": 41,
                        "category": "USER_DEFINED"}],
      "flows": [{"type": "CONTACT_FLOW", "objectTypeId": "0-1", "flowType": "WORKFLOW", ...}]
    }

Ids are allocated by the portal unless an entry gives its own, because real actions hard-code
their portal's ids: a record's ``id``, a schema's ``objectTypeId``, an owner's ``id`` and
``userId``, an association label's ``typeId`` and ``inverseTypeId`` (default: ``typeId + 1``).
A chosen id something else already holds is an error naming the entry and the holder; seeding
the same document twice finds its owners and labels again. ``ref`` names let associations and
``hubspot_owner_id`` (``"@<owner ref>"``) point at seeded entries. Records go through
HubSpot's validation, so a seed that HubSpot would refuse is refused here too, naming the
entry. ``flows`` are Workflows
v4 create requests (``POST /automation/v4/flows`` bodies); their ids are allocated too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from runtime.errors import PortalError
from runtime.fake_hubspot.automation.models import flows_of
from runtime.fake_hubspot.core.errors import HubSpotError
from runtime.fake_hubspot.core.object_types import custom_types, resolve_object_type
from runtime.fake_hubspot.portal import FakePortal


def _list(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise PortalError(f"seed: '{key}' must be a list")
    return value


def _dict(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise PortalError(f"seed: '{key}' must be an object")
    return value


#: Top-level keys of a seed document.
SEED_KEYS = frozenset(
    {
        "portal",
        "apps",
        "owners",
        "schemas",
        "properties",
        "records",
        "associationLabels",
        "associations",
        "flows",
        "hubdb",
        "marketingEmails",
    }
)


def seed_portal(
    portal: FakePortal,
    data: dict[str, Any],
    *,
    created: list[tuple[str, str, str]] | None = None,
) -> dict[str, int]:
    """Add everything in a seed document; counts of what was created.

    ``created``, when given, receives ``(type, id, name)`` for each record created (the name
    is the record's ``ref`` or its primary display property), so a caller can show ids.

    Raises:
        PortalError: a malformed document or an entry HubSpot would refuse (named by path).
    """
    if not isinstance(data, dict):
        raise PortalError("seed: the document must be a JSON object")
    unknown = sorted(set(data) - SEED_KEYS)
    if unknown:
        # A misspelt key ("record") would otherwise seed nothing and say nothing.
        raise PortalError(
            f"seed: unknown key(s) {', '.join(unknown)}; the keys are "
            f"{', '.join(sorted(SEED_KEYS))}"
        )
    with custom_types(portal.custom_type):
        return _seed(portal, data, created)


def _seed(
    portal: FakePortal, data: dict[str, Any], created: list[tuple[str, str, str]] | None
) -> dict[str, int]:
    counts = {
        "apps": 0,
        "owners": 0,
        "schemas": 0,
        "hubdb tables": 0,
        "marketing emails": 0,
        "properties": 0,
        "records": 0,
        "association labels": 0,
        "associations": 0,
        "flows": 0,
    }
    with portal.lock:
        meta = _dict(data, "portal")
        if "tier" in meta:
            portal.set_tier(str(meta["tier"]), packs=int(meta.get("packs", 0)))
        for i, app in enumerate(_list(data, "apps")):
            where = f"apps[{i}]"
            if not isinstance(app, dict) or not app.get("name"):
                raise PortalError(f"seed {where}: needs a name")
            _known_keys(app, where, {"name", "scopes"})
            if app["name"] not in portal.apps.apps:
                portal.apps.create(str(app["name"]), [str(s) for s in app.get("scopes", [])])
                counts["apps"] += 1
        owners: dict[str, str] = {}
        for i, owner in enumerate(_list(data, "owners")):
            where = f"owners[{i}]"
            if not isinstance(owner, dict) or not owner.get("email"):
                raise PortalError(f"seed {where}: needs an email")
            _known_keys(owner, where, {"ref", "email", "firstName", "lastName", "id", "userId"})
            existing, made = _seed_owner(portal, owner, where)
            counts["owners"] += made
            owners[str(owner.get("ref") or owner["email"])] = str(existing.id)
        for i, egg in enumerate(_list(data, "schemas")):
            where = f"schemas[{i}]"
            if not isinstance(egg, dict):
                raise PortalError(f"seed {where}: must be an object")
            body = {k: v for k, v in egg.items() if k != "objectTypeId"}
            body.setdefault("associatedObjects", [])
            type_id = egg.get("objectTypeId")
            _guard(where, _create_schema, portal, body, None if type_id is None else str(type_id))
            counts["schemas"] += 1
        for type_name, props in _dict(data, "properties").items():
            kind = _kind(type_name, "properties")
            for i, prop in enumerate(props if isinstance(props, list) else []):
                where = f"properties.{type_name}[{i}]"
                if not isinstance(prop, dict):
                    raise PortalError(f"seed {where}: must be an object")
                body = {"groupName": kind.group_name, **prop}
                _guard(where, portal.properties.create, kind, body)
                counts["properties"] += 1
        refs: dict[str, str] = {}
        for type_name, records in _dict(data, "records").items():
            kind = _kind(type_name, "records")
            for i, item in enumerate(records if isinstance(records, list) else []):
                where = f"records.{type_name}[{i}]"
                if not isinstance(item, dict):
                    raise PortalError(f"seed {where}: must be an object")
                _known_keys(item, where, {"ref", "id", "properties"})
                if not isinstance(item.get("properties", {}), dict):
                    raise PortalError(f"seed {where}: properties must be an object")
                props = {
                    k: (owners.get(v[1:], v) if isinstance(v, str) and v.startswith("@") else v)
                    for k, v in dict(item.get("properties", {})).items()
                }
                record = _guard(where, _create_record, portal, kind, props, item.get("id"), where)
                if item.get("ref"):
                    refs[f"{kind.name}:{item['ref']}"] = str(record.id)
                counts["records"] += 1
                if created is not None:
                    name = str(item.get("ref") or record.value(kind.primary_property) or "")
                    created.append((kind.name, str(record.id), name))
        for i, egg in enumerate(_list(data, "associationLabels")):
            where = f"associationLabels[{i}]"
            if not isinstance(egg, dict):
                raise PortalError(f"seed {where}: must be an object")
            _known_keys(
                egg, where, {"from", "to", "label", "inverseLabel", "typeId", "inverseTypeId"}
            )
            counts["association labels"] += _seed_label(portal, egg, where)
        for i, link in enumerate(_list(data, "associations")):
            where = f"associations[{i}]"
            if not isinstance(link, dict):
                raise PortalError(f"seed {where}: must be an object")
            _known_keys(link, where, {"from", "to", "typeId", "category"})
            a_type, a_id = _endpoint(str(link.get("from", "")), refs, where)
            b_type, b_id = _endpoint(str(link.get("to", "")), refs, where)
            type_id = link.get("typeId")
            category = str(link.get("category", "HUBSPOT_DEFINED"))
            if type_id is None:
                _guard(where, portal.associations.add_default, a_type, a_id, b_type, b_id)
            else:
                if isinstance(type_id, bool) or not str(type_id).isdigit():
                    raise PortalError(f"seed {where}: typeId must be a number, got {type_id!r}")
                spec = [(category, int(type_id))]
                if portal.associations.type_of(a_type.name, b_type.name, spec[0]) is None:
                    raise PortalError(
                        f"seed {where}: no {category} association type {type_id} from "
                        f"{a_type.name} to {b_type.name}"
                    )
                _guard(where, portal.associations.add, a_type, a_id, b_type, b_id, spec)
            counts["associations"] += 1
        for i, table in enumerate(_list(data, "hubdb")):
            where = f"hubdb[{i}]"
            if not isinstance(table, dict):
                raise PortalError(f"seed {where}: must be an object")
            _known_keys(table, where, {"name", "label", "columns", "rows"})
            _guard(where, _seed_table, portal, table)
            counts["hubdb tables"] += 1
        for i, email in enumerate(_list(data, "marketingEmails")):
            where = f"marketingEmails[{i}]"
            if not isinstance(email, dict):
                raise PortalError(f"seed {where}: must be an object")
            _known_keys(email, where, {"name", "subject", "state", "type", "from"})
            _guard(where, _seed_email, portal, email)
            counts["marketing emails"] += 1
        for i, flow in enumerate(_list(data, "flows")):
            if not isinstance(flow, dict):
                raise PortalError(f"seed flows[{i}]: must be an object")
            _guard(f"flows[{i}]", flows_of(portal).create, flow)
            counts["flows"] += 1
    return counts


def _seed_id(value: Any, where: str, key: str) -> int | None:
    if value is None:
        return None
    text = str(value)
    if isinstance(value, bool) or not text.isdigit() or len(text) > 18:
        raise PortalError(f"seed {where}: {key} must be a number, got {value!r}")
    return int(text)


def _seed_owner(portal: FakePortal, owner: dict[str, Any], where: str) -> tuple[Any, int]:
    """The owner an entry names: found again by email (a seed run twice), else created at
    its chosen ids; (owner, 1 if created)."""
    email = str(owner["email"])
    owner_id = _seed_id(owner.get("id"), where, "id")
    user_id = _seed_id(owner.get("userId"), where, "userId")
    existing = next(
        (o for o in portal.owners.owners.values() if o.email.lower() == email.lower()), None
    )
    if existing is not None:
        for chosen, have, key in (
            (owner_id, existing.id, "id"),
            (user_id, existing.user_id, "userId"),
        ):
            if chosen is not None and chosen != have:
                raise PortalError(
                    f"seed {where}: the owner {email} exists with {key} {have}, not {chosen}"
                )
        return existing, 0
    try:
        made = portal.owners.create(
            email,
            str(owner.get("firstName", "")),
            str(owner.get("lastName", "")),
            owner_id=owner_id,
            user_id=user_id,
        )
    except PortalError as exc:
        raise PortalError(f"seed {where}: {exc}") from exc
    bump = getattr(portal.ids, "bump", None)
    if bump is not None:  # later owners are allocated above a seeded id
        bump("owners", made.id)
        bump("users", made.user_id)
    return made, 1


def _seed_label(portal: FakePortal, egg: dict[str, Any], where: str) -> int:
    """A user-defined association label, at its chosen typeIds; 1 if created (0: the same
    label with the same typeId exists, a seed run twice)."""
    from_type = _kind(str(egg.get("from", "")), where)
    to_type = _kind(str(egg.get("to", "")), where)
    label = str(egg.get("label") or "")
    type_id = _seed_id(egg.get("typeId"), where, "typeId")
    inverse_id = _seed_id(egg.get("inverseTypeId"), where, "inverseTypeId")
    if inverse_id is not None and type_id is None:
        raise PortalError(f"seed {where}: inverseTypeId needs a typeId")
    associations = portal.associations
    for existing in associations.types_between(from_type, to_type):
        if existing.label == label and label:
            if type_id in (None, existing.type_id):
                return 0
            raise PortalError(
                f"seed {where}: the label '{label}' exists with typeId {existing.type_id}, "
                f"not {type_id}"
            )
    ids = None if type_id is None else (type_id, type_id + 1 if inverse_id is None else inverse_id)
    inverse = egg.get("inverseLabel")
    _guard(
        where,
        lambda: associations.create_label(
            from_type, to_type, label, None if inverse is None else str(inverse), type_ids=ids
        ),
    )
    return 1


def _seed_email(portal: FakePortal, data: dict[str, Any]) -> None:
    from runtime.fake_hubspot.marketing.models import MarketingEmailsBackend

    portal.backend(MarketingEmailsBackend).add(data)


def _seed_table(portal: FakePortal, data: dict[str, Any]) -> None:
    """A HubDB table with its rows, published (what an action reads)."""
    from runtime.fake_hubspot.hubdb.models import HubDbBackend

    hubdb = portal.backend(HubDbBackend)
    table = hubdb.create_table({k: v for k, v in data.items() if k != "rows"})
    rows = data.get("rows") or []
    if not isinstance(rows, list):
        raise PortalError("rows must be an array")
    for row in rows:
        if not isinstance(row, dict):
            raise PortalError("each row must be an object")
        hubdb.create_row(table, row)
    hubdb.publish(table)


def _create_schema(portal: FakePortal, body: dict[str, Any], type_id: str | None) -> Any:
    from runtime.fake_hubspot.schemas.models import SchemasBackend

    return portal.backend(SchemasBackend).create(body, type_id=type_id)


def _create_record(
    portal: FakePortal, kind: Any, props: dict[str, Any], wanted: Any, where: str
) -> Any:
    """A record with HubSpot's validation, at the seed's own ``id`` when it gives one."""
    if wanted is None:
        return portal.objects.create(kind, props)
    text = str(wanted)
    if isinstance(wanted, bool) or not text.isdigit() or len(text) > 18:
        raise PortalError(f"seed {where}: id must be a number, got {wanted!r}")
    objects = portal.objects
    values = objects.normalise(kind, props)
    objects.check_required(kind, values)
    objects.check_unique(kind, values, None)
    return objects.insert(kind, values, record_id=int(text))


def _known_keys(entry: dict[str, Any], where: str, allowed: set[str]) -> None:
    # A misspelt key ("propertes") would otherwise be dropped without a word.
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise PortalError(
            f"seed {where}: unknown key(s) {', '.join(unknown)}; the keys are "
            f"{', '.join(sorted(allowed))}"
        )


def _kind(name: str, section: str) -> Any:
    try:
        return resolve_object_type(name)
    except HubSpotError:
        raise PortalError(f"seed {section}: unknown object type {name!r}") from None


def _guard(where: str, action: Callable[..., Any], *args: Any) -> Any:
    try:
        return action(*args)
    except HubSpotError as exc:
        raise PortalError(f"seed {where}: {exc.message}") from exc


def _endpoint(text: str, refs: dict[str, str], where: str) -> tuple[Any, int]:
    type_name, _, ident = text.partition(":")
    kind = _kind(type_name, where)
    key = f"{kind.name}:{ident}"
    if key in refs:
        return kind, int(refs[key])
    if ident.isdigit():
        return kind, int(ident)
    raise PortalError(f"seed {where}: {text!r} names no seeded record (use '<type>:<ref>')")


#: The demo flow's custom code: a starter written in HubSpot's editor, not deployed by hsrun
#: (it has no hash marker, so a first ``hsrun deploy`` onto it needs ``--force``).
DEMO_FLOW_CODE = """def main(event):
    email = event.get("inputFields").get("email")
    return {"outputFields": {"email": email}}
"""


def demo_flow() -> dict[str, Any]:
    """A contact workflow whose first action is a Python custom code action (id ``1``)."""
    return {
        "type": "CONTACT_FLOW",
        "objectTypeId": "0-1",
        "flowType": "WORKFLOW",
        "name": "Archive contacts (hsrun demo)",
        "isEnabled": False,
        "startActionId": "1",
        "enrollmentCriteria": {"type": "MANUAL", "shouldReEnroll": False},
        "actions": [
            {
                "type": "CUSTOM_CODE",
                "actionId": "1",
                "runtime": "PYTHON39",
                "sourceCode": DEMO_FLOW_CODE,
                "secretNames": [],
                "inputFields": [
                    {"name": "email", "value": {"type": "OBJECT_PROPERTY", "propertyName": "email"}}
                ],
                "outputFields": [{"name": "email", "type": "STRING"}],
            }
        ],
        "blockedDates": [],
        "timeWindows": [],
        "customProperties": {},
        "dataSources": [],
        "suppressionListIds": [],
        "canEnrollFromSalesforce": False,
    }


def demo_dataset() -> dict[str, Any]:
    """A small, deterministic sales portal: owners, companies, contacts, deals, tickets, and
    one workflow with a custom code action."""
    owners = [
        {"ref": "sam", "email": "sam.owner@example.com", "firstName": "Sam", "lastName": "Rivera"},
        {"ref": "kim", "email": "kim.owner@example.com", "firstName": "Kim", "lastName": "Okafor"},
    ]
    companies = [
        ("acme", "Acme Corp", "acme.example", "Manufacturing", "250"),
        ("globex", "Globex", "globex.example", "Energy", "1200"),
        ("initech", "Initech", "initech.example", "Software", "80"),
    ]
    people = [
        ("ada", "Ada", "Lovelace", "acme", "customer"),
        ("alan", "Alan", "Turing", "acme", "lead"),
        ("grace", "Grace", "Hopper", "globex", "opportunity"),
        ("linus", "Linus", "Pauling", "globex", "lead"),
        ("marie", "Marie", "Curie", "initech", "customer"),
        ("nikola", "Nikola", "Tesla", "initech", "subscriber"),
    ]
    deals = [
        ("renewal", "Acme renewal", "12000", "contractsent", "acme", "ada"),
        ("pilot", "Globex pilot", "4500", "qualifiedtobuy", "globex", "grace"),
        ("expansion", "Initech expansion", "30000", "closedwon", "initech", "marie"),
    ]
    data: dict[str, Any] = {
        "owners": owners,
        "records": {
            "companies": [
                {
                    "ref": ref,
                    "properties": {
                        "name": name,
                        "domain": domain,
                        "industry": industry,
                        "numberofemployees": size,
                        "hubspot_owner_id": "@sam",
                    },
                }
                for ref, name, domain, industry, size in companies
            ],
            "contacts": [
                {
                    "ref": ref,
                    "properties": {
                        "email": f"{first.lower()}.{last.lower()}@{company}.example",
                        "firstname": first,
                        "lastname": last,
                        "lifecyclestage": stage,
                        "hubspot_owner_id": "@kim" if i % 2 else "@sam",
                    },
                }
                for i, (ref, first, last, company, stage) in enumerate(people)
            ],
            "deals": [
                {
                    "ref": ref,
                    "properties": {
                        "dealname": name,
                        "amount": amount,
                        "dealstage": stage,
                        "pipeline": "default",
                        "hubspot_owner_id": "@sam",
                    },
                }
                for ref, name, amount, stage, _, _ in deals
            ],
            "tickets": [
                {
                    "ref": "login",
                    "properties": {
                        "subject": "Cannot log in",
                        "hs_pipeline": "0",
                        "hs_pipeline_stage": "1",
                        "hs_ticket_priority": "HIGH",
                    },
                },
                {
                    "ref": "invoice",
                    "properties": {
                        "subject": "Invoice question",
                        "hs_pipeline": "0",
                        "hs_pipeline_stage": "2",
                        "hs_ticket_category": "BILLING_ISSUE",
                    },
                },
            ],
        },
        "associations": (
            [
                {"from": f"contacts:{ref}", "to": f"companies:{company}"}
                for ref, _, _, company, _ in people
            ]
            + [
                {"from": f"deals:{ref}", "to": f"companies:{company}"}
                for ref, *_, company, _ in deals
            ]
            + [{"from": f"deals:{ref}", "to": f"contacts:{contact}"} for ref, *_, contact in deals]
            + [
                {"from": "contacts:ada", "to": "tickets:login"},
                {"from": "contacts:grace", "to": "tickets:invoice"},
            ]
        ),
        "flows": [demo_flow()],
    }
    return data
