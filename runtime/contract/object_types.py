"""HubSpot's CRM object types: the one table every part of hsrun reads.

Ids and names are HubSpot's "object type ID" table (developers.hubspot.com, "Using the object
APIs": contacts ``0-1``, companies ``0-2``, deals ``0-3``, tickets ``0-5``, products ``0-7``,
line items ``0-8``, quotes ``0-14``, communications ``0-18``, feedback submissions ``0-19``,
tasks ``0-27``, notes ``0-46``, meetings ``0-47``, calls ``0-48``, emails ``0-49``, invoices
``0-53``, subscriptions ``0-69``, goals ``0-74``, discounts ``0-84``, fees ``0-85``, taxes
``0-86``, payments ``0-101``, users ``0-115``, postal mail ``0-116``,
orders ``0-123``, leads ``0-136``, carts ``0-142``, services ``0-162``, courses ``0-410``,
listings ``0-420``, appointments ``0-421``; custom objects ``2-…``). The path names are the
ones the v3 object APIs and the official clients use (``/crm/v3/objects/line_items``,
``crm.objects.postal_mail``, ``/crm/v3/objects/commerce_payments``).

A path, a manifest, an event and a flow may name a type by its plural path name, its id, its
singular, or its upper-case workflow label (``CONTACT``, ``LINE_ITEM`` — what
``event.object.objectType`` says); :func:`find` accepts all of them, case-insensitively.

Required properties are the ones HubSpot's per-object guides mark "Required" on create
(``hs_timestamp`` on every activity; a product's ``name``; a quote's ``hs_title`` and
``hs_expiration_date``; a lead's ``hs_lead_name``). Stdlib only: the child-free parts of hsrun
(manifest, event, deploy, init) import this without starting the fake portal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: A custom object's type id (``2-7654321``), as HubSpot assigns it to a schema.
CUSTOM_TYPE_ID_RE = re.compile(r"^2-\d{1,18}\Z")


@dataclass(frozen=True)
class ObjectType:
    """One CRM object type.

    Attributes:
        name: plural API path name (``contacts``, ``line_items``).
        type_id: HubSpot's object type id (``0-1``; ``2-…`` for custom objects).
        singular: singular name (``contact``), used in association names and messages.
        label: upper-case name a workflow and ``event.object.objectType`` use (``CONTACT``).
        enrollable: whether a workflow can enroll records of this type (a custom code action
            can then run on them).
        modified_property: the last-modified property (contacts have no ``hs_`` prefix).
        created_property: the create-date property (``hs_createdate`` on newer types).
        default_properties: returned by GET without ``properties`` (besides the created,
            modified and id properties).
        search_properties: returned by search without ``properties``.
        query_properties: what a search ``query`` looks in.
        required_properties: a create without them is a 400.
        group_name: the default property group.
        primary_property: the primary display property (what a record is called).
        aliases: other names HubSpot accepts in paths.
    """

    name: str
    type_id: str
    singular: str
    label: str
    enrollable: bool = True
    modified_property: str = "hs_lastmodifieddate"
    created_property: str = "hs_createdate"
    default_properties: tuple[str, ...] = ()
    search_properties: tuple[str, ...] = ()
    query_properties: tuple[str, ...] = ()
    required_properties: tuple[str, ...] = ()
    group_name: str = ""
    primary_property: str = ""
    aliases: tuple[str, ...] = ()
    custom: bool = False

    def modified_and_created(self) -> tuple[str, ...]:
        """Properties HubSpot always adds to the default GET set (contract §4.6)."""
        return (self.created_property, self.modified_property, "hs_object_id")

    def names(self) -> tuple[str, ...]:
        """Every spelling that names this type."""
        return (self.name, self.type_id, self.singular, self.label, *self.aliases)


def _activity(
    name: str,
    type_id: str,
    singular: str,
    label: str,
    primary: str,
    defaults: tuple[str, ...],
    *,
    required: tuple[str, ...] = ("hs_timestamp",),
    query: tuple[str, ...] = (),
    enrollable: bool = True,
) -> ObjectType:
    """An engagement type: ``hs_timestamp`` required, ``hs_createdate`` as create date."""
    return ObjectType(
        name=name,
        type_id=type_id,
        singular=singular,
        label=label,
        enrollable=enrollable,
        default_properties=defaults,
        search_properties=tuple(sorted({*defaults, "hs_createdate", "hs_lastmodifieddate"})),
        query_properties=query or (primary,),
        required_properties=required,
        group_name=f"{singular}information",
        primary_property=primary,
    )


def _simple(
    name: str,
    type_id: str,
    singular: str,
    label: str,
    primary: str,
    *,
    enrollable: bool = True,
    required: tuple[str, ...] = (),
    defaults: tuple[str, ...] = (),
    aliases: tuple[str, ...] = (),
) -> ObjectType:
    shown = defaults or (primary,)
    return ObjectType(
        name=name,
        type_id=type_id,
        singular=singular,
        label=label,
        enrollable=enrollable,
        default_properties=shown,
        search_properties=tuple(sorted({*shown, "hs_createdate", "hs_lastmodifieddate"})),
        query_properties=(primary,),
        required_properties=required,
        group_name=f"{singular.replace('_', '')}information",
        primary_property=primary,
        aliases=aliases,
    )


CONTACTS = ObjectType(
    name="contacts",
    type_id="0-1",
    singular="contact",
    label="CONTACT",
    modified_property="lastmodifieddate",
    created_property="createdate",
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
    primary_property="email",
)
COMPANIES = ObjectType(
    name="companies",
    type_id="0-2",
    singular="company",
    label="COMPANY",
    created_property="createdate",
    default_properties=("name", "domain"),
    search_properties=("createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"),
    query_properties=("name", "domain", "website", "phone"),
    group_name="companyinformation",
    primary_property="name",
)
DEALS = ObjectType(
    name="deals",
    type_id="0-3",
    singular="deal",
    label="DEAL",
    created_property="createdate",
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
    primary_property="dealname",
)
TICKETS = ObjectType(
    name="tickets",
    type_id="0-5",
    singular="ticket",
    label="TICKET",
    created_property="createdate",
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
    primary_property="subject",
)
PRODUCTS = _simple(
    "products",
    "0-7",
    "product",
    "PRODUCT",
    "name",
    required=("name",),
    defaults=("name", "description", "price"),
)
LINE_ITEMS = _simple(
    "line_items",
    "0-8",
    "line_item",
    "LINE_ITEM",
    "name",
    defaults=("name", "quantity", "price", "amount"),
    aliases=("lineitems", "lineitem"),
)
QUOTES = _simple(
    "quotes",
    "0-14",
    "quote",
    "QUOTE",
    "hs_title",
    required=("hs_title", "hs_expiration_date"),
    defaults=("hs_title", "hs_expiration_date"),
)
COMMUNICATIONS = _activity(
    "communications",
    "0-18",
    "communication",
    "COMMUNICATION",
    "hs_communication_body",
    ("hs_communication_channel_type", "hs_communication_body"),
    required=("hs_timestamp", "hs_communication_channel_type"),
)
FEEDBACK_SUBMISSIONS = _simple(
    "feedback_submissions",
    "0-19",
    "feedback_submission",
    "FEEDBACK_SUBMISSION",
    "hs_content",
)
TASKS = _activity(
    "tasks",
    "0-27",
    "task",
    "TASK",
    "hs_task_subject",
    ("hs_task_subject", "hs_task_status", "hs_task_priority", "hs_timestamp"),
    query=("hs_task_subject", "hs_task_body"),
)
NOTES = _activity("notes", "0-46", "note", "NOTE", "hs_note_body", ("hs_note_body", "hs_timestamp"))
MEETINGS = _activity(
    "meetings",
    "0-47",
    "meeting",
    "MEETING",
    "hs_meeting_title",
    ("hs_meeting_title", "hs_meeting_start_time", "hs_meeting_end_time", "hs_timestamp"),
)
CALLS = _activity(
    "calls",
    "0-48",
    "call",
    "CALL",
    "hs_call_title",
    ("hs_call_title", "hs_call_body", "hs_timestamp"),
)
EMAILS = _activity(
    "emails",
    "0-49",
    "email",
    "EMAIL",
    "hs_email_subject",
    ("hs_email_subject", "hs_email_direction", "hs_timestamp"),
)
INVOICES = _simple("invoices", "0-53", "invoice", "INVOICE", "hs_title", defaults=("hs_title",))
SUBSCRIPTIONS = _simple("subscriptions", "0-69", "subscription", "SUBSCRIPTION", "hs_name")
PAYMENTS = _simple(
    "commerce_payments",
    "0-101",
    "commerce_payment",
    "PAYMENT",
    "hs_initial_amount",
    aliases=("payments", "payment"),
)
USERS = _simple("users", "0-115", "user", "USER", "hs_email", enrollable=False)
POSTAL_MAIL = _activity(
    "postal_mail",
    "0-116",
    "postal_mail",
    "POSTAL_MAIL",
    "hs_postal_mail_body",
    ("hs_postal_mail_body", "hs_timestamp"),
    enrollable=False,
)
ORDERS = _simple("orders", "0-123", "order", "ORDER", "hs_order_name")
LEADS = _simple("leads", "0-136", "lead", "LEAD", "hs_lead_name", required=("hs_lead_name",))
CARTS = _simple("carts", "0-142", "cart", "CART", "hs_cart_name")
SERVICES = _simple("services", "0-162", "service", "SERVICE", "hs_name")
COURSES = _simple("courses", "0-410", "course", "COURSE", "hs_course_name")
LISTINGS = _simple("listings", "0-420", "listing", "LISTING", "hs_name")
GOALS = _simple(
    "goal_targets",
    "0-74",
    "goal_target",
    "GOAL_TARGET",
    "hs_goal_name",
    enrollable=False,
    aliases=("goals", "goal"),
)
DISCOUNTS = _simple("discounts", "0-84", "discount", "DISCOUNT", "hs_label", enrollable=False)
FEES = _simple("fees", "0-85", "fee", "FEE", "hs_label", enrollable=False)
TAXES = _simple("taxes", "0-86", "tax", "TAX", "hs_label", enrollable=False)
APPOINTMENTS = _simple("appointments", "0-421", "appointment", "APPOINTMENT", "hs_appointment_name")

#: Every standard type, in HubSpot's id order after the four classic ones.
OBJECT_TYPES: tuple[ObjectType, ...] = (
    CONTACTS,
    COMPANIES,
    DEALS,
    TICKETS,
    PRODUCTS,
    LINE_ITEMS,
    QUOTES,
    COMMUNICATIONS,
    FEEDBACK_SUBMISSIONS,
    TASKS,
    NOTES,
    MEETINGS,
    CALLS,
    EMAILS,
    INVOICES,
    SUBSCRIPTIONS,
    GOALS,
    DISCOUNTS,
    FEES,
    TAXES,
    PAYMENTS,
    USERS,
    POSTAL_MAIL,
    ORDERS,
    LEADS,
    CARTS,
    SERVICES,
    COURSES,
    LISTINGS,
    APPOINTMENTS,
)
#: Engagement (activity) types: associated to records with HubSpot-defined type ids.
ACTIVITY_TYPES: tuple[ObjectType, ...] = (
    NOTES,
    TASKS,
    CALLS,
    EMAILS,
    MEETINGS,
    COMMUNICATIONS,
    POSTAL_MAIL,
)
#: Workflow labels of the types a workflow can enroll (``object_type`` in a manifest).
ENROLLABLE_LABELS: tuple[str, ...] = tuple(t.label for t in OBJECT_TYPES if t.enrollable)

_BY_NAME: dict[str, ObjectType] = {}
for _type in OBJECT_TYPES:
    for _alias in _type.names():
        _BY_NAME[_alias.lower()] = _type


def find(name: str) -> ObjectType | None:
    """The standard type a path, manifest, event or flow names, or ``None``."""
    return _BY_NAME.get(name.strip().lower())


def is_custom_type_id(value: str) -> bool:
    """Whether ``value`` is a custom object type id (``2-7654321``)."""
    return bool(CUSTOM_TYPE_ID_RE.match(value.strip()))


def enrollable_label(value: str) -> str | None:
    """The workflow label for a type a manifest may name (``MEETING``, ``2-123``), or ``None``.

    Custom objects are enrolled by their type id, which is returned unchanged.
    """
    if is_custom_type_id(value):
        return value.strip()
    found = find(value)
    if found is None or not found.enrollable:
        return None
    return found.label


def custom_type(
    *,
    type_id: str,
    name: str,
    singular: str,
    fully_qualified_name: str,
    primary_property: str,
    searchable: tuple[str, ...],
    required: tuple[str, ...] = (),
) -> ObjectType:
    """An :class:`ObjectType` for a custom object schema (``2-…``).

    Its path name is the type id (stable, unique); paths may also name it by its fully
    qualified name (``p{portalId}_cars``) or its schema name (``cars``).
    """
    primary = (primary_property,) if primary_property else ()
    return ObjectType(
        name=type_id,
        type_id=type_id,
        singular=singular,
        label=type_id,
        default_properties=primary,
        search_properties=tuple(sorted({*primary, "hs_createdate", "hs_lastmodifieddate"})),
        query_properties=searchable or primary,
        required_properties=required,
        group_name=f"{singular}_information",
        primary_property=primary_property,
        aliases=(fully_qualified_name, name),
        custom=True,
    )
