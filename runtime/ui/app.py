"""The dashboard's ASGI application: routes, templates, static files and the guard."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from runtime.ui._security import Guard, Tokens
from runtime.ui._web import Dashboard, when
from runtime.ui.pages import apps, records, runs, secrets, workflows

if TYPE_CHECKING:
    from runtime.config import Settings
    from runtime.ui._security import ASGIApp


def _templates() -> Jinja2Templates:
    env = Environment(
        loader=PackageLoader("runtime.ui", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = when
    env.globals["status_class"] = runs.status_class
    env.globals["output_rows"] = runs.output_rows
    return Jinja2Templates(env=env)


async def _home(request: Request) -> Response:
    return RedirectResponse("/runs", status_code=303)


async def _http_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        return PlainTextResponse(str(exc.detail), status_code=exc.status_code)
    raise exc


def create_app(
    settings: Settings, *, tokens: Tokens | None = None, stopping: threading.Event | None = None
) -> ASGIApp:
    """The dashboard over the project ``settings`` name, guarded by ``tokens`` (new ones by
    default): an ASGI application to serve with any ASGI server on 127.0.0.1. Setting
    ``stopping`` ends its live streams (before a graceful shutdown)."""
    from pathlib import Path

    tokens = tokens or Tokens()
    static = Path(__file__).resolve().parent / "static"
    app = Starlette(
        routes=[
            Route("/", _home),
            *runs.routes(),
            *workflows.routes(),
            *apps.routes(),
            *secrets.routes(),
            *records.routes(),
            Mount("/static", StaticFiles(directory=static), name="static"),
        ],
        exception_handlers={HTTPException: _http_error},
    )
    app.state.dashboard = Dashboard(
        settings=settings,
        tokens=tokens,
        templates=_templates(),
        stopping=stopping or threading.Event(),
    )
    return Guard(app, tokens)
