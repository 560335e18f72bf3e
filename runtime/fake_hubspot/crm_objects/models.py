"""CRM records and HubSpot's rules for them (contract §4). No HTTP here.

Rules emulated:

- ids are strings of digits on the wire, allocated by the portal (§4.2);
- values are strings; unknown or read-only properties and bad values are one 400 (§2.1);
- a contact's email is unique, case-insensitively, among live contacts: a second create (or a
  PATCH to a taken email) is 409 ``Contact already exists. Existing ID: N`` (§2.3); custom
  properties with ``hasUniqueValue`` are unique too;
- a non-numeric id without ``idProperty`` is 404 ``OBJECT_NOT_FOUND`` "Object not found.
  objectId are usually numeric."; a numeric id that does not exist is 404 ``resource not
  found`` with no category (§2.2);
- archiving keeps the record (``archived``, ``archivedAt``), visible only with
  ``archived=true`` and excluded from search (§4.2); DELETE of an unknown id is still 204;
- merge keeps the primary's id (UNCONFIRMED: a third party says a new id is issued), fills
  its empty properties from the merged record, records ``hs_merged_object_ids`` and lets a
  basic GET/PATCH use the old id (§4.5);
- GDPR delete removes the record for good; an unknown email is added to a blocklist (§4.5).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from runtime.fake_hubspot.core.errors import (
    Conflict,
    ObjectNotFound,
    ResourceNotFound,
    ValidationError,
)
from runtime.fake_hubspot.core.object_types import OBJECT_TYPES, ObjectType
from runtime.fake_hubspot.crm_objects.record import Record
from runtime.fake_hubspot.crm_objects.tokens import TokenIndex, tokens
from runtime.fake_hubspot.crm_objects.values import normalise_properties

if TYPE_CHECKING:
    from runtime.fake_hubspot.crm_objects.search import SearchIndex
    from runtime.fake_hubspot.portal import FakePortal

#: Stored on create when the caller did not set them (contract §4.6, captured contact).
CREATE_DEFAULTS: dict[str, dict[str, str]] = {
    "contacts": {"lifecyclestage": "lead"},
    "deals": {"pipeline": "default"},
    "tickets": {"hs_pipeline": "0"},
}


#: Digits of the largest id (HubSpot's ids are signed 64-bit numbers).
MAX_ID_DIGITS = 19


class TypeStore:
    """The records of one object type, with the indexes HubSpot's rules need."""

    def __init__(self, object_type: ObjectType) -> None:
        self.object_type = object_type
        self.records: dict[int, Record] = {}
        self.ids: list[int] = []  # ascending: list paging uses bisect
        #: unique property → lower-cased value → id (live records only).
        self.unique: dict[str, dict[str, int]] = {}
        self.merged: dict[int, int] = {}  # merged-away id → surviving id
        #: How many of ``records`` are archived (search's ``total`` is the others).
        self.archived = 0

    def add(self, record: Record) -> None:
        self.records[record.id] = record
        self.archived += record.archived
        if not self.ids or record.id > self.ids[-1]:
            self.ids.append(record.id)
        else:
            bisect.insort(self.ids, record.id)

    def remove(self, record_id: int) -> None:
        gone = self.records.pop(record_id, None)
        if gone is not None:
            self.archived -= gone.archived
        index = bisect.bisect_left(self.ids, record_id)
        if index < len(self.ids) and self.ids[index] == record_id:
            del self.ids[index]

    def index_of(self, name: str) -> dict[str, int]:
        """The index of a unique property, built on first use (a property made unique after
        records exist is indexed from them)."""
        index = self.unique.get(name)
        if index is None:
            index = {
                value.lower(): r.id
                for r in self.records.values()
                if not r.archived and (value := r.properties.get(name))
            }
            self.unique[name] = index
        return index

    def iter_from(self, after: int) -> Iterator[Record]:
        """Records with an id greater than ``after``, ascending."""
        for record_id in self.ids[bisect.bisect_right(self.ids, after) :]:
            yield self.records[record_id]


class ObjectsBackend:
    """The records of every object type of one portal."""

    def __init__(self, portal: FakePortal) -> None:
        self.portal = portal
        self.stores: dict[str, TypeStore] = {}
        self.gdpr_blocklist: list[str] = []
        #: Entity keys (``contacts/12``) changed since a store last wrote them.
        self.dirty: set[str] = set()
        #: Per type, bumped on every change of its records (search's sorted-order cache).
        self.versions: dict[str, int] = {}
        self.sort_cache: dict[tuple[str, tuple[tuple[str, bool], ...]], tuple[int, list[Record]]]
        self.sort_cache = {}
        #: (type, property) → its CONTAINS_TOKEN index, kept current by :meth:`_touch`.
        self.token_indexes: dict[tuple[str, str], TokenIndex] = {}
        #: The durable store's search index (``None``: memory only), set by the store.
        self.search_index: SearchIndex | None = None
        self.reset()

    def reset(self) -> None:
        self.stores = {t.name: TypeStore(t) for t in OBJECT_TYPES}
        self.gdpr_blocklist = []
        self.dirty = set()
        self.sort_cache = {}
        self.token_indexes = {}

    def live_count(self, object_type: ObjectType) -> int:
        """How many live (not archived) records the type has."""
        store = self.store(object_type)
        return len(store.records) - store.archived

    def _touch(self, record: Record) -> None:
        name = record.object_type.name
        self.dirty.add(f"{name}/{record.id}")
        self.versions[name] = self.versions.get(name, 0) + 1
        self._retoken(name, record.id)

    def _retoken(self, type_name: str, record_id: int) -> None:
        for (indexed_type, prop), index in self.token_indexes.items():
            if indexed_type != type_name:
                continue
            record = self.stores[type_name].records.get(record_id)
            if record is None or record.archived:
                index.put(record_id, frozenset())
            else:
                index.put(record_id, tokens(record.value(prop)))

    def token_index(self, object_type: ObjectType, prop: str) -> TokenIndex:
        """The CONTAINS_TOKEN index of a property, built on first use."""
        key = (object_type.name, prop)
        index = self.token_indexes.get(key)
        if index is None:
            index = TokenIndex()
            for record in self.store(object_type).records.values():
                if not record.archived:
                    index.put(record.id, tokens(record.value(prop)))
            self.token_indexes[key] = index
        return index

    def store(self, object_type: ObjectType) -> TypeStore:
        store = self.stores.get(object_type.name)
        if store is None:  # a custom object type's first record
            store = self.stores[object_type.name] = TypeStore(object_type)
        return store

    # -- unique values ------------------------------------------------------------------

    def unique_names(self, object_type: ObjectType) -> list[str]:
        """Properties whose values must be unique (``email`` for contacts, custom unique)."""
        names = self.portal.properties.unique_properties(object_type)
        return ["email", *names] if object_type.name == "contacts" else names

    def check_unique(
        self, record_type: ObjectType, values: dict[str, str | None], own: int | None
    ) -> None:
        store = self.store(record_type)
        email = values.get("email") if record_type.name == "contacts" else None
        if email and email.lower() in self.gdpr_blocklist:
            # Contract §4.5: an unknown email passed to gdpr-delete is blocklisted and cannot
            # be used again (wording UNCONFIRMED).
            raise ValidationError(f"Email address {email} is blocklisted after a GDPR delete")
        for name in self.unique_names(record_type):
            value = values.get(name)
            if not value:
                continue
            existing = store.index_of(name).get(value.lower())
            if existing is not None and existing != own:
                if name == "email":
                    raise Conflict(f"Contact already exists. Existing ID: {existing}")
                # UNCONFIRMED wording for custom unique properties.
                raise Conflict(
                    f"A {record_type.singular} with the value '{value}' for the unique property "
                    f"'{name}' already exists. Existing ID: {existing}"
                )

    def _index(self, record: Record, *, add: bool) -> None:
        store = self.store(record.object_type)
        for name in self.unique_names(record.object_type):
            value = record.properties.get(name)
            if not value:
                continue
            index = store.index_of(name)
            if add:
                index[value.lower()] = record.id
            elif index.get(value.lower()) == record.id:
                del index[value.lower()]

    # -- single records -----------------------------------------------------------------

    def normalise(self, object_type: ObjectType, raw: dict[str, Any]) -> dict[str, str | None]:
        """Validated, normalised property values (see :mod:`.values`)."""
        props = self.portal.properties
        pipelines = self.portal.backends.get("pipelines")
        options = getattr(pipelines, "options", None)
        return normalise_properties(
            object_type,
            raw,
            lambda name: props.find(object_type, name),
            portal_id=self.portal.portal_id,
            owner_exists=self.portal.owners.exists,
            options=None if options is None else lambda name: options(object_type, name),
        )

    def create(
        self,
        object_type: ObjectType,
        raw: dict[str, Any],
        *,
        values: dict[str, str | None] | None = None,
    ) -> Record:
        """Create one record from raw JSON property values.

        Raises:
            PropertyValidationError: bad properties. Conflict: a unique value is taken.
        """
        if values is None:
            values = self.normalise(object_type, raw)
        self.check_required(object_type, values)
        self.check_unique(object_type, values, None)
        return self.insert(object_type, values)

    def check_required(self, object_type: ObjectType, values: dict[str, str | None]) -> None:
        """A create must set the type's required properties (the object type table).

        Raises:
            ValidationError: HubSpot's answer, captured for a note without ``hs_timestamp``
                (hubspot-api-nodejs#124): ``Error creating NOTE.  Some required properties
                were not set.`` with ``context.properties`` naming them.
        """
        missing = [p for p in object_type.required_properties if not values.get(p)]
        if missing:
            raise ValidationError(
                f"Error creating {object_type.label}.  Some required properties were not set.",
                context={"properties": missing},
            )

    def insert(
        self,
        object_type: ObjectType,
        values: dict[str, str | None],
        *,
        record_id: int | None = None,
    ) -> Record:
        """Store a validated record (``record_id``: a seed's own id, which must be free)."""
        stored = dict(CREATE_DEFAULTS.get(object_type.name, {}))
        stored.update({k: v for k, v in values.items() if v is not None})
        now = self.portal.now_ms()
        if record_id is None:
            record_id = self.portal.allocate_id("objects")
        else:
            if any(record_id in s.records for s in self.stores.values()):
                raise Conflict(f"A record with id {record_id} already exists")
            bump = getattr(self.portal.ids, "bump", None)
            if bump is not None:  # later ids stay above a seeded one
                bump("objects", record_id)
        record = Record(object_type, record_id, stored, now)
        self.store(object_type).add(record)
        self._index(record, add=True)
        self._touch(record)
        return record

    def resolve(
        self,
        object_type: ObjectType,
        raw_id: str,
        *,
        id_property: str | None = None,
        archived: bool = False,
        follow_merges: bool = True,
        raw_segment: str | None = None,
    ) -> Record:
        """The record a path (or batch input) names.

        Raises:
            ObjectNotFound: non-numeric id without ``idProperty``, or no match by property.
            ResourceNotFound: numeric id that does not exist (or is in the other archive state).
            ValidationError: ``idProperty`` is not a unique property.
        """
        found = self.find(
            object_type,
            raw_id,
            id_property=id_property,
            archived=archived,
            follow_merges=follow_merges,
        )
        if found is not None:
            return found
        if id_property in (None, "", "hs_object_id") and not raw_id.isdigit():
            raise ObjectNotFound(
                "Object not found.  objectId are usually numeric.",
                context={"id": [raw_segment if raw_segment is not None else raw_id]},
            )
        if id_property not in (None, "", "hs_object_id"):
            raise ObjectNotFound(
                "Object not found.  objectId are usually numeric.",
                context={"id": [raw_segment if raw_segment is not None else raw_id]},
            )
        raise ResourceNotFound()

    def find(
        self,
        object_type: ObjectType,
        raw_id: str,
        *,
        id_property: str | None = None,
        archived: bool = False,
        follow_merges: bool = True,
    ) -> Record | None:
        """Like :meth:`resolve` but ``None`` when nothing matches."""
        store = self.store(object_type)
        if id_property in (None, "", "hs_object_id"):
            if not raw_id.strip().isdigit() or len(raw_id.strip()) > MAX_ID_DIGITS:
                return None  # HubSpot's ids are 64-bit: a 5,000-digit id names nothing
            record_id = int(raw_id)
            if follow_merges and record_id in store.merged:
                record_id = store.merged[record_id]
            record = store.records.get(record_id)
        else:
            assert id_property is not None
            self.check_id_property(object_type, id_property)
            if archived:
                record = next(
                    (
                        r
                        for r in store.records.values()
                        if r.archived
                        and (r.properties.get(id_property) or "").lower() == raw_id.lower()
                    ),
                    None,
                )
            else:
                found_id = store.index_of(id_property).get(raw_id.lower())
                record = store.records.get(found_id) if found_id is not None else None
        if record is None or record.archived != archived:
            return None
        return record

    def check_id_property(self, object_type: ObjectType, id_property: str) -> None:
        """``idProperty`` must be a unique-value property (contract §4.3).

        Raises:
            ValidationError: it is not (wording UNCONFIRMED).
        """
        if id_property not in self.unique_names(object_type) and id_property != "hs_object_id":
            raise ValidationError(
                f"Property '{id_property}' can not be used as an idProperty: it is not a "
                f"unique-value property of {object_type.name}"
            )

    def update(self, record: Record, values: dict[str, str | None]) -> Record:
        """Apply normalised values to a live record.

        Raises:
            Conflict: a unique value would be taken twice.
        """
        self.check_unique(record.object_type, values, record.id)
        self._index(record, add=False)
        record.set_values(values, self.portal.now_ms(), self.portal.writer)
        self._index(record, add=True)
        self._touch(record)
        return record

    def archive(self, record: Record) -> None:
        """Move a live record to the archive (restorable for 90 days on HubSpot)."""
        if record.archived:
            return
        self._index(record, add=False)
        now = self.portal.now_ms()
        record.archived, record.archived_at, record.updated_at = True, now, now
        self.store(record.object_type).archived += 1
        self._touch(record)

    def list_page(
        self, object_type: ObjectType, *, limit: int, after: str | None, archived: bool
    ) -> tuple[list[Record], str | None]:
        """One page of records by id; the next ``after`` cursor or ``None``.

        Contract §4.2: ``after`` is opaque; here it is the next record's id (as in the docs'
        example) and a non-numeric cursor is a 400.
        """
        start = 0
        if after:
            if not after.isdigit() or len(after) > MAX_ID_DIGITS:
                raise ValidationError(f"Invalid 'after' value: {after[:40]}")
            start = int(after) - 1
        page: list[Record] = []
        for record in self.store(object_type).iter_from(start):
            if record.archived != archived:
                continue
            if len(page) == limit:
                return page, str(record.id)
            page.append(record)
        return page, None

    def merge(self, object_type: ObjectType, primary_id: str, merged_id: str) -> Record:
        """Merge ``merged_id`` into ``primary_id`` (contract §4.5).

        Raises:
            ValidationError: same id twice. ResourceNotFound/ObjectNotFound: unknown id.
        """
        if str(primary_id) == str(merged_id):
            raise ValidationError("Cannot merge an object with itself")
        primary = self.resolve(object_type, str(primary_id), follow_merges=False)
        other = self.resolve(object_type, str(merged_id), follow_merges=False)
        store = self.store(object_type)
        self._index(other, add=False)
        fill = {k: v for k, v in other.properties.items() if k not in primary.properties}
        if object_type.name == "contacts" and other.properties.get("email"):
            extra = primary.properties.get("hs_additional_emails")
            email = other.properties["email"]
            fill["hs_additional_emails"] = f"{extra};{email}" if extra else email
            fill.pop("email", None)
        self._index(primary, add=False)
        primary.set_values(dict(fill), self.portal.now_ms())
        primary.merged_ids = [*(primary.merged_ids or []), other.id, *(other.merged_ids or [])]
        self._index(primary, add=True)
        store.remove(other.id)
        for old in [other.id, *(other.merged_ids or [])]:
            store.merged[old] = primary.id
        for old, new in list(store.merged.items()):
            if new == other.id:
                store.merged[old] = primary.id
        self._touch(primary)
        self._touch(other)
        self.dirty.update(
            f"{object_type.name}/merged/{old}"
            for old, new in store.merged.items()
            if new == primary.id
        )
        self.portal.associations.move(object_type, other.id, primary.id)
        return primary

    def gdpr_delete(self, object_type: ObjectType, object_id: str, id_property: str | None) -> None:
        """Delete a record for good; unknown emails go on the blocklist (contract §4.5).

        Raises:
            ResourceNotFound: an unknown numeric id.
        """
        record = self.find(object_type, object_id, id_property=id_property)
        if record is None:
            record = self.find(object_type, object_id, id_property=id_property, archived=True)
        if record is None:
            if id_property == "email":
                self.gdpr_blocklist.append(object_id.lower())
                self.dirty.add("gdpr-blocklist")
                return
            self.resolve(object_type, object_id, id_property=id_property)
            return
        self.delete_permanently(record)

    def delete_permanently(self, record: Record) -> None:
        """Remove a record and its associations."""
        self._index(record, add=False)
        self.store(record.object_type).remove(record.id)
        self._touch(record)
        self.portal.associations.forget(record.object_type, record.id)

    def get_live(self, object_type: ObjectType, record_id: int) -> Record | None:
        """A live record by numeric id (associations and helpers)."""
        record = self.store(object_type).records.get(record_id)
        return record if record is not None and not record.archived else None

    # -- state --------------------------------------------------------------------------

    def to_state(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for name, store in self.stores.items():
            for record_id, record in store.records.items():
                out[f"{name}/{record_id}"] = record.to_state()
            for old, new in store.merged.items():
                out[f"{name}/merged/{old}"] = {"into": new}
        if self.gdpr_blocklist:
            out["gdpr-blocklist"] = {"emails": list(self.gdpr_blocklist)}
        return out

    def entity(self, key: str) -> dict[str, Any] | None:
        """The state of one entity key (as :meth:`to_state` writes it), ``None`` if gone."""
        if key == "gdpr-blocklist":
            return {"emails": list(self.gdpr_blocklist)} if self.gdpr_blocklist else None
        type_name, _, rest = key.partition("/")
        store = self.stores.get(type_name)
        if store is None:
            return None
        if rest.startswith("merged/"):
            into = store.merged.get(int(rest[7:]))
            return None if into is None else {"into": into}
        record = store.records.get(int(rest))
        return None if record is None else record.to_state()

    def apply_entity(self, key: str, raw: dict[str, Any] | None) -> None:
        """Take in one entity another process wrote (``None``: it was deleted)."""
        if key == "gdpr-blocklist":
            self.gdpr_blocklist = list((raw or {}).get("emails", []))
            return
        type_name, _, rest = key.partition("/")
        store = self.stores.get(type_name)
        if store is None:
            custom = self.portal.custom_type(type_name)
            if custom is None:
                return
            store = self.store(custom)
        if rest.startswith("merged/"):
            old = int(rest[7:])
            if raw is None:
                store.merged.pop(old, None)
            else:
                store.merged[old] = int(raw["into"])
            return
        self.versions[type_name] = self.versions.get(type_name, 0) + 1
        current = store.records.get(int(rest))
        if current is not None:
            self._index(current, add=False)
            store.remove(current.id)
        if raw is not None:
            record = Record.from_state(store.object_type, raw)
            store.add(record)
            if not record.archived:
                self._index(record, add=True)
        self._retoken(store.object_type.name, int(rest))

    def load_state(self, data: dict[str, Any]) -> None:
        self.reset()
        for key, raw in data.items():
            if key == "gdpr-blocklist":
                self.gdpr_blocklist = list(raw.get("emails", []))
                continue
            type_name, _, rest = key.partition("/")
            store = self.stores.get(type_name)
            if store is None:
                custom = self.portal.custom_type(type_name)  # schemas load first
                if custom is None:
                    continue
                store = self.store(custom)
            if rest.startswith("merged/"):
                store.merged[int(rest[7:])] = int(raw["into"])
                continue
            record = Record.from_state(store.object_type, raw)
            store.records[record.id] = record
        for store in self.stores.values():
            store.ids = sorted(store.records)
            store.archived = sum(r.archived for r in store.records.values())
        # Unique-value indexes are built on first use (TypeStore.index_of), not here: opening
        # a large portal stays fast.
        self.dirty = set()
