"""Secrets: names, length, last change and the actions selecting each; set, replace, remove;
the audit log. Write-only: a value goes from a form into the store and never comes back.

HubSpot's secrets page behaves the same way: a secret's value cannot be read back, only
replaced. Nothing here calls ``reveal``; the store and its audit log are used through
:mod:`runtime.secrets` as ``hsrun secrets ...`` uses them.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from runtime.errors import HsrunError
from runtime.ui._web import back_to, checked_form, dashboard, render

if TYPE_CHECKING:
    from runtime.config import Settings
    from runtime.secrets import SecretStore

#: Audit events shown (newest first).
AUDIT_SHOWN = 200


def routes() -> list[Route]:
    return [
        Route("/secrets", secrets_page),
        Route("/secrets", set_secret, methods=["POST"]),
        Route("/secrets/{name}/remove", remove_secret, methods=["POST"]),
    ]


def _store(settings: Settings, notes: list[str] | None = None) -> SecretStore:
    from runtime.secrets import default_source

    # No prompt: a passphrase store is opened with HSRUN_SECRETS_PASSPHRASE or not at all.
    sink = notes.append if notes is not None else (lambda _message: None)
    return default_source(settings, prompt=None, notice=sink)


def _listing(settings: Settings) -> dict[str, Any]:
    from runtime.secrets.audit import AUDIT_FILENAME, AuditLog
    from runtime.secrets.usage import secret_listing, secret_usage

    usage = secret_usage(settings.project_root)
    notes = list(usage.notes)
    error = None
    rows: list[Any] = []
    location = ""
    try:
        store = _store(settings, notes)
        location = store.location()
        rows = secret_listing(store.info(), usage)
    except HsrunError as exc:
        error = str(exc)
        rows = secret_listing([], usage)
    events, bad = AuditLog(settings.home / AUDIT_FILENAME).events()
    if bad:
        notes.append(f"{bad} unreadable line(s) in the audit log were skipped")
    return {
        "rows": [asdict(row) for row in rows],
        "location": location,
        "notes": notes,
        "store_error": error,
        "events": [asdict(e) for e in reversed(events[-AUDIT_SHOWN:])],
    }


async def secrets_page(request: Request) -> Response:
    view = await run_in_threadpool(_listing, dashboard(request).settings)
    return render(
        request,
        "secrets.html",
        error=request.query_params.get("error"),
        done=request.query_params.get("done"),
        title="Secrets",
        **view,
    )


def store_secret(settings: Settings, name: str, value: str) -> tuple[bool, list[str]]:
    """Set or replace one secret (checked and audited by the store): whether it is new, and
    the store's one-time notices (where a new key file was created)."""
    from runtime.secrets.names import check_name

    check_name(name)
    notes: list[str] = []
    return _store(settings, notes).set(name, value), notes


async def set_secret(request: Request) -> Response:
    form = await checked_form(request)
    name = form.get("name", "").strip()
    value = form.get("value", "")
    if not value:
        return back_to("/secrets?" + urlencode({"error": "a secret needs a value"}))
    try:
        is_new, notes = await run_in_threadpool(
            store_secret, dashboard(request).settings, name, value
        )
    except HsrunError as exc:
        return back_to("/secrets?" + urlencode({"error": str(exc)}))
    done = " ".join(
        [f"{'Added' if is_new else 'Replaced'} {name} ({len(value)} characters).", *notes]
    )
    return back_to("/secrets?" + urlencode({"done": done}))


def remove(settings: Settings, name: str) -> None:
    """Remove one secret (audited by the store)."""
    _store(settings).remove(name)


async def remove_secret(request: Request) -> Response:
    await checked_form(request)
    name = request.path_params["name"]
    try:
        await run_in_threadpool(remove, dashboard(request).settings, name)
    except HsrunError as exc:
        return back_to("/secrets?" + urlencode({"error": str(exc)}))
    return back_to("/secrets?" + urlencode({"done": f"Removed {name}"}))
