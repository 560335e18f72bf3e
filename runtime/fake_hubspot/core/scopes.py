"""Which scopes each endpoint accepts (contract §1.5). Holding any one of the list suffices.

The lists are what a 403 names in ``requiredGranularScopes``. For reads they follow the real
403 example of §1.4 (deals: ``crm.schemas.deals.read``, the two ``.sensitive`` read scopes and
``crm.objects.deals.read``); tickets use the legacy ``tickets`` scope plus the newer granular
ones. The generic ``/crm/v3/objects/{objectType}`` path is checked against the resolved type's
own scopes (the reference's union of ~77 scopes would let a contacts token read deals, which
no real app relies on).
"""

from __future__ import annotations

from runtime.contract.object_types import ACTIVITY_TYPES, CONTACTS
from runtime.fake_hubspot.core.object_types import ObjectType, resolve_object_type
from runtime.fake_hubspot.core.routing import ScopeRule

READ = "read"
WRITE = "write"


#: Engagements (notes, tasks, calls...) are read and written with the contacts scopes
#: (HubSpot's per-engagement guides: "crm.objects.contacts.read/write").
_ENGAGEMENTS = frozenset(t.name for t in ACTIVITY_TYPES)
#: Commerce objects also accept the legacy ``e-commerce`` scope (API reference).
_COMMERCE = frozenset({"products", "line_items", "quotes"})
#: Scope spelling where it differs from the path name.
_SCOPE_NAME = {"commerce_payments": "commercepayments"}


def object_scopes(object_type: ObjectType, access: str) -> list[str]:
    """Scopes that allow ``access`` (``read``/``write``) on records of ``object_type``."""
    if object_type.custom:
        return [f"crm.objects.custom.{access}"]
    name = object_type.name
    if name in _ENGAGEMENTS:
        return object_scopes(CONTACTS, access)
    if name in _COMMERCE:
        return [f"crm.objects.{name}.{access}", "e-commerce"]
    name = _SCOPE_NAME.get(name, name)
    if name == "tickets":
        if access == READ:
            return [
                "tickets",
                "tickets.sensitive.v2",
                "crm.objects.tickets.sensitive.read",
                "crm.objects.tickets.highly_sensitive.read",
            ]
        return [
            "tickets",
            "crm.objects.tickets.sensitive.write",
            "crm.objects.tickets.highly_sensitive.write",
        ]
    if access == READ:
        return [
            f"crm.schemas.{name}.read",
            f"crm.objects.{name}.sensitive.read.v2",
            f"crm.objects.{name}.read",
            f"crm.objects.{name}.highly_sensitive.read.v2",
        ]
    return [
        f"crm.objects.{name}.write",
        f"crm.objects.{name}.sensitive.write.v2",
        f"crm.objects.{name}.highly_sensitive.write.v2",
    ]


def schema_scopes(object_type: ObjectType, access: str) -> list[str]:
    """Scopes for the properties API of ``object_type`` (contract §1.5)."""
    name = object_type.name
    if access == READ:
        out = [f"crm.schemas.{name}.read", f"crm.objects.{name}.read"]
    else:
        out = [f"crm.schemas.{name}.write"]
    if name == "tickets":
        out.append("tickets")
    out.append("e-commerce")
    return out


def objects_rule(access: str, param: str = "objectType") -> ScopeRule:
    """A rule for ``/crm/v3/objects/{objectType}…`` routes."""

    def rule(params: dict[str, str]) -> list[str]:
        return object_scopes(resolve_object_type(params[param]), access)

    return rule


def properties_rule(access: str) -> ScopeRule:
    """A rule for ``/crm/v3/properties/{objectType}…`` routes."""

    def rule(params: dict[str, str]) -> list[str]:
        return schema_scopes(resolve_object_type(params["objectType"]), access)

    return rule


def associations_rule(from_param: str, to_param: str) -> ScopeRule:
    """Associations v4: any read or write scope of either object type (contract §1.5 lists the
    same ~80 object scopes for reads and writes)."""

    def rule(params: dict[str, str]) -> list[str]:
        out: list[str] = []
        for param in (from_param, to_param):
            kind = resolve_object_type(params[param])
            for scope in object_scopes(kind, READ) + object_scopes(kind, WRITE):
                if scope not in out:
                    out.append(scope)
        return out

    return rule


def fixed(*scopes: str) -> ScopeRule:
    """A rule that does not depend on the path."""
    listed = list(scopes)

    def rule(params: dict[str, str]) -> list[str]:
        return listed

    return rule
