"""HubDB v3 answers: tables, rows (published and draft), draft row writes, publish."""

from __future__ import annotations

from typing import Any

from runtime.fake_hubspot.core.http import Response, json_response
from runtime.fake_hubspot.core.routing import Context
from runtime.fake_hubspot.hubdb.models import HubDbBackend, Table, row_json

#: Query parameters of a row read that are not column filters.
_RESERVED = {"limit", "after", "offset", "sort", "properties", "archived"}


def _hubdb(ctx: Context) -> HubDbBackend:
    return ctx.portal.backend(HubDbBackend)


def _table(ctx: Context) -> Table:
    return _hubdb(ctx).find(ctx.params["tableIdOrName"])


def list_tables(ctx: Context) -> Response:
    tables = [t.to_api() for t in _hubdb(ctx).tables.values() if t.published_at is not None]
    return json_response(200, {"total": len(tables), "results": tables})


def get_table(ctx: Context) -> Response:
    return json_response(200, _table(ctx).to_api())


def get_draft_table(ctx: Context) -> Response:
    return json_response(200, _table(ctx).to_api(draft=True))


def create_table(ctx: Context) -> Response:
    return json_response(
        201, _hubdb(ctx).create_table(ctx.request.json_object()).to_api(draft=True)
    )


def _rows(ctx: Context, rows: dict[int, dict[str, Any]]) -> Response:
    """Rows with ``column=value`` equality filters, ``sort`` (``-col`` descending), paging."""
    req = ctx.request
    filters = {k: v[-1] for k, v in req.query.items() if k not in _RESERVED and "__" not in k}
    found = [
        r
        for _, r in sorted(rows.items())
        if all(str(r["values"].get(k)) == v for k, v in filters.items())
    ]
    sort = req.query_str("sort")
    if sort:
        name = sort.lstrip("-")
        found.sort(key=lambda r: (r["values"].get(name) is None, str(r["values"].get(name))))
        if sort.startswith("-"):
            found.reverse()
    after = req.query_str("after") or req.query_str("offset") or "0"
    start = int(after) if after.isdigit() and len(after) < 10 else 0
    limit = req.query_int("limit", 1000, maximum=1000)
    page = found[start : start + limit]
    data: dict[str, Any] = {"total": len(found), "results": [row_json(r) for r in page]}
    if start + limit < len(found):
        data["paging"] = {"next": {"after": str(start + limit)}}
    return json_response(200, data)


def list_rows(ctx: Context) -> Response:
    return _rows(ctx, _table(ctx).published)


def list_draft_rows(ctx: Context) -> Response:
    return _rows(ctx, _table(ctx).draft)


def get_row(ctx: Context) -> Response:
    table, row_id = _table(ctx), ctx.params["rowId"]
    row = table.published.get(int(row_id)) if row_id.isdigit() and len(row_id) < 19 else None
    if row is None:
        from runtime.fake_hubspot.core.errors import ObjectNotFound

        raise ObjectNotFound(f"No row {row_id} in table {table.name}")
    return json_response(200, row_json(row))


def create_row(ctx: Context) -> Response:
    row = _hubdb(ctx).create_row(_table(ctx), ctx.request.json_object())
    return json_response(201, row_json(row))


def update_draft_row(ctx: Context) -> Response:
    row = _hubdb(ctx).update_draft_row(_table(ctx), ctx.params["rowId"], ctx.request.json_object())
    return json_response(200, row_json(row))


def publish(ctx: Context) -> Response:
    return json_response(200, _hubdb(ctx).publish(_table(ctx)).to_api())
