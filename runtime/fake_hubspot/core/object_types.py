"""The CRM object types the fake knows, and how a path names them.

The types themselves are data: :mod:`runtime.contract.object_types` is the one table (ids,
names, labels, default and required properties). The generic endpoints accept the plural name,
the type id, the singular and HubSpot's upper-case ``CONTACT`` spelling (what a workflow's
``objectType`` says); custom object types (``2-…``) come from the portal's schemas.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar

from runtime.contract.object_types import (
    COMPANIES,
    CONTACTS,
    DEALS,
    OBJECT_TYPES,
    TICKETS,
    ObjectType,
    find,
)
from runtime.fake_hubspot.core.errors import ValidationError

__all__ = [
    "COMPANIES",
    "CONTACTS",
    "DEALS",
    "OBJECT_TYPES",
    "TICKETS",
    "ObjectType",
    "custom_types",
    "find_object_type",
    "resolve_object_type",
    "unknown_type",
]

#: The custom object types of the portal answering now (set around each request).
_CUSTOM: ContextVar[Callable[[str], ObjectType | None] | None] = ContextVar(
    "hsrun_custom_object_types", default=None
)


@contextlib.contextmanager
def custom_types(lookup: Callable[[str], ObjectType | None]) -> Iterator[None]:
    """Resolve custom object types (``2-…``, ``p123_cars``) with ``lookup`` in the block."""
    token = _CUSTOM.set(lookup)
    try:
        yield
    finally:
        _CUSTOM.reset(token)


def unknown_type(name: str) -> ValidationError:
    """HubSpot's answer to a path naming a type that does not exist in the account.

    A real capture for ``/crm/v3/objects/notes`` on an account without access reads
    ``Unable to infer object type from: notes``; here it is given only for names that are no
    HubSpot type at all (every standard type is emulated).
    """
    return ValidationError(f"Unable to infer object type from: {name}")


def resolve_object_type(name: str) -> ObjectType:
    """The standard object type a path or a workflow names.

    Raises:
        ValidationError: an unknown type (400 "Unable to infer object type from: ...").
    """
    found = find_object_type(name)
    if found is None:
        raise unknown_type(name)
    return found


def find_object_type(name: str) -> ObjectType | None:
    """Like :func:`resolve_object_type` but ``None`` for an unknown name."""
    found = find(name)
    if found is None:
        lookup = _CUSTOM.get()
        if lookup is not None:
            found = lookup(name)
    return found
