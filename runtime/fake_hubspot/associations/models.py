"""Associations between records, and their types (contract §4.7). No HTTP here.

Every association is stored in both directions: creating contact→company type 279 also
creates company→contact 280, as HubSpot does. HubSpot-defined type ids are the contract's
table (confirmed: 279, 1/2, 3/4, 5/6, 15/16, 25/26, 27/28; UNCONFIRMED: 280, 339/340,
341/342). The "default" association of a pair is its unlabelled type. User-defined labels
(``/labels`` endpoints) get ids from 1000 up, in inverse pairs.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING, Any

from runtime.fake_hubspot.associations import limits
from runtime.fake_hubspot.associations.types import (
    BUILTIN,
    CATEGORIES,
    DEFAULT_TYPE,
    FIRST_USER_TYPE_ID,
    HUBSPOT_DEFINED,
    USER_DEFINED,
    AssociationType,
    Spec,
)
from runtime.fake_hubspot.core.errors import ObjectNotFound, ValidationError
from runtime.fake_hubspot.core.http import field_list, object_items
from runtime.fake_hubspot.core.object_types import ObjectType, resolve_object_type

if TYPE_CHECKING:
    from runtime.fake_hubspot.portal import FakePortal

__all__ = [
    "BUILTIN",
    "CATEGORIES",
    "DEFAULT_TYPE",
    "FIRST_USER_TYPE_ID",
    "HUBSPOT_DEFINED",
    "USER_DEFINED",
    "AssociationType",
    "AssociationsBackend",
    "Spec",
]

Key = tuple[str, int, str]  # (from type, from id, to type)
InlineLink = tuple[ObjectType, int, list[Spec]]  # (to type, to id, types) of a create body


class AssociationsBackend:
    """Association types and the associations of one portal."""

    def __init__(self, portal: FakePortal) -> None:
        self.portal = portal
        self.types: dict[tuple[str, str, str, int], AssociationType] = {}
        self._edges: dict[Key, dict[int, set[Spec]]] = {}
        self._next_label_id = FIRST_USER_TYPE_ID
        #: User-enforced limits (definition configurations, :mod:`.limits`).
        self.limits: dict[tuple[str, str, str, int], int] = {}
        #: Bumped on every change, so a store writes associations only when they changed.
        self.changes = 0
        self.reset()

    def reset(self) -> None:
        self.changes += 1
        self.types = {(t.from_type, t.to_type, t.category, t.type_id): t for t in BUILTIN}
        self._edges = {}
        self._next_label_id = FIRST_USER_TYPE_ID
        self.limits = {}

    # -- types --------------------------------------------------------------------------

    def types_between(self, from_type: ObjectType, to_type: ObjectType) -> list[AssociationType]:
        """Every type defined from ``from_type`` to ``to_type`` (the ``/labels`` answer)."""
        return sorted(
            (
                t
                for t in self.types.values()
                if t.from_type == from_type.name and t.to_type == to_type.name
            ),
            key=lambda t: (t.category != HUBSPOT_DEFINED, t.type_id),
        )

    def type_of(self, from_type: str, to_type: str, spec: Spec) -> AssociationType | None:
        return self.types.get((from_type, to_type, spec[0], spec[1]))

    def create_label(
        self,
        from_type: ObjectType,
        to_type: ObjectType,
        label: str,
        inverse_label: str | None,
        *,
        type_ids: tuple[int, int] | None = None,
    ) -> list[AssociationType]:
        """A user-defined label (and its inverse when the pair differs or one is given).

        ``type_ids`` (a seed's): the label's typeId and its inverse's, instead of the next
        free ones, because real actions hard-code the typeIds of their portal's labels.

        Raises:
            ValidationError: no label, the label exists, or a chosen typeId is taken.
        """
        self.changes += 1
        if not label.strip():
            raise ValidationError(
                "Invalid input JSON: some of required attributes are not set [label]"
            )
        for existing in self.types_between(from_type, to_type):
            if existing.label == label:
                raise ValidationError(f"An association label named '{label}' already exists")
        if type_ids is None:
            forward, backward = self._next_label_id, self._next_label_id + 1
            self._next_label_id += 2
        else:
            forward, backward = type_ids
            if forward == backward:
                raise ValidationError(f"A label and its inverse need two typeIds, got {forward}")
            for wanted in type_ids:
                taken = next((t for t in self.types.values() if t.type_id == wanted), None)
                if taken is not None:
                    raise ValidationError(
                        f"association typeId {wanted} is taken ({taken.category} "
                        f"{taken.from_type} to {taken.to_type}"
                        + (f", label '{taken.label}')" if taken.label else ")")
                    )
            self._next_label_id = max(self._next_label_id, forward + 1, backward + 1)
        name = label.lower().replace(" ", "_")
        created = [
            AssociationType(
                from_type.name, to_type.name, forward, USER_DEFINED, label, name, backward
            ),
            AssociationType(
                to_type.name,
                from_type.name,
                backward,
                USER_DEFINED,
                inverse_label or label,
                (inverse_label or label).lower().replace(" ", "_"),
                forward,
            ),
        ]
        for item in created:
            self.types[(item.from_type, item.to_type, item.category, item.type_id)] = item
        return created[:1]

    def define_pair(self, from_type: ObjectType, to_type: ObjectType) -> AssociationType:
        """An unlabelled association type (and its inverse) between a custom object type and
        another type, as a schema's ``associatedObjects`` creates; the existing one if any."""
        for kind in self.types_between(from_type, to_type):
            if kind.label is None:
                return kind
        self.changes += 1
        forward, backward = self._next_label_id, self._next_label_id + 1
        self._next_label_id += 2
        names = (
            f"{from_type.singular}_to_{to_type.singular}",
            f"{to_type.singular}_to_{from_type.singular}",
        )
        created = AssociationType(
            from_type.name, to_type.name, forward, USER_DEFINED, None, names[0], backward
        )
        inverse = AssociationType(
            to_type.name, from_type.name, backward, USER_DEFINED, None, names[1], forward
        )
        for item in (created, inverse):
            self.types[(item.from_type, item.to_type, item.category, item.type_id)] = item
        return created

    def update_label(
        self, from_type: ObjectType, to_type: ObjectType, type_id: int, label: str
    ) -> None:
        self.changes += 1
        found = self.type_of(from_type.name, to_type.name, (USER_DEFINED, type_id))
        if found is None:
            raise ObjectNotFound(
                f"No USER_DEFINED association type {type_id} from {from_type.name} "
                f"to {to_type.name}"
            )
        key = (found.from_type, found.to_type, found.category, found.type_id)
        self.types[key] = AssociationType(
            found.from_type,
            found.to_type,
            type_id,
            USER_DEFINED,
            label,
            label.lower().replace(" ", "_"),
            found.inverse_id,
        )

    def delete_label(self, from_type: ObjectType, to_type: ObjectType, type_id: int) -> None:
        self.changes += 1
        found = self.type_of(from_type.name, to_type.name, (USER_DEFINED, type_id))
        if found is None:
            raise ObjectNotFound(
                f"No USER_DEFINED association type {type_id} from {from_type.name} "
                f"to {to_type.name}"
            )
        self.types.pop((found.from_type, found.to_type, USER_DEFINED, type_id), None)
        self.types.pop((found.to_type, found.from_type, USER_DEFINED, found.inverse_id), None)
        self.limits.pop((found.from_type, found.to_type, USER_DEFINED, type_id), None)
        self.limits.pop((found.to_type, found.from_type, USER_DEFINED, found.inverse_id), None)
        for edges in self._edges.values():
            for specs in edges.values():
                specs.discard((USER_DEFINED, type_id))
                specs.discard((USER_DEFINED, found.inverse_id))

    # -- associations -------------------------------------------------------------------

    def _require(self, object_type: ObjectType, record_id: int) -> None:
        if self.portal.objects.get_live(object_type, record_id) is None:
            # UNCONFIRMED: wording of HubSpot's invalid-association 400 (contract §2.1).
            raise ValidationError(
                "One or more associations are invalid",
                context={"INVALID_OBJECT_IDS": [f"{object_type.label}={record_id} is not valid"]},
            )

    def parse_specs(self, from_type: ObjectType, to_type: ObjectType, raw: list[Any]) -> list[Spec]:
        """``[{associationCategory, associationTypeId}]`` checked against the pair's types."""
        specs: list[Spec] = []
        for item in object_items(raw, "types"):
            category = str(item.get("associationCategory") or "")
            try:
                type_id = int(item.get("associationTypeId"))  # type: ignore[arg-type]
            except (TypeError, ValueError):
                raise ValidationError(
                    "Invalid input JSON: associationTypeId must be an integer"
                ) from None
            if category not in CATEGORIES:
                raise ValidationError(
                    f"Invalid input JSON: associationCategory '{category}' is not one of "
                    f"{list(CATEGORIES)}"
                )
            if self.type_of(from_type.name, to_type.name, (category, type_id)) is None:
                raise ValidationError(
                    f"{category} association type {type_id} is not valid from "
                    f"{from_type.name} to {to_type.name}"
                )
            specs.append((category, type_id))
        return specs

    def add(
        self,
        from_type: ObjectType,
        from_id: int,
        to_type: ObjectType,
        to_id: int,
        specs: list[Spec],
    ) -> list[str]:
        """Associate two live records with ``specs`` (and the inverses); the pair's labels."""
        self._require(from_type, from_id)
        self._require(to_type, to_id)
        limits.check(self, from_type, from_id, to_type, to_id, specs)
        for spec in specs:
            kind = self.type_of(from_type.name, to_type.name, spec)
            assert kind is not None
            self._link(from_type.name, from_id, to_type.name, to_id, spec)
            self._link(
                to_type.name, to_id, from_type.name, from_id, (kind.category, kind.inverse_id)
            )
        return self.labels(from_type, from_id, to_type, to_id)

    def add_default(
        self, from_type: ObjectType, from_id: int, to_type: ObjectType, to_id: int
    ) -> Spec:
        """The default (unlabelled) association of the pair."""
        type_id = DEFAULT_TYPE.get((from_type.name, to_type.name))
        spec: Spec
        if type_id is not None:
            spec = (HUBSPOT_DEFINED, type_id)
        else:
            # A custom object's pairs: the unlabelled type its schema defined.
            found = next(
                (t for t in self.types_between(from_type, to_type) if t.label is None), None
            )
            if found is None:
                raise ValidationError(
                    f"There is no default association type from {from_type.name} to {to_type.name}"
                )
            spec = found.spec()
        self.add(from_type, from_id, to_type, to_id, [spec])
        return spec

    def edges_from(self, a: str, a_id: int, b: str) -> dict[int, set[Spec]]:
        """The records of type ``b`` one record is associated with, and with which types."""
        return self._edges.get((a, a_id, b), {})

    def _link(self, a: str, a_id: int, b: str, b_id: int, spec: Spec) -> None:
        self.changes += 1
        self._edges.setdefault((a, a_id, b), {}).setdefault(b_id, set()).add(spec)

    def remove(
        self,
        from_type: ObjectType,
        from_id: int,
        to_type: ObjectType,
        to_id: int,
        specs: list[Spec] | None = None,
    ) -> None:
        """Remove the given types (all when ``None``) between two records, both directions."""
        self.changes += 1
        forward = self._edges.get((from_type.name, from_id, to_type.name), {})
        backward = self._edges.get((to_type.name, to_id, from_type.name), {})
        current = forward.get(to_id, set())
        for spec in list(current) if specs is None else specs:
            current.discard(spec)
            kind = self.type_of(from_type.name, to_type.name, spec)
            if kind is not None:
                backward.get(from_id, set()).discard((kind.category, kind.inverse_id))
        if not current:
            forward.pop(to_id, None)
        if not backward.get(from_id):
            backward.pop(from_id, None)

    def specs(
        self, from_type: ObjectType, from_id: int, to_type: ObjectType, to_id: int
    ) -> set[Spec]:
        return set(self._edges.get((from_type.name, from_id, to_type.name), {}).get(to_id, set()))

    def labels(
        self, from_type: ObjectType, from_id: int, to_type: ObjectType, to_id: int
    ) -> list[str]:
        """Non-null labels of the types now between the two records."""
        out: list[str] = []
        for spec in sorted(self.specs(from_type, from_id, to_type, to_id)):
            kind = self.type_of(from_type.name, to_type.name, spec)
            if kind is not None and kind.label:
                out.append(kind.label)
        return out

    def page(
        self, from_type: ObjectType, from_id: int, to_type: ObjectType, *, after: int, limit: int
    ) -> tuple[list[tuple[int, list[AssociationType]]], int | None]:
        """Associated live records with ``to_id > after``; the next cursor or ``None``."""
        edges = self._edges.get((from_type.name, from_id, to_type.name), {})
        ids = sorted(i for i, s in edges.items() if s and self.portal.objects.get_live(to_type, i))
        start = bisect.bisect_right(ids, after)
        chosen = ids[start : start + limit]
        out = []
        for to_id in chosen:
            kinds = [self.type_of(from_type.name, to_type.name, s) for s in sorted(edges[to_id])]
            out.append((to_id, [k for k in kinds if k is not None]))
        more = start + limit < len(ids)
        return out, (chosen[-1] if more and chosen else None)

    def linked_ids(self, from_type: ObjectType, from_id: int, to_type: ObjectType) -> list[int]:
        """Ids of live records of ``to_type`` associated with the record."""
        edges = self._edges.get((from_type.name, from_id, to_type.name), {})
        return sorted(i for i, s in edges.items() if s and self.portal.objects.get_live(to_type, i))

    def v3(self, from_type: ObjectType, from_id: int, to_type: ObjectType) -> list[dict[str, str]]:
        """The v3 ``associations`` entry: ``[{"id": "…", "type": "contact_to_company"}]``."""
        out: list[dict[str, str]] = []
        edges = self._edges.get((from_type.name, from_id, to_type.name), {})
        for to_id in self.linked_ids(from_type, from_id, to_type):
            for spec in sorted(edges[to_id]):
                kind = self.type_of(from_type.name, to_type.name, spec)
                if kind is not None:
                    out.append({"id": str(to_id), "type": kind.name})
        return out

    def move(self, object_type: ObjectType, old_id: int, new_id: int) -> None:
        """Re-point every association of ``old_id`` to ``new_id`` (merge)."""
        self.changes += 1
        for key in [k for k in self._edges if k[0] == object_type.name and k[1] == old_id]:
            for to_id, specs in self._edges.pop(key).items():
                to_type = resolve_object_type(key[2])
                for spec in specs:
                    kind = self.type_of(object_type.name, key[2], spec)
                    self._link(object_type.name, new_id, key[2], to_id, spec)
                    back = self._edges.get((key[2], to_id, object_type.name), {})
                    back.pop(old_id, None)
                    if kind is not None:
                        self._link(
                            to_type.name,
                            to_id,
                            object_type.name,
                            new_id,
                            (kind.category, kind.inverse_id),
                        )

    def forget(self, object_type: ObjectType, record_id: int) -> None:
        """Drop every association of a deleted record."""
        self.changes += 1
        for key in [k for k in self._edges if k[0] == object_type.name and k[1] == record_id]:
            for to_id in self._edges.pop(key):
                self._edges.get((key[2], to_id, object_type.name), {}).pop(record_id, None)

    # -- inline associations on create (v3 body) -----------------------------------------

    def parse_inline(self, from_type: ObjectType, raw: Any) -> list[InlineLink]:
        """``associations: [{"to": {"id": …}, "types": [...]}]`` of a create body, checked."""
        out: list[InlineLink] = []
        if raw is None:
            return out
        if not isinstance(raw, list):
            raise ValidationError("Invalid input JSON: 'associations' must be an array")
        for item in object_items(raw, "associations"):
            target = item.get("to")
            if not isinstance(target, dict) or not str(target.get("id", "")).isdigit():
                raise ValidationError("Invalid input JSON: each association needs 'to': {'id': …}")
            to_id = int(str(target["id"]))
            types = object_items(field_list(item, "types", required=True), "types")
            specs: list[Spec] = []
            to_type: ObjectType | None = None
            for spec_raw in types:
                category = str(spec_raw.get("associationCategory") or "")
                type_id = spec_raw.get("associationTypeId")
                match = next(
                    (
                        t
                        for t in self.types.values()
                        if t.from_type == from_type.name
                        and t.category == category
                        and t.type_id == type_id
                    ),
                    None,
                )
                if match is None:
                    raise ValidationError(
                        f"{category} association type {type_id} is not valid from {from_type.name}"
                    )
                to_type = resolve_object_type(match.to_type)
                specs.append(match.spec())
            if to_type is None:
                raise ValidationError(
                    "Invalid input JSON: each association needs at least one type"
                )
            self._require(to_type, to_id)
            out.append((to_type, to_id, specs))
        return out

    def create_inline(self, from_type: ObjectType, from_id: int, links: list[InlineLink]) -> None:
        for to_type, to_id, specs in links:
            self.add(from_type, from_id, to_type, to_id, specs)

    # -- state --------------------------------------------------------------------------

    def to_state(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for (a, a_id, b), edges in self._edges.items():
            if a > b:
                continue  # one direction is enough: inverses are rebuilt on load
            for b_id, specs in edges.items():
                if specs:
                    out[f"{a}/{a_id}/{b}/{b_id}"] = {"types": sorted([c, i] for c, i in specs)}
        for kind in self.types.values():
            if kind.category == USER_DEFINED:
                out[f"labels/{kind.from_type}/{kind.to_type}/{kind.type_id}"] = {
                    "label": kind.label,
                    "name": kind.name,
                    "inverseId": kind.inverse_id,
                }
        out["labels/next-id"] = {"value": self._next_label_id}
        for (a, b, category, type_id), limit in self.limits.items():
            out[f"limits/{a}/{b}/{category}/{type_id}"] = {"maxToObjectIds": limit}
        return out

    def load_state(self, data: dict[str, Any]) -> None:
        self.reset()
        for key, raw in data.items():
            parts = key.split("/")
            if key == "labels/next-id":
                self._next_label_id = max(self._next_label_id, int(raw["value"]))
            elif parts[0] == "limits" and len(parts) == 5:
                limit_key = (parts[1], parts[2], parts[3], int(parts[4]))
                self.limits[limit_key] = int(raw["maxToObjectIds"])
            elif parts[0] == "labels" and len(parts) == 4:
                kind = AssociationType(
                    parts[1],
                    parts[2],
                    int(parts[3]),
                    USER_DEFINED,
                    raw.get("label"),
                    str(raw.get("name", "")),
                    int(raw["inverseId"]),
                )
                self.types[(kind.from_type, kind.to_type, USER_DEFINED, kind.type_id)] = kind
        for key, raw in data.items():
            parts = key.split("/")
            if parts[0] == "labels" or len(parts) != 4:
                continue
            a, a_id, b, b_id = parts[0], int(parts[1]), parts[2], int(parts[3])
            for category, type_id in raw.get("types", []):
                spec = (str(category), int(type_id))
                found = self.type_of(a, b, spec)
                self._link(a, a_id, b, b_id, spec)
                if found is not None:
                    self._link(b, b_id, a, a_id, (found.category, found.inverse_id))
