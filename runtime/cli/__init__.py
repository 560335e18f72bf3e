"""The ``hsrun`` command line: thin commands over the library.

Each command module exposes ``register(app)``; every command parses its arguments, calls one
library function and renders the answer. Errors hsrun raises on purpose print ``Error: ...``
and exit with the error's ``exit_code`` (see :mod:`runtime.cli._common`); anything else is a
bug and says so.
"""

from __future__ import annotations

import sys
import traceback

import typer

app = typer.Typer(
    name="hsrun",
    help="Run, test, package and deploy HubSpot workflow custom code actions locally.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from runtime import __version__

        print(f"hsrun {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        help="Print hsrun's version and exit.",
        callback=_version,
        is_eager=True,
    ),
) -> None:
    """Run, test, package and deploy HubSpot workflow custom code actions locally."""


def _register_commands() -> None:
    from runtime.cli import actions, daemon, doctor, libs, portal, runs, secrets, ui, workflow

    for module in (runs, secrets, portal, actions, daemon, workflow, libs, ui, doctor):
        module.register(app)


_register_commands()


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    args = sys.argv[1:] if argv is None else argv
    try:
        app(args=args, prog_name="hsrun")
    except SystemExit:
        raise
    except KeyboardInterrupt:
        print("Aborted.", file=sys.stderr)
        sys.exit(130)
    except Exception:
        print(
            "hsrun hit a bug (this is not your action's fault). Please report it with the "
            "traceback below:",
            file=sys.stderr,
        )
        traceback.print_exc()
        sys.exit(70)
