"""HubSpot's scope names, so a typo is caught when an app is created, not as a 403 later.

The list is data (``hubspot_scopes.txt`` beside this file): every scope HubSpot's public API
specifications name in an endpoint's requirements, plus the record and schema scopes of every
object type in :mod:`runtime.contract.object_types` (HubSpot's scope reference lists
``crm.objects.<type>.read/write`` and ``crm.schemas.<type>.read/write`` per type; the
specifications name only some of them).
"""

from __future__ import annotations

import difflib
import functools
from pathlib import Path

SCOPES_FILE = Path(__file__).with_name("hubspot_scopes.txt")

#: Record-scope levels HubSpot issues per object type (the sensitive-data ones included).
_RECORD_LEVELS = (
    "read",
    "write",
    "sensitive.read",
    "sensitive.write",
    "highly_sensitive.read",
    "highly_sensitive.write",
)


@functools.cache
def known_scopes() -> frozenset[str]:
    """Every scope name hsrun knows HubSpot issues."""
    from runtime.contract.object_types import OBJECT_TYPES

    lines = SCOPES_FILE.read_text(encoding="utf-8").splitlines()
    names = {line.strip() for line in lines if line.strip() and not line.startswith("#")}
    for object_type in OBJECT_TYPES:
        name = object_type.name
        names.update(f"crm.objects.{name}.{level}" for level in _RECORD_LEVELS)
        names.update(f"crm.schemas.{name}.{access}" for access in ("read", "write"))
    return frozenset(names)


def unknown_scope(scope: str) -> str | None:
    """Why ``scope`` is not a HubSpot scope, with the closest one; None when it is one."""
    known = known_scopes()
    if scope in known:
        return None
    close = difflib.get_close_matches(scope, sorted(known), n=1, cutoff=0.8)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"{scope!r} is not a HubSpot scope{hint}"
