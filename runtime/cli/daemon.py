"""`hsrun daemon start | stop | status`."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from runtime.cli._common import handle_errors

if TYPE_CHECKING:
    from runtime.daemon import DaemonStatus

daemon_app = typer.Typer(
    name="daemon",
    help="Keep hsrun loaded in a background process, so invoke, history, show, check and "
    "package start in milliseconds instead of ~0.3 s. Opt-in; HSRUN_DAEMON=0 bypasses it.",
    no_args_is_help=True,
)


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{seconds:.1f}s"


def _describe(status: DaemonStatus) -> str:
    text = (
        f"pid {status.pid}, up {_duration(status.uptime_s)}, {_commands(status.served)} served, "
        f"{status.active} running, exits after {_duration(status.idle_s)} idle"
    )
    if not status.current:
        text += " (another hsrun build: it exits on its next command; run hsrun daemon start)"
    return text


def start(
    as_json: Annotated[bool, typer.Option("--json", help="Print its status as JSON.")] = False,
) -> None:
    """Start the daemon for this project's state folder (.hsrun/)."""
    from runtime.daemon import daemon_status, start_daemon

    before = daemon_status()
    status = start_daemon()
    if as_json:
        print(json.dumps(status.to_dict(), indent=2))
        return
    verb = "already running" if before is not None and before.pid == status.pid else "started"
    print(f"hsrun daemon {verb}: {_describe(status)}")


def stop() -> None:
    """Stop the daemon; commands it is running are cancelled."""
    from runtime.daemon import stop_daemon

    status = stop_daemon()
    if status is None:
        print("hsrun daemon: not running")
    else:
        print(f"hsrun daemon stopped (pid {status.pid}, {status.served} commands served)")


def status(
    as_json: Annotated[bool, typer.Option("--json", help="Print the status as JSON.")] = False,
) -> None:
    """Show whether a daemon serves this state folder. Exit code 1 when none does."""
    from runtime.daemon import daemon_status

    current = daemon_status()
    if as_json:
        print(json.dumps(current.to_dict() if current else None, indent=2))
    elif current is None:
        print("hsrun daemon: not running")
    else:
        print(f"hsrun daemon running: {_describe(current)}")
    if current is None:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the ``daemon`` command group to ``app``."""
    daemon_app.command()(handle_errors(start))
    daemon_app.command()(handle_errors(stop))
    daemon_app.command()(handle_errors(status))
    app.add_typer(daemon_app)


def _commands(count: int) -> str:
    return f"{count} command{'' if count == 1 else 's'}"
