"""HubSpot-defined association types (contract §4.7): ids, labels, names and inverses.

The contract's table for contacts, companies, deals and tickets (confirmed: 279, 1/2, 3/4,
5/6, 15/16, 25/26, 27/28; UNCONFIRMED: 280, 339/340, 341/342), and HubSpot's published ids
for engagements and commerce objects to records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

HUBSPOT_DEFINED = "HUBSPOT_DEFINED"
USER_DEFINED = "USER_DEFINED"
CATEGORIES = (HUBSPOT_DEFINED, "INTEGRATOR_DEFINED", USER_DEFINED, "WORK")
FIRST_USER_TYPE_ID = 1000

Spec = tuple[str, int]  # (category, typeId)


@dataclass(frozen=True)
class AssociationType:
    """One association type of a (from, to) pair."""

    from_type: str
    to_type: str
    type_id: int
    category: str
    label: str | None
    name: str
    inverse_id: int

    def spec(self) -> Spec:
        return (self.category, self.type_id)

    def to_api(self) -> dict[str, Any]:
        return {"category": self.category, "typeId": self.type_id, "label": self.label}


def _pair(
    a: str, b: str, a_to_b: int, b_to_a: int, label: str | None, names: tuple[str, str]
) -> list[AssociationType]:
    return [
        AssociationType(a, b, a_to_b, HUBSPOT_DEFINED, label, names[0], b_to_a),
        AssociationType(b, a, b_to_a, HUBSPOT_DEFINED, label, names[1], a_to_b),
    ]


BUILTIN: tuple[AssociationType, ...] = tuple(
    _pair(
        "contacts",
        "companies",
        279,
        280,
        None,
        ("contact_to_company_unlabeled", "company_to_contact_unlabeled"),
    )
    + _pair("contacts", "companies", 1, 2, "Primary", ("contact_to_company", "company_to_contact"))
    + _pair("deals", "contacts", 3, 4, None, ("deal_to_contact", "contact_to_deal"))
    + _pair(
        "deals",
        "companies",
        341,
        342,
        None,
        ("deal_to_company_unlabeled", "company_to_deal_unlabeled"),
    )
    + _pair("deals", "companies", 5, 6, "Primary", ("deal_to_company", "company_to_deal"))
    + _pair("contacts", "tickets", 15, 16, None, ("contact_to_ticket", "ticket_to_contact"))
    + _pair(
        "tickets",
        "companies",
        339,
        340,
        None,
        ("ticket_to_company_unlabeled", "company_to_ticket_unlabeled"),
    )
    + _pair("tickets", "companies", 26, 25, "Primary", ("ticket_to_company", "company_to_ticket"))
    + _pair("deals", "tickets", 27, 28, None, ("deal_to_ticket", "ticket_to_deal"))
)

#: Engagements to records, HubSpot-defined (developers.hubspot.com, "Associations v4: association
#: type IDs"): (engagement, to record → engagement→record id, record→engagement id).
_ENGAGEMENT_IDS: tuple[tuple[str, str, int, int], ...] = (
    ("notes", "contacts", 202, 201),
    ("notes", "companies", 190, 189),
    ("notes", "deals", 214, 213),
    ("notes", "tickets", 228, 227),
    ("calls", "contacts", 194, 193),
    ("calls", "companies", 182, 181),
    ("calls", "deals", 206, 205),
    ("calls", "tickets", 220, 219),
    ("emails", "contacts", 198, 197),
    ("emails", "companies", 186, 185),
    ("emails", "deals", 210, 209),
    ("emails", "tickets", 224, 223),
    ("meetings", "contacts", 200, 199),
    ("meetings", "companies", 188, 187),
    ("meetings", "deals", 212, 211),
    ("meetings", "tickets", 226, 225),
    ("tasks", "contacts", 204, 203),
    ("tasks", "companies", 192, 191),
    ("tasks", "deals", 216, 215),
    ("tasks", "tickets", 230, 229),
    ("communications", "contacts", 82, 81),
    ("communications", "companies", 88, 87),
    ("communications", "deals", 86, 85),
    ("communications", "tickets", 84, 83),
    ("postal_mail", "contacts", 454, 453),
    ("postal_mail", "companies", 460, 459),
    ("postal_mail", "deals", 458, 457),
    ("postal_mail", "tickets", 456, 455),
    # Commerce objects (same table).
    ("line_items", "deals", 20, 19),
    ("quotes", "deals", 64, 63),
    ("quotes", "line_items", 67, 68),
    ("quotes", "contacts", 69, 70),
    ("quotes", "companies", 71, 72),
    # Leads: UNCONFIRMED ids (third-party listings) for lead to primary contact / company.
    ("leads", "contacts", 578, 579),
    ("leads", "companies", 610, 611),
)


def _singular(name: str) -> str:
    return {"companies": "company", "postal_mail": "postal_mail"}.get(name, name.rstrip("s"))


ENGAGEMENTS: tuple[AssociationType, ...] = tuple(
    t
    for a, b, forward, backward in _ENGAGEMENT_IDS
    for t in _pair(
        a,
        b,
        forward,
        backward,
        None,
        (f"{_singular(a)}_to_{_singular(b)}", f"{_singular(b)}_to_{_singular(a)}"),
    )
)

BUILTIN = BUILTIN + ENGAGEMENTS
#: The unlabelled type used by "default" associations, per (from, to).
DEFAULT_TYPE: dict[tuple[str, str], int] = {
    (t.from_type, t.to_type): t.type_id for t in BUILTIN if t.label is None
}
