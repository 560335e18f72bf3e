"""Helpers shared by the command modules."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import typer

from runtime.errors import HsrunError

P = ParamSpec("P")
R = TypeVar("R")


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn an ``HsrunError`` into ``Error: ...`` on stderr and the error's exit code."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except HsrunError as exc:
            print(f"Error: {exc}", file=sys.stderr)
            raise typer.Exit(exc.exit_code) from None
        except OSError as exc:
            # A file hsrun itself reads or writes (state folder, output folder) is unusable:
            # the user can fix that, so it is not a bug.
            if exc.filename is None:
                raise
            where = f"{exc.filename}" + (f" -> {exc.filename2}" if exc.filename2 else "")
            print(f"Error: cannot use {where}: {exc.strerror}", file=sys.stderr)
            raise typer.Exit(2) from None

    return wrapper


def console(*, stderr: bool = False) -> Any:
    """A rich console (imported lazily: rich costs startup time)."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)
