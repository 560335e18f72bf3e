"""`hsrun ui`: the local dashboard (runs, workflows, private apps, secrets, records)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from runtime.cli._common import handle_errors

if TYPE_CHECKING:
    from runtime.ui import Address


def register(app: typer.Typer) -> None:
    """Add the ``ui`` command to ``app``."""
    app.command("ui")(handle_errors(ui))


def _has_graphical_browser() -> bool:
    """Whether opening a URL shows a browser window: on Linux without a display (ssh, a
    container) Python's ``webbrowser`` would start a text browser inside this terminal."""
    import os

    if sys.platform != "linux" or os.environ.get("BROWSER"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def ui(
    port: Annotated[int, typer.Option(help="TCP port on 127.0.0.1 (0 picks a free one).")] = 0,
    no_open: Annotated[
        bool, typer.Option("--no-open", help="Print the URL, do not open a browser.")
    ] = False,
) -> None:
    """Open a local dashboard of runs, workflows, private apps, call logs and secrets
    (127.0.0.1 only, with a token in its URL); Ctrl-C stops it."""
    from runtime.config import get_settings
    from runtime.ui import serve
    from runtime.ui.server import write_opener

    settings = get_settings()
    opener: list[Path] = []

    def ready(address: Address) -> None:
        print(f"hsrun dashboard on http://127.0.0.1:{address.port}/ (Ctrl-C stops it)")
        print(f"Open: {address.url}", flush=True)
        if no_open:
            return
        if not _has_graphical_browser():
            print("(no graphical display: open the address above in a browser)", file=sys.stderr)
            return
        import webbrowser

        opener.append(write_opener(settings, address))
        if not webbrowser.open(opener[0].as_uri()):
            print("(no browser found: open the address above)", file=sys.stderr)

    try:
        serve(settings, port=port, on_ready=ready)
    except KeyboardInterrupt:
        pass
    finally:
        for path in opener:
            path.unlink(missing_ok=True)  # its token is dead now anyway
    print("Stopped.", flush=True)
