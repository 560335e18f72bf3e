"""One CRM record, and the properties HubSpot calculates for it.

Only the values a caller set (plus a few defaults such as a contact's ``lifecyclestage``) are
stored; the calculated ones (``hs_object_id``, ``createdate``, ``lastmodifieddate``,
``hs_email_domain``...) are derived on read. That keeps 100,000 contacts small and the derived
values always consistent (contract §4.6's captured contact-create response).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from runtime.fake_hubspot.core.clock import iso_ms
from runtime.fake_hubspot.core.object_types import ObjectType


class Record:
    """A CRM record. ``properties`` holds stored values only (always strings)."""

    __slots__ = (
        "archived",
        "archived_at",
        "created_at",
        "history",
        "id",
        "merged_ids",
        "object_type",
        "properties",
        "updated_at",
    )

    def __init__(
        self,
        object_type: ObjectType,
        record_id: int,
        properties: dict[str, str],
        created_at: int,
    ) -> None:
        self.object_type = object_type
        self.id = record_id
        self.properties = properties
        self.created_at = created_at
        self.updated_at = created_at
        self.archived = False
        self.archived_at: int | None = None
        #: Property → [(value, epoch ms)], oldest first; filled on first change only.
        #: Property → [(value, epoch ms, source id or None)], oldest first.
        self.history: dict[str, list[tuple[str | None, int, str | None]]] | None = None
        self.merged_ids: list[int] | None = None

    def value(self, name: str) -> str | None:
        """A stored or calculated property value."""
        stored = self.properties.get(name)
        if stored is not None:
            return stored
        return calculated(self, name)

    def all_values(self) -> dict[str, str]:
        """Every non-null value, stored and calculated, keys sorted (create/PATCH answers)."""
        out = dict(self.properties)
        kind = self.object_type
        own = CALCULATED.get(kind.name, (kind.modified_property,))
        for name in (kind.created_property, *own, *_COMMON_CALCULATED):
            if name not in out:
                value = calculated(self, name)
                if value is not None:
                    out[name] = value
        return dict(sorted(out.items()))

    def set_values(
        self, values: dict[str, str | None], when: int, source: str | None = None
    ) -> bool:
        """Apply normalised values (``None`` clears); ``True`` if anything changed.

        ``source`` is the writer (a private app's id) that ``propertiesWithHistory`` names.
        """
        changed = False
        for name, new in values.items():
            old = self.properties.get(name)
            if old == new:
                continue
            changed = True
            if self.history is None:
                self.history = {}
            entries = self.history.setdefault(name, [])
            if not entries and old is not None:
                entries.append((old, self.created_at, None))
            entries.append((new, when, source))
            if new is None:
                self.properties.pop(name, None)
            else:
                self.properties[name] = new
        if changed:
            self.updated_at = when
        return changed

    def history_of(self, name: str) -> list[dict[str, Any]]:
        """``propertiesWithHistory`` entries for one property, newest first.

        HubSpot names the writer: a captured UI edit reads ``"sourceType": "CRM_UI",
        "sourceId": "userId:28604240"`` (hubspot-api-nodejs#154). A private app's write is
        ``"sourceType": "INTEGRATION"`` with the app's id as ``sourceId`` here (UNCONFIRMED;
        the same source ``hs_object_source`` reports for API-created records, contract §4.6);
        the value a record was created with has no recorded writer (``sourceId`` null).
        """
        entries = (self.history or {}).get(name)
        if entries is None:
            value = self.value(name)
            entries = [] if value is None else [(value, self.created_at, None)]
        return [
            {
                "value": value or "",
                "timestamp": iso_ms(ts),
                "sourceType": "INTEGRATION",
                "sourceId": source,
            }
            for value, ts, source in reversed(entries)
        ]

    def to_state(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "properties": dict(self.properties),
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "archived": self.archived,
            "archivedAt": self.archived_at,
        }
        if self.history:
            data["history"] = {k: [list(e) for e in v] for k, v in self.history.items()}
        if self.merged_ids:
            data["mergedIds"] = list(self.merged_ids)
        return data

    @classmethod
    def from_state(cls, object_type: ObjectType, data: dict[str, Any]) -> Record:
        record = cls(
            object_type,
            int(data["id"]),
            {str(k): str(v) for k, v in data.get("properties", {}).items() if v is not None},
            int(data["createdAt"]),
        )
        record.updated_at = int(data.get("updatedAt", record.created_at))
        record.archived = bool(data.get("archived", False))
        record.archived_at = data.get("archivedAt")
        history = data.get("history")
        if history:
            record.history = {
                k: [(e[0], int(e[1]), e[2] if len(e) > 2 else None) for e in v]
                for k, v in history.items()
            }
        merged = data.get("mergedIds")
        record.merged_ids = [int(i) for i in merged] if merged else None
        return record


_COMMON_CALCULATED: tuple[str, ...] = (
    "hs_object_id",
    "hs_object_source",
    "hs_object_source_label",
    "hs_merged_object_ids",
)
#: Calculated properties per type beyond the common ones.
CALCULATED: dict[str, tuple[str, ...]] = {
    "contacts": (
        "lastmodifieddate",
        "hs_email_domain",
        "hs_all_contact_vids",
        "hs_is_contact",
        "hs_is_unworked",
        "hs_full_name_or_email",
        "hs_pipeline",
        "num_notes",
    ),
    "companies": ("hs_lastmodifieddate", "num_associated_contacts", "num_associated_deals"),
    "deals": ("hs_lastmodifieddate", "hs_is_closed", "hs_is_closed_won"),
    "tickets": ("hs_lastmodifieddate",),
    "line_items": ("hs_lastmodifieddate", "amount"),
}
#: Names :func:`calculated` answers for every type (keep in step with it).
_ALWAYS_CALCULATED: frozenset[str] = frozenset(
    {
        "createdate",
        "hs_createdate",
        "lastmodifieddate",
        "hs_lastmodifieddate",
        "num_associated_contacts",
        "num_associated_deals",
        *_COMMON_CALCULATED,
    }
)


@functools.cache
def calculated_names(type_name: str) -> frozenset[str]:
    """Every name :func:`calculated` may answer for a type (the search index holds stored
    values only: a search on one of these is answered from memory)."""
    return _ALWAYS_CALCULATED.union(CALCULATED.get(type_name, ()))


def calculated(record: Record, name: str) -> str | None:
    """The value HubSpot would calculate for ``name``, or ``None``."""
    if name == "hs_object_id":
        return str(record.id)
    if name in ("createdate", "hs_createdate"):
        return iso_ms(record.created_at)
    if name in ("lastmodifieddate", "hs_lastmodifieddate"):
        return iso_ms(record.updated_at)
    if name in ("hs_object_source", "hs_object_source_label"):
        return "INTEGRATION"  # contract §4.6: records created through the API
    if name == "hs_merged_object_ids":
        return ";".join(str(i) for i in record.merged_ids) if record.merged_ids else None
    kind = record.object_type.name
    if kind == "contacts":
        return _contact_value(record, name)
    if kind == "deals" and name in ("hs_is_closed", "hs_is_closed_won"):
        stage = record.properties.get("dealstage", "")
        closed = stage in ("closedwon", "closedlost")
        return str(closed if name == "hs_is_closed" else stage == "closedwon").lower()
    if name in ("num_associated_contacts", "num_associated_deals"):
        return "0"
    if kind == "line_items" and name == "amount":
        return _line_item_amount(record)
    return None


def _line_item_amount(record: Record) -> str | None:
    # HubSpot calculates a line item's net price: quantity * (unit price - unit discount).
    props = record.properties
    try:
        price = float(props["price"])
        quantity = float(props.get("quantity") or 1)
        discount = float(props.get("discount") or 0)
    except (KeyError, ValueError):
        return None
    total = quantity * (price - discount)
    return str(int(total)) if total.is_integer() else repr(round(total, 6))


def _contact_value(record: Record, name: str) -> str | None:
    props = record.properties
    if name == "hs_email_domain":
        email = props.get("email")
        return email.rpartition("@")[2].lower() if email and "@" in email else None
    if name == "hs_all_contact_vids":
        ids = [record.id, *(record.merged_ids or [])]
        return ";".join(str(i) for i in ids)
    if name == "hs_is_contact":
        return "true"
    if name == "hs_is_unworked":
        return "true"
    if name == "hs_full_name_or_email":
        full = " ".join(p for p in (props.get("firstname"), props.get("lastname")) if p)
        return full or props.get("email")
    if name == "hs_pipeline":
        return "contacts-lifecycle-pipeline"
    if name == "num_notes":
        return "0"
    return None


@dataclass(frozen=True)
class RecordView:
    """A read-only snapshot of a record, for Python callers (tests, the CLI).

    Attributes:
        object_type: plural type name (``contacts``).
        id: the id as HubSpot writes it (a string of digits).
        properties: every non-null property, stored and calculated.
        created_at / updated_at / archived_at: ISO-8601 with milliseconds.
        archived: whether the record is archived.
    """

    object_type: str
    id: str
    properties: dict[str, str]
    created_at: str
    updated_at: str
    archived: bool
    archived_at: str | None

    @classmethod
    def of(cls, record: Record) -> RecordView:
        return cls(
            object_type=record.object_type.name,
            id=str(record.id),
            properties=record.all_values(),
            created_at=iso_ms(record.created_at),
            updated_at=iso_ms(record.updated_at),
            archived=record.archived,
            archived_at=iso_ms(record.archived_at) if record.archived_at else None,
        )

    def __getitem__(self, name: str) -> str | None:
        return self.properties.get(name)
