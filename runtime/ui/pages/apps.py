"""Private apps: create with scopes, the token card (show, copy, rotate, delete), and the app's
**Logs** and **Security** tabs, as HubSpot's private-app pages have them.

Reads load the portal through :class:`runtime.fake_hubspot.PortalFile`; changes go through its
``transaction()`` (the same lock and merge ``hsrun portal apps ...`` uses), released before the
response is sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from runtime.errors import HsrunError
from runtime.ui._web import back_to, checked_form, dashboard, render
from runtime.ui.scope_catalog import SCOPE_GROUPS, all_scopes

if TYPE_CHECKING:
    from runtime.config import Settings
    from runtime.fake_hubspot import FakePortal

#: Calls per page of the Logs tab.
CALLS_PER_PAGE = 50
#: The Logs tab's period choices (HubSpot offers fixed ranges; any period text also works).
PERIODS = ("15m", "1h", "1d", "7d", "30d")
METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE")
STATUS_CLASSES = ("2xx", "3xx", "4xx", "5xx")


def routes() -> list[Route]:
    return [
        Route("/apps", apps_page),
        Route("/apps", create_app_, methods=["POST"]),
        Route("/apps/logs", logs_page),
        Route("/apps/security", security_page),
        Route("/apps/{name}", app_page),
        Route("/apps/{name}/token", show_token, methods=["POST"]),
        Route("/apps/{name}/rotate", rotate, methods=["POST"]),
        Route("/apps/{name}/scopes", change_scopes, methods=["POST"]),
        Route("/apps/{name}/delete", delete, methods=["POST"]),
    ]


def _load(settings: Settings) -> FakePortal:
    from runtime.fake_hubspot import PortalFile

    portal, _ = PortalFile(settings).load()
    return portal


def _app_rows(settings: Settings) -> list[dict[str, Any]]:
    portal = _load(settings)
    now = portal.clock()
    return [
        {
            "name": app.name,
            "app_id": app.app_id,
            "scopes": app.scopes,
            "created_at": app.created_at,
            "live_tokens": sum(t.valid_at(now) for t in app.tokens),
        }
        for app in sorted(portal.apps.apps.values(), key=lambda a: a.name)
    ]


async def apps_page(request: Request) -> Response:
    settings = dashboard(request).settings
    try:
        apps = await run_in_threadpool(_app_rows, settings)
    except HsrunError as exc:
        return render(request, "error.html", status_code=500, message=str(exc), title="Apps")
    return render(
        request,
        "apps.html",
        apps=apps,
        groups=SCOPE_GROUPS,
        error=request.query_params.get("error"),
        title="Private apps",
    )


def create_private_app(settings: Settings, name: str, scopes: list[str]) -> str:
    """Create an app (as ``hsrun portal apps create``); its name."""
    from runtime.fake_hubspot import PortalFile

    with PortalFile(settings).transaction() as portal:
        return portal.apps.create(name, scopes).name


async def create_app_(request: Request) -> Response:
    await checked_form(request)
    form = await request.form()
    name = str(form.get("name") or "").strip()
    scopes = _picked_scopes(form)
    try:
        created = await run_in_threadpool(
            create_private_app, dashboard(request).settings, name, scopes
        )
    except HsrunError as exc:
        return back_to("/apps?" + urlencode({"error": str(exc)}))
    return back_to(f"/apps/{quote(created, safe='')}")


def _app_view(settings: Settings, name: str) -> dict[str, Any]:
    from runtime.fake_hubspot.core.apps import token_hint

    portal = _load(settings)
    app = portal.apps.get(name)
    now = portal.clock()
    tokens = [
        {
            "hint": token_hint(t.value),
            "created_at": t.created_at,
            "expires_at": t.expires_at,
            "valid": t.valid_at(now),
            "current": i == len(app.tokens) - 1,
        }
        for i, t in enumerate(app.tokens)
    ]
    return {
        "name": app.name,
        "app_id": app.app_id,
        "scopes": app.scopes,
        "extra_scopes": [s for s in app.scopes if s not in all_scopes()],
        "created_at": app.created_at,
        "masked": _masked(app.token),
        "tokens": list(reversed(tokens)),
        "calls": portal.calls(app=app.name, limit=10),
        "events": portal.security_log.query(app=app.name)[-10:],
    }


def _masked(token: str) -> str:
    """The token card's masked token: the format and the last four characters."""
    prefix = token[: token.find("-", 4) + 1] if token.startswith("pat-") else ""
    return f"{prefix}{'•' * 12}{token[-4:]}"


async def app_page(request: Request) -> Response:
    name = request.path_params["name"]
    try:
        view = await run_in_threadpool(_app_view, dashboard(request).settings, name)
    except HsrunError as exc:
        return render(request, "error.html", status_code=404, message=str(exc), title=name)
    return render(request, "app.html", app=view, groups=SCOPE_GROUPS, title=view["name"])


def reveal_token(settings: Settings, name: str) -> str:
    """The app's current token; the portal's security log records that it was shown."""
    from runtime.fake_hubspot import PortalFile

    with PortalFile(settings).transaction() as portal:
        return portal.apps.show_token(name)


async def show_token(request: Request) -> Response:
    """Show and Copy on the token card: HubSpot logs both in the app's Security tab."""
    await checked_form(request)
    try:
        token = await run_in_threadpool(
            reveal_token, dashboard(request).settings, request.path_params["name"]
        )
    except HsrunError as exc:
        return JSONResponse({"error": str(exc)}, status_code=404)
    return JSONResponse({"token": token})


def rotate_token(settings: Settings, name: str, expire_old: str) -> None:
    """Rotate as ``hsrun portal apps rotate`` does (the old token expires now or in 7 days)."""
    from runtime.fake_hubspot import PortalFile

    with PortalFile(settings).transaction() as portal:
        portal.apps.rotate(name, expire_old=expire_old)


async def rotate(request: Request) -> Response:
    form = await checked_form(request)
    name = request.path_params["name"]
    try:
        await run_in_threadpool(
            rotate_token, dashboard(request).settings, name, form.get("expire", "now")
        )
    except HsrunError as exc:
        return render(request, "error.html", status_code=400, message=str(exc), title=name)
    return back_to(f"/apps/{quote(name, safe='')}")


def set_scopes(settings: Settings, name: str, scopes: list[str]) -> None:
    """Replace the app's scopes; HubSpot keeps the token (as ``hsrun portal apps scopes``)."""
    from runtime.fake_hubspot import PortalFile

    with PortalFile(settings).transaction() as portal:
        portal.apps.set_scopes(name, scopes)


def _picked_scopes(form: Any) -> list[str]:
    scopes = [str(s) for s in form.getlist("scope")]
    extra = str(form.get("extra_scopes") or "")
    return scopes + [s for s in extra.replace(",", " ").split() if s]


async def change_scopes(request: Request) -> Response:
    await checked_form(request)
    name = request.path_params["name"]
    scopes = _picked_scopes(await request.form())
    try:
        await run_in_threadpool(set_scopes, dashboard(request).settings, name, scopes)
    except HsrunError as exc:
        return render(request, "error.html", status_code=400, message=str(exc), title=name)
    return back_to(f"/apps/{quote(name, safe='')}")


def delete_app(settings: Settings, name: str) -> None:
    """Delete the app; its tokens stop working at once."""
    from runtime.fake_hubspot import PortalFile

    with PortalFile(settings).transaction() as portal:
        portal.apps.delete(name)


async def delete(request: Request) -> Response:
    await checked_form(request)
    name = request.path_params["name"]
    try:
        await run_in_threadpool(delete_app, dashboard(request).settings, name)
    except HsrunError as exc:
        return render(request, "error.html", status_code=404, message=str(exc), title=name)
    return back_to("/apps")


def _calls(settings: Settings, filters: dict[str, str]) -> tuple[list[dict[str, Any]], list[str]]:
    portal = _load(settings)
    calls = portal.calls(
        app=filters["app"] or None,
        method=filters["method"] or None,
        status=filters["status"] or None,
        since=filters["since"] or None,
    )
    if filters["call"]:
        calls = [c for c in calls if c.get("correlationId") == filters["call"]]
    calls.reverse()  # newest first, as HubSpot's Logs tab lists them
    return calls, sorted(portal.apps.apps)


async def logs_page(request: Request) -> Response:
    """The Logs tab: API calls filtered by app, method, response status class and period."""
    keys = ("app", "method", "status", "since", "call")
    filters = {k: request.query_params.get(k, "").strip() for k in keys}
    try:
        page = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        page = 1
    error = None
    try:
        calls, apps = await run_in_threadpool(_calls, dashboard(request).settings, filters)
    except HsrunError as exc:
        calls, apps, error = [], [], str(exc)
    pages = max(1, -(-len(calls) // CALLS_PER_PAGE))
    page = min(page, pages)
    shown = calls[(page - 1) * CALLS_PER_PAGE : page * CALLS_PER_PAGE]
    query = {k: v for k, v in filters.items() if v}
    return render(
        request,
        "logs.html",
        calls=shown,
        total=len(calls),
        page=page,
        pages=pages,
        prev_url=f"/apps/logs?{urlencode({**query, 'page': page - 1})}" if page > 1 else None,
        next_url=f"/apps/logs?{urlencode({**query, 'page': page + 1})}" if page < pages else None,
        filters=filters,
        apps=apps,
        methods=METHODS,
        status_classes=STATUS_CLASSES,
        periods=PERIODS,
        error=error,
        section="apps",
        title="API call logs",
    )


def _events(settings: Settings, app: str | None) -> tuple[list[dict[str, Any]], list[str]]:
    portal = _load(settings)
    events = portal.security_log.query(app=app)
    events.reverse()
    return events, sorted(portal.apps.apps)


async def security_page(request: Request) -> Response:
    """The Security tab: who created, viewed, rotated or deleted a token, and when."""
    app = request.query_params.get("app", "").strip() or None
    try:
        events, apps = await run_in_threadpool(_events, dashboard(request).settings, app)
    except HsrunError as exc:
        return render(request, "error.html", status_code=500, message=str(exc), title="Security")
    return render(
        request,
        "security.html",
        events=events,
        apps=apps,
        app=app or "",
        section="apps",
        title="Security log",
    )
