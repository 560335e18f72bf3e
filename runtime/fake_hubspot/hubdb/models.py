"""HubDB v3 tables and rows, and HubSpot's draft/published rule. No HTTP here.

A table has a draft and a published version: row writes (``POST …/rows``, ``PATCH
…/rows/{rowId}/draft``) change the draft; ``POST …/draft/publish`` makes the draft live; the
plain row reads (``GET …/rows``) answer the published rows only, as HubSpot's reference says.
A table is named by id or name. Column values are checked loosely (a number column takes
numbers); other column types keep the JSON value given.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from runtime.fake_hubspot.core.clock import iso_ms
from runtime.fake_hubspot.core.errors import Conflict, ObjectNotFound, ValidationError

if TYPE_CHECKING:
    from runtime.fake_hubspot.portal import FakePortal

COLUMN_TYPES = (
    "TEXT",
    "NUMBER",
    "BOOLEAN",
    "DATE",
    "DATETIME",
    "RICHTEXT",
    "URL",
    "IMAGE",
    "SELECT",
    "MULTISELECT",
    "CURRENCY",
    "LOCATION",
    "FOREIGN_ID",
    "VIDEO",
    "CTA",
    "FILE",
)


@dataclass
class Table:
    """One HubDB table: columns, draft rows and published rows (row id → row)."""

    table_id: int
    name: str
    label: str
    columns: list[dict[str, Any]]
    created_at: int
    updated_at: int
    published_at: int | None = None
    draft: dict[int, dict[str, Any]] = field(default_factory=dict)
    published: dict[int, dict[str, Any]] = field(default_factory=dict)

    def to_api(self, *, draft: bool = False) -> dict[str, Any]:
        rows = self.draft if draft else self.published
        data: dict[str, Any] = {
            "id": str(self.table_id),
            "name": self.name,
            "label": self.label,
            "columns": copy.deepcopy(self.columns),
            "published": self.published_at is not None,
            "rowCount": len(rows),
            "createdAt": iso_ms(self.created_at),
            "updatedAt": iso_ms(self.updated_at),
            "useForPages": False,
            "allowPublicApiAccess": False,
            "allowChildTables": False,
            "enableChildTablePages": False,
            "dynamicMetaTags": {},
        }
        if self.published_at is not None:
            data["publishedAt"] = iso_ms(self.published_at)
        return data

    def to_state(self) -> dict[str, Any]:
        return {
            "tableId": self.table_id,
            "name": self.name,
            "label": self.label,
            "columns": self.columns,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "publishedAt": self.published_at,
            "draft": {str(k): v for k, v in self.draft.items()},
            "published": {str(k): v for k, v in self.published.items()},
        }

    @classmethod
    def from_state(cls, raw: dict[str, Any]) -> Table:
        return cls(
            table_id=int(raw["tableId"]),
            name=str(raw["name"]),
            label=str(raw["label"]),
            columns=list(raw["columns"]),
            created_at=int(raw["createdAt"]),
            updated_at=int(raw["updatedAt"]),
            published_at=raw.get("publishedAt"),
            draft={int(k): dict(v) for k, v in dict(raw.get("draft", {})).items()},
            published={int(k): dict(v) for k, v in dict(raw.get("published", {})).items()},
        )


def row_json(row: dict[str, Any]) -> dict[str, Any]:
    """A row as HubSpot answers it (``id``, ``values``, ``path``, ``name``, times)."""
    data = {
        "id": str(row["id"]),
        "createdAt": iso_ms(row["createdAt"]),
        "updatedAt": iso_ms(row["updatedAt"]),
        "values": copy.deepcopy(row["values"]),
        "path": row.get("path"),
        "name": row.get("name"),
    }
    if row.get("publishedAt") is not None:
        data["publishedAt"] = iso_ms(row["publishedAt"])
    return data


class HubDbBackend:
    """The HubDB tables of one portal."""

    def __init__(self, portal: FakePortal) -> None:
        self.portal = portal
        self.tables: dict[int, Table] = {}

    def reset(self) -> None:
        self.tables = {}

    def find(self, key: str) -> Table:
        """A table by id or name.

        Raises:
            ObjectNotFound: no such table (wording UNCONFIRMED).
        """
        for table in self.tables.values():
            if key in (str(table.table_id), table.name):
                return table
        raise ObjectNotFound(f"No table found for id or name {key}")

    def create_table(self, data: dict[str, Any]) -> Table:
        """Create a (draft) table from a ``HubDbTableV3Request`` body."""
        name, label = str(data.get("name") or ""), str(data.get("label") or "")
        if not name or not label:
            raise ValidationError(
                "Invalid input JSON: some of required attributes are not set [name, label]"
            )
        if any(t.name == name for t in self.tables.values()):
            raise Conflict(f"A table named {name} already exists")
        columns = []
        for i, raw in enumerate(data.get("columns") or [], start=1):
            if not isinstance(raw, dict) or not raw.get("name"):
                raise ValidationError("Invalid input JSON: each column needs a name")
            kind = str(raw.get("type") or "TEXT").upper()
            if kind not in COLUMN_TYPES:
                raise ValidationError(f"Invalid column type {kind!r}")
            columns.append(
                {
                    "id": str(i),
                    "name": str(raw["name"]),
                    "label": str(raw.get("label") or raw["name"]),
                    "type": kind,
                    **({"options": raw["options"]} if "options" in raw else {}),
                }
            )
        now = self.portal.now_ms()
        table = Table(self.portal.allocate_id("hubdb"), name, label, columns, now, now)
        self.tables[table.table_id] = table
        return table

    def _values(self, table: Table, raw: Any) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise ValidationError("Invalid input JSON: 'values' must be an object")
        kinds = {c["name"]: c["type"] for c in table.columns}
        for name, value in raw.items():
            if name not in kinds:
                raise ValidationError(f"Column {name} does not exist in table {table.name}")
            number = kinds[name] in ("NUMBER", "CURRENCY") and value is not None
            if number and (isinstance(value, bool) or not isinstance(value, int | float)):
                raise ValidationError(f"Column {name} takes a number, got {value!r}")
        return dict(raw)

    def create_row(self, table: Table, data: dict[str, Any]) -> dict[str, Any]:
        """A draft row."""
        now = self.portal.now_ms()
        row_id = self.portal.allocate_id("hubdb_rows")
        row: dict[str, Any] = {
            "id": row_id,
            "values": self._values(table, data.get("values", {})),
            "path": data.get("path"),
            "name": data.get("name"),
            "createdAt": now,
            "updatedAt": now,
        }
        table.draft[row_id] = row
        table.updated_at = now
        return row

    def update_draft_row(self, table: Table, row_id: str, data: dict[str, Any]) -> dict[str, Any]:
        """``PATCH …/rows/{rowId}/draft``: merge ``values`` (and ``path``/``name``)."""
        row = table.draft.get(int(row_id)) if row_id.isdigit() and len(row_id) < 19 else None
        if row is None:
            raise ObjectNotFound(f"No row {row_id} in table {table.name}")
        row["values"].update(self._values(table, data.get("values", {})))
        for key in ("path", "name"):
            if key in data:
                row[key] = data[key]
        row["updatedAt"] = table.updated_at = self.portal.now_ms()
        return row

    def publish(self, table: Table) -> Table:
        """Make the draft live."""
        now = self.portal.now_ms()
        table.published = {}
        for row_id, row in table.draft.items():
            live = copy.deepcopy(row)
            live["publishedAt"] = now
            table.published[row_id] = live
        table.published_at = table.updated_at = now
        return table

    def to_state(self) -> dict[str, dict[str, Any]]:
        return {f"tables/{t.table_id}": t.to_state() for t in self.tables.values()}

    def load_state(self, data: dict[str, Any]) -> None:
        self.reset()
        for key, raw in data.items():
            if key.startswith("tables/"):
                table = Table.from_state(raw)
                self.tables[table.table_id] = table
