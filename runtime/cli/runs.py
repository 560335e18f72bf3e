"""`hsrun invoke`, `hsrun history`, `hsrun show`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
