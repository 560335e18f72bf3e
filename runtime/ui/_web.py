"""What every page handler shares: the dashboard's context, rendering and checked forms."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from runtime.ui._security import Tokens

if TYPE_CHECKING:
    from starlette.templating import Jinja2Templates

    from runtime.config import Settings


@dataclass(frozen=True)
class Dashboard:
    """The dashboard's settings (read once at start), tokens and templates."""

    settings: Settings
    tokens: Tokens
    templates: Jinja2Templates
    #: Set when the server begins to stop: live streams end so it need not cut them off.
    stopping: threading.Event = field(default_factory=threading.Event)


def dashboard(request: Request) -> Dashboard:
    """The :class:`Dashboard` of the app answering ``request``."""
    found: Dashboard = request.app.state.dashboard
    return found


def render(
    request: Request, template: str, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """A page from ``templates/`` with the CSRF token and the current section in context."""
    board = dashboard(request)
    context.setdefault("section", request.url.path.strip("/").split("/", 1)[0] or "runs")
    response: HTMLResponse = board.templates.TemplateResponse(
        request,
        template,
        {"csrf": board.tokens.csrf, **context},
        status_code=status_code,
    )
    return response


async def checked_form(request: Request) -> dict[str, str]:
    """The submitted form, after checking its CSRF token (field ``csrf`` or ``X-CSRF-Token``).

    Raises:
        HTTPException: 403 when the token is missing or wrong.
    """
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    sent = request.headers.get("x-csrf-token") or values.pop("csrf", None)
    values.pop("csrf", None)
    if not dashboard(request).tokens.csrf_ok(sent):
        raise HTTPException(403, "missing or wrong CSRF token: reload the page and try again")
    return values


def back_to(url: str) -> RedirectResponse:
    """Post/redirect/get: after a change, the page showing it."""
    return RedirectResponse(url, status_code=303)


def when(epoch: float | None) -> str:
    """An epoch time as the dashboard shows it (UTC, to the second)."""
    if epoch is None:
        return "-"
    return datetime.fromtimestamp(float(epoch), UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
