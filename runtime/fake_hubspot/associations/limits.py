"""User-enforced association limits: the v4 definition configurations. No HTTP here.

``/crm/v4/associations/definitions/configurations/...`` (HubSpot's Associations v4 schema
spec; developer changelog "Introducing Custom Association Limits for Associations API",
2024-07-30) sets, per association type of a pair, the most records one record may be
associated with (``maxToObjectIds``):

- a limit on the pair's unlabelled type limits the associated records of the other type
  whatever their labels (the *object* limit); a limit on a labelled type limits the records
  associated with that label;
- a label limit may not exceed the object limit, nor the object limit fall below a label
  limit (the changelog's rule; its wording of the error is not published, ours is UNCONFIRMED);
- limits hold for new associations only, never retroactively (changelog): an association
  that would take a record past a limit is refused (a 400, wording UNCONFIRMED), in either
  direction, from every API that associates (v4, v3, inline on create, default).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from runtime.fake_hubspot.associations.types import AssociationType, Spec
from runtime.fake_hubspot.core.errors import ValidationError
from runtime.fake_hubspot.core.object_types import ObjectType

if TYPE_CHECKING:
    from runtime.fake_hubspot.associations.models import AssociationsBackend

#: (from type, to type, category, typeId) → maxToObjectIds.
LimitKey = tuple[str, str, str, int]


def _kind(
    backend: AssociationsBackend, a: ObjectType, b: ObjectType, spec: Spec
) -> AssociationType:
    kind = backend.type_of(a.name, b.name, spec)
    if kind is None:
        # UNCONFIRMED wording.
        raise ValidationError(f"No {spec[0]} association type {spec[1]} from {a.name} to {b.name}")
    return kind


def _unlabelled(backend: AssociationsBackend, a: str, b: str) -> AssociationType | None:
    return next(
        (
            t
            for t in backend.types.values()
            if t.from_type == a and t.to_type == b and t.label is None
        ),
        None,
    )


def configuration_json(backend: AssociationsBackend, kind: AssociationType) -> dict[str, Any]:
    """A ``PublicAssociationDefinitionUserConfiguration``."""
    key = (kind.from_type, kind.to_type, kind.category, kind.type_id)
    return {
        "category": kind.category,
        "typeId": kind.type_id,
        "label": kind.label,
        "userEnforcedMaxToObjectIds": backend.limits.get(key),
    }


def configurations(
    backend: AssociationsBackend, a: ObjectType, b: ObjectType
) -> list[dict[str, Any]]:
    """Every association type of the pair, with its limit (``null`` when none is set)."""
    return [configuration_json(backend, k) for k in backend.types_between(a, b)]


def all_configurations(backend: AssociationsBackend) -> list[dict[str, Any]]:
    """Every limit set in the portal."""
    out = []
    for key in sorted(backend.limits):
        kind = backend.types.get(key)
        if kind is not None:
            out.append(configuration_json(backend, kind))
    return out


def configure(
    backend: AssociationsBackend, a: ObjectType, b: ObjectType, spec: Spec, limit: int
) -> AssociationType:
    """Set the limit of one association type of the pair.

    Raises:
        ValidationError: an unknown type, a limit below 1, a label limit above the object
            limit or an object limit below a label limit.
    """
    kind = _kind(backend, a, b, spec)
    if limit < 1:
        raise ValidationError(f"maxToObjectIds must be at least 1, got {limit}")
    key = (a.name, b.name, kind.category, kind.type_id)
    if kind.label is not None:
        plain = _unlabelled(backend, a.name, b.name)
        ceiling = None
        if plain is not None:
            ceiling = backend.limits.get((a.name, b.name, plain.category, plain.type_id))
        if ceiling is not None and limit > ceiling:
            raise ValidationError(
                f"maxToObjectIds for label '{kind.label}' must be between 1 and {ceiling}, the "
                f"limit of all {b.name} associated with one {a.singular}"
            )
    else:
        labelled = [
            n
            for (f, t, c, i), n in backend.limits.items()
            if f == a.name and t == b.name and (f, t, c, i) != key
        ]
        if labelled and limit < max(labelled):
            raise ValidationError(
                f"maxToObjectIds must be at least {max(labelled)}, the highest limit of a "
                f"label from {a.name} to {b.name}"
            )
    backend.changes += 1
    backend.limits[key] = limit
    return kind


def purge(backend: AssociationsBackend, a: ObjectType, b: ObjectType, spec: Spec) -> None:
    """Remove the limit of one association type of the pair (none set: nothing to do).

    Raises:
        ValidationError: an unknown type.
    """
    kind = _kind(backend, a, b, spec)
    backend.changes += 1
    backend.limits.pop((a.name, b.name, kind.category, kind.type_id), None)


def check(
    backend: AssociationsBackend,
    a: ObjectType,
    a_id: int,
    b: ObjectType,
    b_id: int,
    specs: list[Spec],
) -> None:
    """Refuse an association that would take either record past a limit.

    Raises:
        ValidationError: a limit would be exceeded (wording UNCONFIRMED).
    """
    if not backend.limits:
        return
    for spec in specs:
        kind = _kind(backend, a, b, spec)
        _check_side(backend, a, a_id, b, b_id, (kind.category, kind.type_id))
        _check_side(backend, b, b_id, a, a_id, (kind.category, kind.inverse_id))


def _check_side(
    backend: AssociationsBackend, a: ObjectType, a_id: int, b: ObjectType, b_id: int, spec: Spec
) -> None:
    edges = backend.edges_from(a.name, a_id, b.name)
    limit = backend.limits.get((a.name, b.name, *spec))
    if limit is not None:
        holding = sum(1 for other, specs in edges.items() if other != b_id and spec in specs)
        if holding >= limit:
            kind = backend.type_of(a.name, b.name, spec)
            label = f" as '{kind.label}'" if kind is not None and kind.label else ""
            raise ValidationError(
                f"{a.singular} {a_id} cannot be associated with more than {limit} {b.name}{label}"
            )
    plain = _unlabelled(backend, a.name, b.name)
    if plain is None:
        return
    limit = backend.limits.get((a.name, b.name, plain.category, plain.type_id))
    if limit is None or edges.get(b_id):
        return  # the records are associated already: no new record counts
    if sum(1 for specs in edges.values() if specs) >= limit:
        raise ValidationError(
            f"{a.singular} {a_id} cannot be associated with more than {limit} {b.name}"
        )
