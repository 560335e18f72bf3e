"""Property definitions: HubSpot's defaults plus the portal's custom properties.

Contract §4.8: ``PropertyCreate`` needs ``name, label, type, fieldType, groupName``; ``type`` is
one of ``bool, date, datetime, enumeration, number, phone_number, string`` and ``fieldType`` one
of ``booleancheckbox, calculation_equation, checkbox, date, file, html, number, phonenumber,
radio, select, text, textarea``. Definitions never see HTTP.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from runtime.contract.object_types import is_custom_type_id
from runtime.fake_hubspot.core.clock import iso_ms
from runtime.fake_hubspot.core.errors import (
    ObjectAlreadyExists,
    ObjectNotFound,
    ValidationError,
)
from runtime.fake_hubspot.core.object_types import OBJECT_TYPES, ObjectType
from runtime.fake_hubspot.properties.defaults import DEFAULTS, OPTION_LABELS
from runtime.fake_hubspot.properties.standard_types import COMMON

TYPES = ("bool", "date", "datetime", "enumeration", "number", "phone_number", "string")
FIELD_TYPES = (
    "booleancheckbox",
    "calculation_equation",
    "checkbox",
    "date",
    "file",
    "html",
    "number",
    "phonenumber",
    "radio",
    "select",
    "text",
    "textarea",
)
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
#: HubSpot-defined properties carry an old fixed timestamp (2019-08-06T02:41:52.358Z).
DEFAULT_TIMESTAMP_MS = 1565059312358


@dataclass
class PropertyDefinition:
    """One property of one object type."""

    name: str
    label: str
    type: str
    field_type: str
    group_name: str
    description: str = ""
    options: list[dict[str, Any]] = field(default_factory=list)
    display_order: int = -1
    read_only_value: bool = False
    has_unique_value: bool = False
    hidden: bool = False
    hubspot_defined: bool = False
    form_field: bool = True
    created_at: int = DEFAULT_TIMESTAMP_MS
    updated_at: int = DEFAULT_TIMESTAMP_MS
    archived: bool = False

    @property
    def option_values(self) -> list[str]:
        return [str(o["value"]) for o in self.options]

    def to_api(self) -> dict[str, Any]:
        """The ``Property`` JSON (contract §4.8)."""
        data: dict[str, Any] = {
            "updatedAt": iso_ms(self.updated_at),
            "createdAt": iso_ms(self.created_at),
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "fieldType": self.field_type,
            "description": self.description,
            "groupName": self.group_name,
            "options": [dict(o) for o in self.options],
            "displayOrder": self.display_order,
            "calculated": self.read_only_value and self.hubspot_defined,
            "externalOptions": False,
            "hasUniqueValue": self.has_unique_value,
            "hidden": self.hidden,
            "modificationMetadata": {
                "archivable": not self.hubspot_defined,
                "readOnlyDefinition": self.hubspot_defined,
                "readOnlyValue": self.read_only_value,
            },
            "formField": self.form_field,
            "dataSensitivity": "non_sensitive",
            "archived": self.archived,
        }
        if self.hubspot_defined:
            data["hubspotDefined"] = True
        return data

    def to_state(self) -> dict[str, Any]:
        return self.to_api() | {"createdAtMs": self.created_at, "updatedAtMs": self.updated_at}


def _option(value: str, order: int) -> dict[str, Any]:
    label = OPTION_LABELS.get(value, value.replace("_", " ").title() if value.isupper() else value)
    return {"label": label, "value": value, "displayOrder": order, "hidden": False}


def _common_defaults(group_name: str) -> dict[str, PropertyDefinition]:
    """The properties every custom object has (``hs_object_id``, ``hs_createdate``...)."""
    out: dict[str, PropertyDefinition] = {}
    for order, (name, label, kind, field_type, flags, options) in enumerate(COMMON):
        out[name] = PropertyDefinition(
            name=name,
            label=label,
            type=kind,
            field_type=field_type,
            group_name=group_name,
            options=[_option(v, i) for i, v in enumerate(options)],
            display_order=order,
            read_only_value="ro" in flags,
            hidden="hidden" in flags,
            hubspot_defined=True,
        )
    return out


def _defaults(object_type: ObjectType) -> dict[str, PropertyDefinition]:
    out: dict[str, PropertyDefinition] = {}
    for order, (name, label, kind, field_type, flags, options) in enumerate(
        DEFAULTS[object_type.name]
    ):
        out[name] = PropertyDefinition(
            name=name,
            label=label,
            type=kind,
            field_type=field_type,
            group_name=object_type.group_name,
            options=[_option(v, i) for i, v in enumerate(options)],
            display_order=order,
            read_only_value="ro" in flags,
            has_unique_value="unique" in flags,
            hidden="hidden" in flags,
            hubspot_defined=True,
        )
    return out


class PropertiesBackend:
    """Every property definition of the portal, per object type."""

    def __init__(self, now_ms: Callable[[], int]) -> None:
        self._now_ms = now_ms
        self._by_type: dict[str, dict[str, PropertyDefinition]] = {}
        self.groups: dict[str, dict[str, dict[str, Any]]] = {}
        self.reset()

    def reset(self) -> None:
        self._by_type = {t.name: _defaults(t) for t in OBJECT_TYPES}
        self.groups = {
            t.name: {
                t.group_name: {
                    "name": t.group_name,
                    "label": f"{t.singular.title()} information",
                    "displayOrder": 0,
                    "archived": False,
                }
            }
            for t in OBJECT_TYPES
        }

    def _of(self, object_type: ObjectType) -> dict[str, PropertyDefinition]:
        """A type's definitions; a custom object type gets HubSpot's common ones first."""
        props = self._by_type.get(object_type.name)
        if props is None:
            props = self._by_type[object_type.name] = _common_defaults(object_type.group_name)
            self.groups.setdefault(
                object_type.name,
                {
                    object_type.group_name: {
                        "name": object_type.group_name,
                        "label": f"{object_type.singular.title()} information",
                        "displayOrder": 0,
                        "archived": False,
                    }
                },
            )
        return props

    def _groups_of(self, object_type: ObjectType) -> dict[str, dict[str, Any]]:
        self._of(object_type)
        return self.groups.setdefault(object_type.name, {})

    # -- reads --------------------------------------------------------------------------

    def find(self, object_type: ObjectType, name: str) -> PropertyDefinition | None:
        """A live definition or ``None``."""
        prop = self._of(object_type).get(name)
        return prop if prop is not None and not prop.archived else None

    def get(
        self, object_type: ObjectType, name: str, *, archived: bool = False
    ) -> PropertyDefinition:
        """A definition by name.

        Raises:
            ObjectNotFound: no such property (wording UNCONFIRMED).
        """
        prop = self._of(object_type).get(name)
        if prop is None or prop.archived != archived:
            raise ObjectNotFound(
                f"Unable to find property with name '{name}' in object type {object_type.type_id}"
            )
        return prop

    def definitions(
        self, object_type: ObjectType, *, archived: bool = False
    ) -> list[PropertyDefinition]:
        """Definitions of a type, live or archived only."""
        return [p for p in self._of(object_type).values() if p.archived == archived]

    def unique_properties(self, object_type: ObjectType) -> list[str]:
        """Names of custom properties with ``hasUniqueValue`` (usable as ``idProperty``)."""
        return [p.name for p in self.definitions(object_type) if p.has_unique_value]

    # -- writes -------------------------------------------------------------------------

    def create(self, object_type: ObjectType, data: dict[str, Any]) -> PropertyDefinition:
        """Create a custom property from a ``PropertyCreate`` body.

        Raises:
            ValidationError: a missing or invalid field.
            ObjectAlreadyExists: the name is taken (wording UNCONFIRMED).
        """
        missing = [
            k for k in ("name", "label", "type", "fieldType", "groupName") if not data.get(k)
        ]
        if missing:
            listed = ", ".join(missing)
            raise ValidationError(
                f"Invalid input JSON: some of required attributes are not set [{listed}]"
            )
        name, kind, field_type = str(data["name"]), str(data["type"]), str(data["fieldType"])
        if not _NAME.match(name):
            raise ValidationError(
                f"Property name '{name}' must start with a lower-case letter and contain only "
                "lower-case letters, digits and underscores"
            )
        if kind not in TYPES:
            raise ValidationError(f"'{kind}' is not a valid property type; one of {list(TYPES)}")
        if field_type not in FIELD_TYPES:
            raise ValidationError(
                f"'{field_type}' is not a valid field type; one of {list(FIELD_TYPES)}"
            )
        group = str(data["groupName"])
        if group not in self._groups_of(object_type):
            raise ValidationError(f"Property group '{group}' does not exist")
        existing = self._of(object_type).get(name)
        if existing is not None and not existing.archived:
            raise ObjectAlreadyExists(f"Property named '{name}' already exists.")
        options = self._options(kind, data.get("options"))
        now = self._now_ms()
        prop = PropertyDefinition(
            name=name,
            label=str(data["label"]),
            type=kind,
            field_type=field_type,
            group_name=group,
            description=str(data.get("description") or ""),
            options=options,
            display_order=int(data.get("displayOrder", -1) or -1),
            has_unique_value=bool(data.get("hasUniqueValue", False)),
            hidden=bool(data.get("hidden", False)),
            form_field=bool(data.get("formField", True)),
            created_at=now,
            updated_at=now,
        )
        self._of(object_type)[name] = prop
        return prop

    def update(
        self, object_type: ObjectType, name: str, data: dict[str, Any]
    ) -> PropertyDefinition:
        """Change a custom property's label, description, group, options or flags."""
        prop = self.get(object_type, name)
        if prop.hubspot_defined:
            raise ValidationError(
                f"Property '{name}' is HubSpot-defined; its definition is read-only"
            )
        if "label" in data:
            prop.label = str(data["label"])
        if "description" in data:
            prop.description = str(data["description"] or "")
        if "groupName" in data:
            if str(data["groupName"]) not in self._groups_of(object_type):
                raise ValidationError(f"Property group '{data['groupName']}' does not exist")
            prop.group_name = str(data["groupName"])
        if "options" in data:
            prop.options = self._options(prop.type, data["options"])
        if "hidden" in data:
            prop.hidden = bool(data["hidden"])
        if "displayOrder" in data:
            prop.display_order = int(data["displayOrder"])
        prop.updated_at = self._now_ms()
        return prop

    def archive(self, object_type: ObjectType, name: str) -> None:
        """Archive a custom property (HubSpot-defined ones cannot be archived)."""
        prop = self.get(object_type, name)
        if prop.hubspot_defined:
            raise ValidationError(f"Property '{name}' is HubSpot-defined and cannot be archived")
        prop.archived = True
        prop.updated_at = self._now_ms()

    def create_group(self, object_type: ObjectType, data: dict[str, Any]) -> dict[str, Any]:
        """Create a property group."""
        name, label = data.get("name"), data.get("label")
        if not name or not label:
            raise ValidationError(
                "Invalid input JSON: some of required attributes are not set [name, label]"
            )
        if str(name) in self._groups_of(object_type):
            raise ObjectAlreadyExists(f"Property group named '{name}' already exists.")
        group = {
            "name": str(name),
            "label": str(label),
            "displayOrder": int(data.get("displayOrder", -1) or -1),
            "archived": False,
        }
        self._groups_of(object_type)[str(name)] = group
        return group

    def groups_of(self, object_type: ObjectType) -> dict[str, dict[str, Any]]:
        """The property groups of a type, by name."""
        return self._groups_of(object_type)

    def get_group(self, object_type: ObjectType, name: str) -> dict[str, Any]:
        """Raises: ObjectNotFound: no such group (wording UNCONFIRMED)."""
        group = self._groups_of(object_type).get(name)
        if group is None:
            raise ObjectNotFound(f"Unable to find property group {name} for {object_type.type_id}")
        return group

    def update_group(
        self, object_type: ObjectType, name: str, data: dict[str, Any]
    ) -> dict[str, Any]:
        """``PATCH``: ``label`` and ``displayOrder`` (the name is the group's key)."""
        group = self.get_group(object_type, name)
        if "label" in data:
            if not data["label"]:
                raise ValidationError("Invalid input JSON: label must not be empty")
            group["label"] = str(data["label"])
        if "displayOrder" in data:
            try:
                group["displayOrder"] = int(data["displayOrder"])
            except (TypeError, ValueError):
                raise ValidationError("Invalid input JSON: displayOrder must be a number") from None
        return group

    def delete_group(self, object_type: ObjectType, name: str) -> None:
        """Archive a group that holds no live property and is not the type's default one.

        Raises:
            ValidationError: it holds properties or is HubSpot-defined (wording UNCONFIRMED).
        """
        self.get_group(object_type, name)
        if name == object_type.group_name:
            raise ValidationError(f"Property group {name} is HubSpot-defined and cannot be deleted")
        used = [p.name for p in self.definitions(object_type) if p.group_name == name]
        if used:
            raise ValidationError(
                f"Property group {name} still holds properties: {', '.join(sorted(used))}"
            )
        del self._groups_of(object_type)[name]

    @staticmethod
    def _options(kind: str, raw: Any) -> list[dict[str, Any]]:
        if kind == "bool":
            return [_option("true", 0) | {"label": "Yes"}, _option("false", 1) | {"label": "No"}]
        if raw is None:
            if kind == "enumeration":
                raise ValidationError("Enumeration properties need at least one option")
            return []
        if not isinstance(raw, list) or not all(isinstance(o, dict) for o in raw):
            raise ValidationError("Invalid input JSON: 'options' must be an array of objects")
        out: list[dict[str, Any]] = []
        for order, option in enumerate(raw):
            if option.get("value") is None or option.get("label") is None:
                raise ValidationError("Each option needs a label and a value")
            out.append(
                {
                    "label": str(option["label"]),
                    "value": str(option["value"]),
                    "displayOrder": int(option.get("displayOrder", order)),
                    "hidden": bool(option.get("hidden", False)),
                    "description": str(option.get("description") or ""),
                }
            )
        return out

    # -- state --------------------------------------------------------------------------

    def to_state(self) -> dict[str, dict[str, Any]]:
        """Custom properties and groups only (defaults are rebuilt)."""
        out: dict[str, dict[str, Any]] = {}
        for type_name, props in self._by_type.items():
            for name, prop in props.items():
                if not prop.hubspot_defined:
                    out[f"{type_name}/{name}"] = prop.to_state()
        for type_name, groups in self.groups.items():
            for name, group in groups.items():
                out[f"{type_name}/groups/{name}"] = dict(group)
        return out

    def load_state(self, data: dict[str, Any]) -> None:
        self.reset()
        for key, raw in sorted(data.items(), key=lambda kv: "/groups/" not in kv[0]):
            type_name, _, rest = key.partition("/")
            if type_name not in self._by_type and is_custom_type_id(type_name):
                self._by_type[type_name] = _common_defaults(str(raw.get("groupName", "")))
                self.groups.setdefault(type_name, {})
            if type_name not in self._by_type:
                continue
            if rest.startswith("groups/"):
                self.groups[type_name][rest[7:]] = dict(raw)
                continue
            self._by_type[type_name][rest] = PropertyDefinition(
                name=raw["name"],
                label=raw["label"],
                type=raw["type"],
                field_type=raw["fieldType"],
                group_name=raw["groupName"],
                description=raw.get("description", ""),
                options=list(raw.get("options", [])),
                display_order=int(raw.get("displayOrder", -1)),
                has_unique_value=bool(raw.get("hasUniqueValue", False)),
                hidden=bool(raw.get("hidden", False)),
                form_field=bool(raw.get("formField", True)),
                created_at=int(raw.get("createdAtMs", DEFAULT_TIMESTAMP_MS)),
                updated_at=int(raw.get("updatedAtMs", DEFAULT_TIMESTAMP_MS)),
                archived=bool(raw.get("archived", False)),
            )
