"""Lists v3 and HubSpot's rules for them. No HTTP here.

A list holds records of one object type (``objectTypeId``). ``MANUAL`` and ``SNAPSHOT`` lists
take membership changes through the API; a ``DYNAMIC`` list is filled by HubSpot from its
``filterBranch``, which the fake does not evaluate (it stays empty, and adding to it is a 400,
as HubSpot refuses manual changes to a dynamic list; wording UNCONFIRMED). Only live records of
the list's type can be members: other ids come back in ``recordIdsMissing``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from runtime.fake_hubspot.core.clock import iso_ms
from runtime.fake_hubspot.core.errors import Conflict, ObjectNotFound, ValidationError
from runtime.fake_hubspot.core.object_types import resolve_object_type

if TYPE_CHECKING:
    from runtime.fake_hubspot.portal import FakePortal

PROCESSING_TYPES = ("MANUAL", "SNAPSHOT", "DYNAMIC")


@dataclass
class CrmList:
    """One list."""

    list_id: int
    name: str
    object_type_id: str
    processing_type: str
    created_at: int
    updated_at: int
    version: int = 1
    filter_branch: dict[str, Any] | None = None
    members: dict[int, int] = field(default_factory=dict)  # record id → added at (ms)

    def to_api(self) -> dict[str, Any]:
        """The reference's ``PublicObjectList``."""
        data: dict[str, Any] = {
            "listId": str(self.list_id),
            "listVersion": self.version,
            "name": self.name,
            "objectTypeId": self.object_type_id,
            "processingType": self.processing_type,
            "processingStatus": "COMPLETE",
            "createdAt": iso_ms(self.created_at),
            "updatedAt": iso_ms(self.updated_at),
            "filtersUpdatedAt": iso_ms(self.created_at),
            "size": len(self.members),
        }
        if self.filter_branch is not None:
            data["filterBranch"] = self.filter_branch
        return data

    def to_state(self) -> dict[str, Any]:
        return {
            "listId": self.list_id,
            "name": self.name,
            "objectTypeId": self.object_type_id,
            "processingType": self.processing_type,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "version": self.version,
            "filterBranch": self.filter_branch,
            "members": {str(k): v for k, v in self.members.items()},
        }

    @classmethod
    def from_state(cls, raw: dict[str, Any]) -> CrmList:
        return cls(
            list_id=int(raw["listId"]),
            name=str(raw["name"]),
            object_type_id=str(raw["objectTypeId"]),
            processing_type=str(raw["processingType"]),
            created_at=int(raw["createdAt"]),
            updated_at=int(raw["updatedAt"]),
            version=int(raw.get("version", 1)),
            filter_branch=raw.get("filterBranch"),
            members={int(k): int(v) for k, v in dict(raw.get("members", {})).items()},
        )


class ListsBackend:
    """The lists of one portal."""

    def __init__(self, portal: FakePortal) -> None:
        self.portal = portal
        self.lists: dict[int, CrmList] = {}

    def reset(self) -> None:
        self.lists = {}

    def create(self, data: dict[str, Any]) -> CrmList:
        """Raises: ValidationError: a missing or bad field. Conflict: the name is taken."""
        name = str(data.get("name") or "")
        object_type_id = str(data.get("objectTypeId") or "")
        processing = str(data.get("processingType") or "")
        missing = [
            k
            for k, v in (
                ("name", name),
                ("objectTypeId", object_type_id),
                ("processingType", processing),
            )
            if not v
        ]
        if missing:
            listed = ", ".join(missing)
            raise ValidationError(
                f"Invalid input JSON: some of required attributes are not set [{listed}]"
            )
        if processing not in PROCESSING_TYPES:
            raise ValidationError(
                f"Invalid processingType {processing!r}: one of {', '.join(PROCESSING_TYPES)}"
            )
        kind = resolve_object_type(object_type_id)
        if any(x.name.lower() == name.lower() for x in self.lists.values()):
            raise Conflict(f"A list named '{name}' already exists")
        now = self.portal.now_ms()
        branch = data.get("filterBranch")
        created = CrmList(
            list_id=self.portal.allocate_id("lists"),
            name=name,
            object_type_id=kind.type_id,
            processing_type=processing,
            created_at=now,
            updated_at=now,
            filter_branch=branch if isinstance(branch, dict) else None,
        )
        self.lists[created.list_id] = created
        return created

    def get(self, list_id: str) -> CrmList:
        """Raises: ObjectNotFound: no such list (wording UNCONFIRMED)."""
        found = self.lists.get(int(list_id)) if list_id.isdigit() and len(list_id) < 19 else None
        if found is None:
            raise ObjectNotFound(f"List {list_id} does not exist.")
        return found

    def delete(self, list_id: str) -> None:
        self.lists.pop(self.get(list_id).list_id, None)

    def change(
        self, list_id: str, add: list[str], remove: list[str]
    ) -> tuple[list[str], list[str], list[str]]:
        """Add and remove members; ``(added, removed, missing)`` ids.

        Raises:
            ValidationError: a dynamic list.
        """
        target = self.get(list_id)
        if target.processing_type == "DYNAMIC":
            raise ValidationError(
                f"List {list_id} is a DYNAMIC list: its memberships cannot be changed manually"
            )
        kind = resolve_object_type(target.object_type_id)
        now = self.portal.now_ms()
        added, removed, missing = [], [], []
        for raw in add:
            text = str(raw)
            live = (
                text.isdigit() and len(text) < 19 and self.portal.objects.get_live(kind, int(text))
            )
            if not live:
                missing.append(text)
            elif int(text) not in target.members:
                target.members[int(text)] = now
                added.append(text)
        for raw in remove:
            text = str(raw)
            if (
                text.isdigit()
                and len(text) < 19
                and target.members.pop(int(text), None) is not None
            ):
                removed.append(text)
            else:
                missing.append(text)
        if added or removed:
            target.updated_at = now
        return added, removed, missing

    def to_state(self) -> dict[str, dict[str, Any]]:
        return {f"lists/{x.list_id}": x.to_state() for x in self.lists.values()}

    def load_state(self, data: dict[str, Any]) -> None:
        self.reset()
        for key, raw in data.items():
            if key.startswith("lists/"):
                item = CrmList.from_state(raw)
                self.lists[item.list_id] = item
