"""The scope picker's catalogue: scopes grouped as HubSpot's private-app editor groups them.

HubSpot's "Scopes" tab of a private app lists scopes under **CRM**, **CMS**, **Settings** and
**Standard**, one row per resource with its Read / Write checkboxes. This is the subset a
custom code action uses; ``hsrun portal apps create --scopes`` takes any other.
"""

from __future__ import annotations

_OBJECTS = ("contacts", "companies", "deals", "line_items", "products", "quotes", "custom")

#: group → [(resource label, [scopes])]
SCOPE_GROUPS: dict[str, list[tuple[str, list[str]]]] = {
    "CRM": [
        *[
            (f"crm.objects.{name}", [f"crm.objects.{name}.read", f"crm.objects.{name}.write"])
            for name in _OBJECTS
        ],
        ("crm.objects.owners", ["crm.objects.owners.read"]),
        ("crm.objects.users", ["crm.objects.users.read", "crm.objects.users.write"]),
        *[
            (f"crm.schemas.{name}", [f"crm.schemas.{name}.read", f"crm.schemas.{name}.write"])
            for name in ("contacts", "companies", "deals", "custom")
        ],
        ("crm.lists", ["crm.lists.read", "crm.lists.write"]),
        ("crm.import / export", ["crm.import", "crm.export"]),
    ],
    "CMS": [
        ("content", ["content"]),
        ("cms.domains", ["cms.domains.read", "cms.domains.write"]),
        ("hubdb", ["hubdb"]),
    ],
    "Settings": [
        ("settings.users", ["settings.users.read", "settings.users.write"]),
        ("account-info.security", ["account-info.security.read"]),
    ],
    "Standard": [
        ("automation", ["automation"]),
        ("tickets", ["tickets"]),
        ("e-commerce", ["e-commerce"]),
        ("files", ["files"]),
        ("forms", ["forms"]),
        ("timeline", ["timeline"]),
        ("oauth", ["oauth"]),
    ],
}


def all_scopes() -> list[str]:
    """Every scope the picker offers, in its order."""
    return [scope for rows in SCOPE_GROUPS.values() for _, scopes in rows for scope in scopes]
