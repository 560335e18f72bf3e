"""``hsrun portal records list|get|search TYPE``: find a record and its id without opening files.

Each command opens the project's portal, calls one method of :class:`FakePortal` and renders a
table (or ``--json``: the records as HubSpot's API shapes them, ``id`` and ``properties``).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from runtime.cli._common import handle_errors

records_app = typer.Typer(
    name="records",
    help="CRM records of the fake portal: list, get, search (any object type).",
    no_args_is_help=True,
    rich_markup_mode=None,
)

_TYPE = typer.Argument(help="Object type: contacts, notes, 0-27, LINE_ITEM...")
_PROPS = typer.Option(help="Comma-separated properties to show (default: the type's own).")
_JSON = typer.Option("--json", help="Print JSON.")


def _portal() -> Any:
    from runtime.config import get_settings
    from runtime.fake_hubspot import PortalFile

    portal, _ = PortalFile(get_settings()).load()
    return portal


def _columns(object_type: str, wanted: str | None) -> list[str]:
    from runtime.fake_hubspot.core.object_types import find_object_type

    if wanted:
        return [p.strip() for p in wanted.split(",") if p.strip()]
    kind = find_object_type(object_type)
    return list(kind.default_properties) if kind else []


def _render(records: list[Any], columns: list[str], json_out: bool) -> None:
    if json_out:
        shown = [
            {
                "id": r.id,
                "properties": {c: r.properties.get(c) for c in columns}
                if columns
                else r.properties,
                "createdAt": r.created_at,
                "updatedAt": r.updated_at,
                "archived": r.archived,
            }
            for r in records
        ]
        print(json.dumps(shown, indent=2))
        return
    if not records:
        print("No records.")
        return
    from rich.table import Table

    from runtime.cli._common import console

    table = Table("id", *columns, box=None, pad_edge=False)
    for r in records:
        table.add_row(r.id, *[r.properties.get(c) or "" for c in columns])
    console().print(table)


@records_app.command("list")
@handle_errors
def records_list(
    object_type: Annotated[str, _TYPE],
    properties: Annotated[str | None, _PROPS] = None,
    limit: Annotated[int, typer.Option(help="At most N records (0: all).")] = 50,
    archived: Annotated[bool, typer.Option(help="Archived records instead of live ones.")] = False,
    json_out: Annotated[bool, _JSON] = False,
) -> None:
    """Records of a type, by id."""
    from runtime.fake_hubspot.portal import as_portal_error

    portal = _portal()
    with as_portal_error():
        found = portal.records(object_type, archived=archived)
    _render(found[:limit] if limit else found, _columns(object_type, properties), json_out)


@records_app.command("get")
@handle_errors
def records_get(
    object_type: Annotated[str, _TYPE],
    object_id: Annotated[str, typer.Argument(help="The record's id.")],
    json_out: Annotated[bool, _JSON] = False,
) -> None:
    """One record with every property it has."""
    record = _portal().get(object_type, object_id, archived=True)
    if json_out:
        _render([record], [], True)
        return
    print(f"{record.object_type} {record.id}{' (archived)' if record.archived else ''}")
    width = max((len(k) for k in record.properties), default=0)
    for name, value in record.properties.items():
        print(f"  {name:<{width}}  {value}")


@records_app.command("search")
@handle_errors
def records_search(
    object_type: Annotated[str, _TYPE],
    where: Annotated[
        list[str], typer.Option("--where", help="property=value (case-insensitive); repeatable.")
    ],
    properties: Annotated[str | None, _PROPS] = None,
    json_out: Annotated[bool, _JSON] = False,
) -> None:
    """Live records whose properties equal the given values."""
    from runtime.contract.manifest import name_value_pairs

    equals = name_value_pairs(where, "--where takes property=value")
    found = _portal().find(object_type, **equals)
    columns = _columns(object_type, properties)
    columns += [n for n in equals if n not in columns]
    _render(found, columns, json_out)
