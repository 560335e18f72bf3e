"""Custom object schemas and HubSpot's rules for them. No HTTP here.

A schema (the reference's ``ObjectSchemaEgg`` on create) names an object type
``2-<n>`` with the fully qualified name ``p{portalId}_{name}``; its ``properties`` become
property definitions of the type, its ``associatedObjects`` unlabelled association types
(``USER_DEFINED``, as HubSpot lists a custom object's associations). Records of the type then
go through every object API by type id, fully qualified name or name. A seed may give the
``objectTypeId`` (real actions hard-code ids like ``2-7654321``).

Rules (wording UNCONFIRMED where HubSpot's is not published): ``name``, ``labels``,
``properties`` are required; ``primaryDisplayProperty``, ``requiredProperties`` and
``searchableProperties`` must name the schema's properties; a name or id used twice is a 409;
archiving a schema that still has live records is a 400.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from runtime.contract.object_types import ObjectType, custom_type, find, is_custom_type_id
from runtime.fake_hubspot.core.clock import iso_ms
from runtime.fake_hubspot.core.errors import Conflict, ObjectNotFound, ValidationError

if TYPE_CHECKING:
    from runtime.fake_hubspot.portal import FakePortal

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*\Z")
#: Custom object type ids this portal hands out start here (``2-1000001``...).
FIRST_TYPE_NUMBER = 1_000_000


@dataclass
class Schema:
    """One custom object schema."""

    type_id: str
    name: str
    labels: dict[str, str]
    primary_display_property: str
    required: list[str]
    searchable: list[str]
    secondary: list[str]
    property_names: list[str]
    created_at: int
    updated_at: int
    description: str = ""
    archived: bool = False
    associations: list[dict[str, Any]] = field(default_factory=list)

    def fully_qualified_name(self, portal_id: int) -> str:
        return f"p{portal_id}_{self.name}"

    def object_type(self, portal_id: int) -> ObjectType:
        singular = (self.labels.get("singular") or self.name).lower().replace(" ", "_")
        return custom_type(
            type_id=self.type_id,
            name=self.name,
            singular=singular,
            fully_qualified_name=self.fully_qualified_name(portal_id),
            primary_property=self.primary_display_property,
            searchable=tuple(self.searchable),
            required=tuple(self.required),
        )

    def to_state(self) -> dict[str, Any]:
        return {
            "objectTypeId": self.type_id,
            "name": self.name,
            "labels": dict(self.labels),
            "primaryDisplayProperty": self.primary_display_property,
            "requiredProperties": list(self.required),
            "searchableProperties": list(self.searchable),
            "secondaryDisplayProperties": list(self.secondary),
            "propertyNames": list(self.property_names),
            "createdAtMs": self.created_at,
            "updatedAtMs": self.updated_at,
            "description": self.description,
            "archived": self.archived,
            "associations": [dict(a) for a in self.associations],
        }

    @classmethod
    def from_state(cls, raw: dict[str, Any]) -> Schema:
        return cls(
            type_id=str(raw["objectTypeId"]),
            name=str(raw["name"]),
            labels=dict(raw.get("labels", {})),
            primary_display_property=str(raw.get("primaryDisplayProperty", "")),
            required=list(raw.get("requiredProperties", [])),
            searchable=list(raw.get("searchableProperties", [])),
            secondary=list(raw.get("secondaryDisplayProperties", [])),
            property_names=list(raw.get("propertyNames", [])),
            created_at=int(raw["createdAtMs"]),
            updated_at=int(raw["updatedAtMs"]),
            description=str(raw.get("description", "")),
            archived=bool(raw.get("archived", False)),
            associations=[dict(a) for a in raw.get("associations", [])],
        )


def _string_list(data: dict[str, Any], key: str) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(f"Invalid input JSON: '{key}' must be an array of strings")
    return list(value)


class SchemasBackend:
    """The custom object schemas of one portal."""

    def __init__(self, portal: FakePortal) -> None:
        self.portal = portal
        self.schemas: dict[str, Schema] = {}

    def reset(self) -> None:
        self.schemas = {}

    # -- lookup -------------------------------------------------------------------------

    def find(self, name: str, *, archived: bool = False) -> Schema | None:
        """A schema by type id, fully qualified name or name (case-insensitive)."""
        wanted = name.strip().lower()
        portal_id = self.portal.portal_id
        for schema in self.schemas.values():
            if schema.archived != archived:
                continue
            if wanted in (
                schema.type_id,
                schema.name.lower(),
                schema.fully_qualified_name(portal_id).lower(),
            ):
                return schema
        return None

    def find_type(self, name: str) -> ObjectType | None:
        """The object type of a live schema (the portal's custom type lookup)."""
        schema = self.find(name)
        return None if schema is None else schema.object_type(self.portal.portal_id)

    def get(self, name: str) -> Schema:
        """Raises: ObjectNotFound: no such live schema (wording UNCONFIRMED)."""
        schema = self.find(name)
        if schema is None:
            raise ObjectNotFound(f"Unable to find object schema for {name}")
        return schema

    # -- writes -------------------------------------------------------------------------

    def create(self, data: dict[str, Any], *, type_id: str | None = None) -> Schema:
        """Create a schema from an ``ObjectSchemaEgg`` body (``type_id``: a seed's own id).

        Raises:
            ValidationError: a missing or inconsistent field. Conflict: name or id taken.
        """
        missing = [k for k in ("name", "labels", "properties") if not data.get(k)]
        if missing:
            listed = ", ".join(missing)
            raise ValidationError(
                f"Invalid input JSON: some of required attributes are not set [{listed}]"
            )
        name = str(data["name"])
        if not _NAME.match(name):
            raise ValidationError(f"Invalid schema name '{name}': letters, digits, underscores")
        if self.find(name) is not None:
            raise Conflict(f"An object schema named '{name}' already exists")
        labels = data["labels"]
        if not isinstance(labels, dict) or not labels.get("singular") or not labels.get("plural"):
            raise ValidationError("Invalid input JSON: labels needs 'singular' and 'plural'")
        if type_id is None:
            type_id = f"2-{FIRST_TYPE_NUMBER + self.portal.allocate_id('schemas')}"
        if not is_custom_type_id(type_id):
            raise ValidationError(f"Invalid objectTypeId {type_id!r}: expected 2-<number>")
        if type_id in self.schemas:
            raise Conflict(f"An object schema with id {type_id} already exists")
        props = data["properties"]
        if not isinstance(props, list) or not all(isinstance(p, dict) for p in props):
            raise ValidationError("Invalid input JSON: 'properties' must be an array of objects")
        names = [str(p.get("name", "")) for p in props]
        required = _string_list(data, "requiredProperties")
        searchable = _string_list(data, "searchableProperties")
        secondary = _string_list(data, "secondaryDisplayProperties")
        primary = str(data.get("primaryDisplayProperty") or "")
        for listed_name in [*required, *searchable, *secondary, *([primary] if primary else [])]:
            if listed_name not in names:
                raise ValidationError(
                    f"Property '{listed_name}' is not defined in the schema's properties"
                )
        now = self.portal.now_ms()
        schema = Schema(
            type_id=type_id,
            name=name,
            labels={"singular": str(labels["singular"]), "plural": str(labels["plural"])},
            primary_display_property=primary,
            required=required,
            searchable=searchable,
            secondary=secondary,
            property_names=names,
            created_at=now,
            updated_at=now,
            description=str(data.get("description") or ""),
        )
        kind = schema.object_type(self.portal.portal_id)
        properties = self.portal.properties
        for prop in props:
            body = {
                "label": prop.get("label") or prop.get("name"),
                "groupName": kind.group_name,
                **prop,
            }
            body.setdefault("fieldType", _field_type(str(body.get("type", "string"))))
            properties.create(kind, body)
        self.schemas[type_id] = schema
        for other in _string_list(data, "associatedObjects"):
            self.associate(schema, other)
        return schema

    def associate(self, schema: Schema, other: str) -> dict[str, Any]:
        """An association definition from the schema's type to ``other`` (a type or id)."""
        kind = schema.object_type(self.portal.portal_id)
        target = find(other) or self.find_type(other)
        if target is None:
            raise ValidationError(f"Unable to infer object type from: {other}")
        defined = self.portal.associations.define_pair(kind, target)
        entry = {
            "id": str(defined.type_id),
            "fromObjectTypeId": kind.type_id,
            "toObjectTypeId": target.type_id,
            "name": defined.name,
            "createdAt": iso_ms(self.portal.now_ms()),
            "updatedAt": iso_ms(self.portal.now_ms()),
        }
        if all(a["id"] != entry["id"] for a in schema.associations):
            schema.associations.append(entry)
        return entry

    def update(self, name: str, data: dict[str, Any]) -> Schema:
        """``PATCH``: labels, display, required and searchable properties."""
        schema = self.get(name)
        if "labels" in data:
            labels = data["labels"]
            if not isinstance(labels, dict):
                raise ValidationError("Invalid input JSON: 'labels' must be an object")
            schema.labels.update({k: str(v) for k, v in labels.items() if v})
        for key, attr in (
            ("requiredProperties", "required"),
            ("searchableProperties", "searchable"),
            ("secondaryDisplayProperties", "secondary"),
        ):
            if key in data:
                setattr(schema, attr, _string_list(data, key))
        if data.get("primaryDisplayProperty"):
            schema.primary_display_property = str(data["primaryDisplayProperty"])
        schema.updated_at = self.portal.now_ms()
        return schema

    def archive(self, name: str) -> None:
        """Archive a schema that has no live records.

        Raises:
            ValidationError: records remain (HubSpot asks for them to be deleted first).
        """
        schema = self.get(name)
        kind = schema.object_type(self.portal.portal_id)
        if any(not r.archived for r in self.portal.objects.store(kind).records.values()):
            raise ValidationError(
                f"Object schema {schema.type_id} still has records: delete them first"
            )
        schema.archived = True
        schema.updated_at = self.portal.now_ms()

    # -- answers --------------------------------------------------------------------------

    def to_api(self, schema: Schema) -> dict[str, Any]:
        """The reference's ``ObjectSchema``."""
        kind = schema.object_type(self.portal.portal_id)
        properties = [
            p.to_api()
            for p in self.portal.properties.definitions(kind)
            if p.name in schema.property_names
        ]
        return {
            "id": schema.type_id.partition("-")[2],
            "createdAt": iso_ms(schema.created_at),
            "updatedAt": iso_ms(schema.updated_at),
            "archived": schema.archived,
            "labels": dict(schema.labels),
            "requiredProperties": list(schema.required),
            "searchableProperties": list(schema.searchable),
            "primaryDisplayProperty": schema.primary_display_property,
            "secondaryDisplayProperties": list(schema.secondary),
            "description": schema.description,
            "objectTypeId": schema.type_id,
            "fullyQualifiedName": schema.fully_qualified_name(self.portal.portal_id),
            "name": schema.name,
            "properties": properties,
            "associations": [dict(a) for a in schema.associations],
        }

    # -- state ----------------------------------------------------------------------------

    def to_state(self) -> dict[str, dict[str, Any]]:
        return {f"schemas/{s.type_id}": s.to_state() for s in self.schemas.values()}

    def load_state(self, data: dict[str, Any]) -> None:
        self.reset()
        for key, raw in data.items():
            if key.startswith("schemas/"):
                schema = Schema.from_state(raw)
                self.schemas[schema.type_id] = schema


def _field_type(kind: str) -> str:
    return {
        "number": "number",
        "bool": "booleancheckbox",
        "enumeration": "select",
        "date": "date",
        "datetime": "date",
    }.get(kind, "text")
