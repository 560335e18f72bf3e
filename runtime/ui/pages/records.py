"""Records: the portal's CRM objects by type, searchable, and one record with its properties
and associations, so ids are found by looking rather than by reading files."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from runtime.errors import HsrunError
from runtime.ui._web import dashboard, render

if TYPE_CHECKING:
    from runtime.config import Settings
    from runtime.fake_hubspot import FakePortal
    from runtime.fake_hubspot.core.object_types import ObjectType

#: Records a list page shows.
PAGE_RECORDS = 200
#: Columns of a type's list beside the id (the first of these a record has are shown).
COLUMNS = {
    "contacts": ("email", "firstname", "lastname", "lifecyclestage"),
    "companies": ("name", "domain", "industry"),
    "deals": ("dealname", "amount", "dealstage"),
    "tickets": ("subject", "hs_pipeline_stage"),
}


def routes() -> list[Route]:
    return [
        Route("/records", records_home),
        Route("/records/{object_type}", records_page),
        Route("/records/{object_type}/{record_id}", record_page),
    ]


def _load(settings: Settings) -> FakePortal:
    from runtime.fake_hubspot import PortalFile

    portal, _ = PortalFile(settings).load()
    return portal


def _type_names(portal: FakePortal) -> list[str]:
    # The object types the portal stores records of (as `hsrun portal info` lists them).
    return list(portal.objects.stores)


def _object_type(portal: FakePortal, name: str) -> ObjectType | None:
    """A standard or custom object type of the portal by name, or None."""
    from runtime.fake_hubspot.core.object_types import find_object_type

    return find_object_type(name) or portal.custom_type(name)


def _columns(portal: FakePortal, name: str) -> tuple[str, ...]:
    kind = _object_type(portal, name)
    return COLUMNS.get(name) or (kind.default_properties[:4] if kind else ())


def _counts(settings: Settings) -> list[tuple[str, int]]:
    portal = _load(settings)
    return [(name, len(portal.records(name))) for name in _type_names(portal)]


async def records_home(request: Request) -> Response:
    try:
        counts = await run_in_threadpool(_counts, dashboard(request).settings)
    except HsrunError as exc:
        return render(request, "error.html", status_code=500, message=str(exc), title="Records")
    return render(request, "records.html", counts=counts, title="Records")


def _list(settings: Settings, object_type: str, text: str) -> dict[str, Any]:
    portal = _load(settings)
    records = portal.records(object_type)
    wanted = text.strip().lower()
    if wanted:
        records = [
            r
            for r in records
            if wanted == r.id or any(wanted in str(v).lower() for v in r.properties.values())
        ]
    columns = _columns(portal, object_type)
    return {
        "types": [n for n in _type_names(portal) if n == object_type or portal.records(n)],
        "total": len(records),
        "columns": columns,
        "rows": [
            {"id": r.id, "values": [r.properties.get(c) or "" for c in columns]}
            for r in records[:PAGE_RECORDS]
        ],
    }


async def records_page(request: Request) -> Response:
    object_type = request.path_params["object_type"]
    text = request.query_params.get("q", "")
    try:
        view = await run_in_threadpool(_list, dashboard(request).settings, object_type, text)
    except HsrunError as exc:
        return render(request, "error.html", status_code=404, message=str(exc), title="Records")
    return render(
        request,
        "record_list.html",
        object_type=object_type,
        q=text,
        title=object_type.capitalize(),
        section="records",
        **view,
    )


def _history(portal: FakePortal, object_type: str, record_id: str) -> dict[str, Any]:
    """Each changed property's values, newest first, as ``GET …?propertiesWithHistory=``
    answers them (a property never changed since creation has no history to show)."""
    kind = _object_type(portal, object_type)
    if kind is None:
        return {}
    objects = portal.objects
    found = objects.find(kind, record_id) or objects.find(kind, record_id, archived=True)
    if found is None:
        return {}
    return {name: found.history_of(name) for name in sorted(found.history or {})}


def _record(settings: Settings, object_type: str, record_id: str) -> dict[str, Any]:
    portal = _load(settings)
    record = portal.get(object_type, record_id, archived=True)
    history = _history(portal, object_type, record.id)
    associations = {
        other: portal.associated(object_type, record.id, other)
        for other in _type_names(portal)
        if other != object_type
    }
    return {
        "record": record,
        "associations": {k: v for k, v in associations.items() if v},
        "history": history,
    }


async def record_page(request: Request) -> Response:
    object_type = request.path_params["object_type"]
    record_id = request.path_params["record_id"]
    try:
        view = await run_in_threadpool(_record, dashboard(request).settings, object_type, record_id)
    except HsrunError as exc:
        return render(request, "error.html", status_code=404, message=str(exc), title="Record")
    return render(
        request,
        "record.html",
        object_type=object_type,
        title=f"{object_type} {record_id}",
        section="records",
        **view,
    )
