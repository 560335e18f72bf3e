"""Helpers shared by the command modules."""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable, Iterator
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


@contextlib.contextmanager
def interrupt_stops(runner: Any, what: str) -> Iterator[None]:
    """While many runs go (a batch, a workflow run), the first Ctrl-C (SIGINT: from the
    terminal, or a daemon passing on the client's) stops them: no new run starts, runs in
    flight are killed and recorded as INTERRUPTED (``Runner.interrupt``), and the command
    goes on to print what ran. A second Ctrl-C aborts at once. With --live this is what
    keeps writes from reaching HubSpot after Ctrl-C.

    Args:
        runner: the ``runtime.invoke.Runner`` the runs go through.
        what: what is stopped, for the message ("the batch").
    """
    import signal

    def stop(signum: int, frame: object) -> None:
        if runner.interrupted:
            raise KeyboardInterrupt
        print(f"Interrupted: stopping {what} (Ctrl-C again to abort)", file=sys.stderr)
        runner.interrupt()

    try:
        previous = signal.signal(signal.SIGINT, stop)
    except ValueError:  # not the main thread: Ctrl-C is not ours to handle
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
