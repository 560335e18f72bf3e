"""The CRM object types the fake knows, and how a path names them.

Contract §4: contacts ``0-1``, companies ``0-2``, deals ``0-3``, tickets ``0-5``. The generic
endpoints accept the plural name or the type id; defensively the singular and HubSpot's
upper-case ``CONTACT`` spelling (what a workflow's ``objectType`` says) work too.
"""

from __future__ import annotations

from dataclasses import dataclass

from runtime.fake_hubspot.core.errors import ValidationError


@dataclass(frozen=True)
class ObjectType:
    """One CRM object type.

    Attributes:
        name: plural API name (``contacts``).
        type_id: HubSpot's object type id (``0-1``).
        singular: singular name (``contact``), also used in association names.
        label: upper-case label used in batch error messages (``CONTACT``).
        modified_property: the last-modified property (contacts have no ``hs_`` prefix).
        default_properties: returned by GET without ``properties`` (contract §4.6).
        search_properties: returned by search without ``properties`` (contract §4.4).
        query_properties: what a search ``query`` looks in.
        group_name: the default property group.
    """

    name: str
    type_id: str
    singular: str
    label: str
    modified_property: str
    default_properties: tuple[str, ...]
    search_properties: tuple[str, ...]
    query_properties: tuple[str, ...]
    group_name: str

    def modified_and_created(self) -> tuple[str, ...]:
        """Properties HubSpot always adds to the default GET set (contract §4.6)."""
        return ("createdate", self.modified_property, "hs_object_id")


CONTACTS = ObjectType(
    name="contacts",
    type_id="0-1",
    singular="contact",
    label="CONTACT",
    modified_property="lastmodifieddate",
    default_properties=("email", "firstname", "lastname"),
    search_properties=(
        "createdate",
        "email",
        "firstname",
        "hs_object_id",
        "lastmodifieddate",
        "lastname",
    ),
    query_properties=("email", "firstname", "lastname", "phone", "company", "website"),
    group_name="contactinformation",
)
COMPANIES = ObjectType(
    name="companies",
    type_id="0-2",
    singular="company",
    label="COMPANY",
    modified_property="hs_lastmodifieddate",
    default_properties=("name", "domain"),
    search_properties=("createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"),
    query_properties=("name", "domain", "website", "phone"),
    group_name="companyinformation",
)
DEALS = ObjectType(
    name="deals",
    type_id="0-3",
    singular="deal",
    label="DEAL",
    modified_property="hs_lastmodifieddate",
    default_properties=("dealname", "amount", "closedate", "pipeline", "dealstage"),
    search_properties=(
        "amount",
        "closedate",
        "createdate",
        "dealname",
        "dealstage",
        "hs_lastmodifieddate",
        "hs_object_id",
        "pipeline",
    ),
    query_properties=("dealname",),
    group_name="dealinformation",
)
TICKETS = ObjectType(
    name="tickets",
    type_id="0-5",
    singular="ticket",
    label="TICKET",
    modified_property="hs_lastmodifieddate",
    default_properties=(
        "content",
        "hs_pipeline",
        "hs_pipeline_stage",
        "hs_ticket_category",
        "hs_ticket_priority",
        "subject",
    ),
    search_properties=(
        "content",
        "createdate",
        "hs_lastmodifieddate",
        "hs_object_id",
        "hs_pipeline",
        "hs_pipeline_stage",
        "hs_ticket_category",
        "hs_ticket_priority",
        "subject",
    ),
    query_properties=("subject", "content"),
    group_name="ticketinformation",
)

OBJECT_TYPES: tuple[ObjectType, ...] = (CONTACTS, COMPANIES, DEALS, TICKETS)

_ALIASES: dict[str, ObjectType] = {}
for _type in OBJECT_TYPES:
    for _alias in (_type.name, _type.type_id, _type.singular, _type.label):
        _ALIASES[_alias.lower()] = _type


def resolve_object_type(name: str) -> ObjectType:
    """The object type a path or a workflow names.

    Raises:
        ValidationError: an unknown type. UNCONFIRMED wording; HubSpot answers unknown types
            with a 400 "Unable to infer object type from: ...".
    """
    found = _ALIASES.get(name.strip().lower())
    if found is None:
        raise ValidationError(f"Unable to infer object type from: {name}")
    return found


def find_object_type(name: str) -> ObjectType | None:
    """Like :func:`resolve_object_type` but ``None`` for an unknown name."""
    return _ALIASES.get(name.strip().lower())
