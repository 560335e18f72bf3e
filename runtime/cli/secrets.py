"""`hsrun secrets ...`: manage the encrypted secret store.

Each command opens the configured store (:func:`runtime.secrets.default_source`), calls one
method and prints the answer. Imports are inside the commands so ``hsrun`` starts fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from runtime.cli._common import handle_errors

if TYPE_CHECKING:
    from runtime.secrets import SecretStore

secrets_app = typer.Typer(
    name="secrets",
    help="Manage the encrypted secrets your actions select (never printed unless revealed).",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def register(app: typer.Typer) -> None:
    """Add the ``secrets`` command group to ``app``."""
    app.add_typer(secrets_app, name="secrets")


def _open_store() -> SecretStore:
    from runtime.config import get_settings
    from runtime.secrets import default_source

    return default_source(get_settings())


def _err(message: str) -> None:
    print(message, file=sys.stderr)


@secrets_app.command("import")
@handle_errors
def import_(
    file: Annotated[Path, typer.Argument(help="A dotenv file of NAME=value lines.")],
) -> None:
    """Encrypt every NAME=value of a dotenv file into the store (all checked first)."""
    store = _open_store()
    result = store.import_env_file(file)
    count = len(result.added) + len(result.updated)
    parts = []
    if result.added:
        parts.append(f"new: {', '.join(result.added)}")
    if result.updated:
        parts.append(f"updated: {', '.join(result.updated)}")
    print(f"Imported {count} secret(s) from {file} into {store.location()} ({'; '.join(parts)})")


@secrets_app.command("set")
@handle_errors
def set_(
    name: Annotated[str, typer.Argument(help="Secret name (letters, digits, underscores).")],
    from_stdin: Annotated[
        bool, typer.Option("--from-stdin", help="Read the value from stdin instead of prompting.")
    ] = False,
) -> None:
    """Store one secret; the value is prompted for without echo (or read from stdin)."""
    from runtime.contract.limits import MAX_SECRETS_TOTAL_CHARS
    from runtime.secrets.names import check_name

    check_name(name)  # before asking for a value the store would refuse
    if from_stdin:
        value = sys.stdin.read()
        # One trailing newline is the shell's (`echo`, here-strings), not the secret's.
        value = value.removesuffix("\n").removesuffix("\r")
    else:
        if sys.stdin.isatty():
            value = typer.prompt(f"Value for {name}", hide_input=True)
        else:
            # No terminal (a pipe, CI): take one line, without getpass's echo warning.
            print(f"Value for {name}: ", end="", flush=True)
            line = sys.stdin.readline()
            if not line:
                from runtime.errors import UsageError

                raise UsageError(
                    "no value given and no terminal to ask on: pipe it in with --from-stdin "
                    f'(e.g. `printf %s "$TOKEN" | hsrun secrets set {name} --from-stdin`)'
                )
            value = line.removesuffix("\n").removesuffix("\r")
    store = _open_store()
    is_new = store.set(name, value)
    state = "new" if is_new else "updated"
    print(f"Set {name} ({state}, {len(value)} characters) in {store.location()}")
    if len(value) > MAX_SECRETS_TOTAL_CHARS:
        _err(
            f"warning: {name} alone is longer than HubSpot's {MAX_SECRETS_TOTAL_CHARS}-character "
            "total for an action's secrets; an action selecting it will not run"
        )


@secrets_app.command("list")
@handle_errors
def list_(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Names, length, last change and the actions that select each secret."""
    from dataclasses import asdict

    from runtime.config import get_settings
    from runtime.secrets.usage import secret_listing, secret_usage

    store = _open_store()
    usage = secret_usage(get_settings().project_root)
    rows = secret_listing(store.info(), usage)
    for note in usage.notes:
        _err(f"note: {note}")
    if as_json:
        data = {
            "backend": store.backend,
            "location": store.location(),
            "secrets": [asdict(row) for row in rows],
            "notes": usage.notes,
        }
        print(json.dumps(data, indent=2))
        return
    if not rows:
        print(
            f"No secrets in {store.location()}. Add one with `hsrun secrets set NAME` or "
            "`hsrun secrets import secrets.env`."
        )
        return
    table = [("NAME", "LENGTH", "LAST CHANGE", "USED BY")]
    for row in rows:
        changed = row.updated_at or ("-" if row.stored else "NOT SET")
        length = "-" if row.length is None else str(row.length)
        table.append((row.name, length, changed, ", ".join(row.used_by) or "-"))
    widths = [max(len(line[i]) for line in table) for i in range(3)]
    for line in table:
        padded = [cell.ljust(width) for cell, width in zip(line, widths, strict=False)]
        print("  ".join([*padded, line[3]]))
    missing = [row.name for row in rows if not row.stored]
    if missing:
        _err(f"not set but selected by an action: {', '.join(missing)} (hsrun secrets set NAME)")


@secrets_app.command("rm")
@handle_errors
def rm(name: Annotated[str, typer.Argument(help="Secret name.")]) -> None:
    """Remove one secret."""
    from runtime.config import get_settings
    from runtime.secrets.usage import secret_usage

    store = _open_store()
    store.remove(name)
    print(f"Removed {name} from {store.location()}")
    users = secret_usage(get_settings().project_root).by_secret.get(name)
    if users:
        _err(f"note: still selected by {', '.join(users)}; those actions will not run now")


@secrets_app.command("rotate-key")
@handle_errors
def rotate_key(
    passphrase: Annotated[
        bool,
        typer.Option("--passphrase", help="Use (or keep) passphrase mode; asks for the new one."),
    ] = False,
    key_file: Annotated[
        bool,
        typer.Option(
            "--key-file", help="Use a new random key in a key file (leaves passphrase mode)."
        ),
    ] = False,
) -> None:
    """Re-encrypt every secret under a new key (local store)."""
    from runtime.errors import UsageError
    from runtime.secrets.local import LocalSecretStore, describe_rotation

    if passphrase and key_file:
        raise UsageError("--passphrase and --key-file are mutually exclusive: choose one")
    store = _open_store()
    if not isinstance(store, LocalSecretStore):
        store.rotate_key()  # explains why this backend has no hsrun key
        return
    # Check the current key first: asking for a new passphrase and then failing on the old
    # one would waste the user's typing.
    store.check_key()
    to: Literal["key", "passphrase"] | None = None
    if passphrase or (not key_file and store.key_kind() == "passphrase"):
        to = "passphrase"
    elif key_file:
        to = "key"
    new_passphrase = None
    if to == "passphrase":
        new_passphrase = typer.prompt("New passphrase", hide_input=True, confirmation_prompt=True)
    result = store.rotate_key(to=to, new_passphrase=new_passphrase)
    for line in describe_rotation(result, store.keyring):
        print(line)


@secrets_app.command("audit")
@handle_errors
def audit(
    name: Annotated[str | None, typer.Argument(help="Only events for this secret.")] = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", help="Only the last N events (0: all).")
    ] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Who changed or revealed which secret, and when (never values)."""
    from dataclasses import asdict

    from runtime.config import get_settings
    from runtime.secrets.audit import AUDIT_FILENAME, AuditLog

    log = AuditLog(get_settings().home / AUDIT_FILENAME)
    events, bad = log.events()
    if name:
        events = [e for e in events if e.name == name]
    if limit > 0:
        events = events[-limit:]
    if bad:
        _err(f"note: skipped {bad} unreadable line(s) in {log.path}")
    if as_json:
        print(json.dumps([asdict(e) for e in events], indent=2))
        return
    if not events:
        print(f"No secret changes recorded in {log.path}")
        return
    user_width = max(len(e.user) for e in events)
    for e in events:
        detail = dict(e.detail, backend=e.backend) if e.backend != "local" else e.detail
        extra = " ".join(f"{k}={v}" for k, v in sorted(detail.items()))
        line = f"{e.time}  {e.user:<{user_width}}  {e.action:<10}  {e.name or '-':<20}  {extra}"
        print(line.rstrip())


@secrets_app.command("reveal")
@handle_errors
def reveal(name: Annotated[str, typer.Argument(help="Secret name.")]) -> None:
    """Print one secret's value (recorded in the audit log)."""
    store = _open_store()
    value = store.reveal(name)
    print(value.reveal())
    _err(f"(revealing {name} was recorded in the audit log)")
