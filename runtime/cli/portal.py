"""`hsrun portal ...`: the project's fake HubSpot portal (``.hsrun/portal.db``).

Each command opens the persistent portal (:class:`runtime.fake_hubspot.PortalFile`), calls one
library function and prints the answer. Imports are inside the commands so ``hsrun`` starts
fast.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from runtime.cli._common import console, handle_errors
from runtime.cli.portal_records import records_app

if TYPE_CHECKING:
    from runtime.fake_hubspot import PortalFile

portal_app = typer.Typer(
    name="portal",
    help="The local fake HubSpot portal: serve, seed, private apps, call logs.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
apps_app = typer.Typer(
    name="apps",
    help="Private apps of the fake portal: tokens and scopes.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
portal_app.add_typer(apps_app, name="apps")
flows_app = typer.Typer(
    name="flows",
    help="Workflows (Automation v4 flows) of the fake portal.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
portal_app.add_typer(flows_app, name="flows")
portal_app.add_typer(records_app, name="records")


def register(app: typer.Typer) -> None:
    """Add the ``portal`` command group to ``app``."""
    app.add_typer(portal_app, name="portal")


def _store() -> PortalFile:
    from runtime.config import get_settings
    from runtime.fake_hubspot import PortalFile

    return PortalFile(get_settings())


def _when(epoch: float) -> str:
    return datetime.fromtimestamp(epoch).astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _scopes(value: str, *, any_scope: bool = False) -> list[str]:
    """The scopes of ``--scopes``; a name HubSpot does not issue is an error (with the
    closest real one), as HubSpot's app settings offer only real scopes to pick from.

    Raises:
        UsageError: an unknown scope, unless ``any_scope``.
    """
    from runtime.contract.scopes import unknown_scope

    scopes = [s.strip() for s in value.replace(" ", ",").split(",") if s.strip()]
    problems = [p for p in map(unknown_scope, scopes) if p]
    if problems and not any_scope:
        from runtime.errors import UsageError

        raise UsageError(
            "; ".join(problems) + " (--any-scope accepts scopes hsrun's list does not know)"
        )
    return scopes


def _save_secret(name: str, token: str) -> str:
    from runtime.config import get_settings
    from runtime.secrets import default_source

    store = default_source(get_settings())
    store.set(name, token)
    return str(store.location())


# -- portal ------------------------------------------------------------------------------


@portal_app.command("serve")
@handle_errors
def serve(
    port: Annotated[int, typer.Option(help="TCP port (0 picks a free one).")] = 8787,
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    relax_limits: Annotated[bool, typer.Option(help="Never answer 429 (still counted).")] = False,
    search_lag: Annotated[
        float, typer.Option(help="Seconds fresh writes stay out of search (HubSpot lags).")
    ] = 0.0,
    save: Annotated[
        bool, typer.Option(help="Write changes to .hsrun/portal.db (each before its answer).")
    ] = True,
) -> None:
    """Serve the portal over HTTP until Ctrl-C (POST /_hsrun/reset empties it)."""
    import gc
    import threading

    from runtime.fake_hubspot import PortalServer

    store = _store()
    portal, _ = store.load()
    if not save:
        store.detach(portal)
    # The loaded portal lives as long as the server: keep the collector from rescanning it.
    gc.freeze()
    portal.rate_limits.enabled = not relax_limits
    portal.search_lag_s = max(0.0, search_lag)
    server = PortalServer(portal, host=host, port=port)
    out = console(stderr=True)
    out.print(f"Fake HubSpot portal {portal.portal_id} ({portal.tier}) on {server.url}")
    out.print(f"  hubspot.Client.create(access_token=..., host={server.url!r})")
    out.print(f"  state: {store.path if save else 'not saved'}; Ctrl-C to stop")
    out.print(
        f"  control routes (/_hsrun/reset, /_hsrun/calls): X-Hsrun-Control: {portal.control_key}"
    )
    stop = threading.Event()

    def sync_loop() -> None:
        # Every request already takes in other processes' changes and writes its own; this
        # only writes the call log of a portal that is only read, and picks up changes
        # (an app created with `hsrun portal apps create`) while no request comes.
        while not stop.wait(2.0):
            store.sync(portal, {})

    syncer = threading.Thread(target=sync_loop, name="hsrun-portal-sync", daemon=True)
    if save:
        syncer.start()

    def on_term(signum: int, frame: object) -> None:
        # `kill`, a supervisor or a container stop: stop like Ctrl-C does.
        raise KeyboardInterrupt

    import signal

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        stop.set()
        if save:
            syncer.join(timeout=5)
        server.stop()
        if save:
            store.close(portal)
    out.print("Stopped.")


@portal_app.command("seed")
@handle_errors
def seed(
    file: Annotated[Path | None, typer.Argument(help="A seed JSON document.")] = None,
    demo: Annotated[bool, typer.Option(help="Load the built-in demo dataset.")] = False,
) -> None:
    """Add owners, properties, records and associations from a JSON file (or --demo)."""
    from runtime.errors import PortalError, UsageError
    from runtime.fake_hubspot import demo_dataset, seed_portal
    from runtime.fake_hubspot.persistence import read_json

    if (file is None) == (not demo):
        raise UsageError("give a seed FILE or --demo (not both)")
    data = demo_dataset() if demo else read_json(file) if file else None
    if data is None:
        raise UsageError(f"seed file not found: {file}")
    store = _store()
    try:
        created: list[tuple[str, str, str]] = []
        with store.transaction() as portal:
            counts = seed_portal(portal, data, created=created)
    except PortalError as exc:
        if "already exists" in str(exc):
            raise PortalError(
                f"{exc} (the portal already holds this data; `hsrun portal reset -y` empties "
                "it first; nothing was added)"
            ) from exc
        raise
    summary = ", ".join(
        f"{v} {k if v != 1 else k.removesuffix('s')}" for k, v in counts.items() if v
    )
    print(f"Seeded {summary or 'nothing'} into {store.path}")
    for type_name, record_id, name in created:
        print(f"  {type_name:<12} {record_id:>8}  {name}")


@portal_app.command("export")
@handle_errors
def export(
    file: Annotated[Path, typer.Argument(help="Where to write the portal.json snapshot.")],
) -> None:
    """Write the portal as a portal.json snapshot (the format `hsrun portal seed` and a new
    database import)."""
    store = _store()
    store.export_json(file)
    print(f"Exported {store.path} to {file}")


@portal_app.command("import")
@handle_errors
def import_snapshot(
    file: Annotated[Path, typer.Argument(help="A portal.json snapshot (from `portal export`).")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
) -> None:
    """Replace the portal with a portal.json snapshot."""
    from runtime.errors import UsageError

    if not yes and not typer.confirm("Replace the whole portal with the snapshot?"):
        raise UsageError("nothing imported")
    store = _store()
    portal = store.import_json(file)
    count = sum(len(s.records) for s in portal.objects.stores.values())
    print(f"Imported {file} into {store.path} ({count} records)")


@portal_app.command("reset")
@handle_errors
def reset(
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
) -> None:
    """Empty the portal: records, apps (tokens stop working), properties, owners, logs."""
    store = _store()
    if not yes:
        if not sys.stdin.isatty():
            from runtime.errors import UsageError

            raise UsageError("hsrun portal reset empties the portal: confirm with --yes")
        typer.confirm(f"Empty the fake portal in {store.path}?", abort=True)
    store.reset()
    print(f"Reset {store.path}")


@portal_app.command("info")
@handle_errors
def info(json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Portal id, tier, limits and what it holds."""
    from runtime.fake_hubspot.automation.models import flows_of

    store = _store()
    portal, _ = store.load()
    data: dict[str, Any] = {
        "portalId": portal.portal_id,
        "tier": portal.tier,
        "limits": {"per10s": portal.limiter.burst, "daily": portal.limiter.daily},
        "apps": sorted(portal.apps.apps),
        # Live records, as HubSpot counts them; archived ones answer only with archived=true.
        # The four classic types always; the others only when the portal holds some.
        "records": {
            name: count
            for name, s in portal.objects.stores.items()
            if (count := sum(1 for r in s.records.values() if not r.archived))
            or name in ("contacts", "companies", "deals", "tickets")
        },
        "owners": len(portal.owners.owners),
        "flows": len(flows_of(portal).flows),
        "calls": len(portal.call_log),
        "file": str(store.path),
    }
    if json_out:
        print(json.dumps(data, indent=2))
        return
    for key, value in data.items():
        print(f"{key:>8}: {_plain(value)}")


def _plain(value: Any) -> str:
    """A value of ``portal info`` as a person reads it (not a Python repr)."""
    if isinstance(value, dict):
        return ", ".join(f"{name} {count:,}" for name, count in value.items()) or "-"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "-"
    return str(value)


@portal_app.command("tier")
@handle_errors
def tier(
    name: Annotated[str, typer.Argument(help="free, starter, professional or enterprise.")],
    packs: Annotated[int, typer.Option(help="API limit increase packs (0-2).")] = 0,
) -> None:
    """Change the subscription tier (and with it the rate limits)."""
    with _store().transaction() as portal:
        portal.set_tier(name, packs=packs)
        print(
            f"Tier {portal.tier}: {portal.limiter.burst} requests / 10 s per app, "
            f"{portal.limiter.daily:,} / day"
        )


@portal_app.command("logs")
@handle_errors
def logs(
    app: Annotated[str | None, typer.Option(help="Only this private app.")] = None,
    method: Annotated[str | None, typer.Option(help="Only this HTTP method.")] = None,
    status: Annotated[str | None, typer.Option(help="A code (404) or a class (2xx).")] = None,
    since: Annotated[
        str | None,
        typer.Option(help="Period (90s, 15m, 1h, 2d, 1w) or ISO time (UTC without offset)."),
    ] = None,
    limit: Annotated[int, typer.Option(help="Newest N calls (0: all).")] = 50,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """API calls the portal answered, oldest first."""
    portal, _ = _store().load()
    matching = portal.calls(app=app, method=method, status=status, since=since, limit=None)
    calls = matching[-limit:] if limit else matching
    if json_out:
        print(json.dumps(calls, indent=2))
    elif not calls:
        print("No calls match.")
    else:
        width = max(len(c["app"] or "-") for c in calls)
        for call in calls:
            path = call["path"] + (f"?{call['query']}" if call.get("query") else "")
            print(
                f"{_when(call['time'])}  {call['app'] or '-':<{width}}  {call['method']:<6} "
                f"{call['status']}  {call['durationMs']:>7.1f} ms  {path}  "
                f"{call['correlationId']}"
            )
    if len(calls) < len(matching):
        print(
            f"Showing the newest {len(calls)} of {len(matching)} calls; "
            "--limit N shows more (0: all).",
            file=sys.stderr,
        )


# -- apps --------------------------------------------------------------------------------


@apps_app.command("create")
@handle_errors
def apps_create(
    name: Annotated[str, typer.Argument(help="The app's name.")],
    scopes: Annotated[str, typer.Option(help="Comma-separated scopes.")] = "",
    save_secret: Annotated[str | None, typer.Option(help="Store the token as this secret.")] = None,
    show_token: Annotated[bool, typer.Option(help="Print the token.")] = False,
    any_scope: Annotated[
        bool, typer.Option("--any-scope", help="Accept scopes hsrun's list does not know.")
    ] = False,
) -> None:
    """Create a private app and its pat-na1-… token (scopes are checked against HubSpot's)."""
    if save_secret:
        from runtime.secrets.names import check_name

        check_name(save_secret)  # before the app exists: its token must not be lost
    wanted = _scopes(scopes, any_scope=any_scope)
    with _store().transaction() as portal:
        created = portal.apps.create(name, wanted)
        token = created.token
    print(
        f"Created private app {name!r} (app id {created.app_id}) with scopes: "
        f"{', '.join(created.scopes) or '(none)'}"
    )
    if save_secret:
        where = _save_secret(save_secret, token)
        print(f"Token stored as secret {save_secret} in {where}")
    if show_token or not save_secret:
        print(token)


@apps_app.command("list")
@handle_errors
def apps_list(
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Private apps, their scopes and token state (tokens are not printed)."""
    portal, _ = _store().load()
    apps = sorted(portal.apps.apps.values(), key=lambda a: a.name)
    now = portal.clock()
    if json_out:
        rows = [
            {
                "name": a.name,
                "appId": a.app_id,
                "scopes": a.scopes,
                "createdAt": a.created_at,
                "liveTokens": sum(t.valid_at(now) for t in a.tokens),
            }
            for a in apps
        ]
        print(json.dumps(rows, indent=2))
        return
    if not apps:
        print("No private apps (hsrun portal apps create NAME --scopes ...).")
    for a in apps:
        live = sum(t.valid_at(now) for t in a.tokens)
        print(
            f"{a.name}  (app id {a.app_id}, {live} live token(s), created "
            f"{_when(a.created_at)})\n  scopes: {', '.join(a.scopes) or '-'}"
        )


@apps_app.command("show-token")
@handle_errors
def apps_show_token(name: Annotated[str, typer.Argument(help="The app's name.")]) -> None:
    """Print the app's current token (recorded in the security log)."""
    with _store().transaction() as portal:
        token = portal.apps.show_token(name)
    print(token)


@apps_app.command("rotate")
@handle_errors
def apps_rotate(
    name: Annotated[str, typer.Argument(help="The app's name.")],
    expire_old: Annotated[str, typer.Option(help="When the old token stops: now or 7d.")] = "now",
    save_secret: Annotated[
        str | None, typer.Option(help="Also store the new token as this secret.")
    ] = None,
    show_token: Annotated[
        bool | None,
        typer.Option(
            "--show-token/--no-show-token",
            help="Print the new token (default: only when no secret received it).",
        ),
    ] = None,
) -> None:
    """Issue a new token; the old one expires now or in 7 days.

    Every secret in the store that held one of the app's old tokens is updated to the new
    one (the secrets are named); if the store cannot be read, the command says they are stale.
    """
    if save_secret:
        from runtime.secrets.names import check_name

        check_name(save_secret)  # before rotating: the new token must not be lost
    with _store().transaction() as portal:
        old = [t.value for t in portal.apps.get(name).tokens]
        token = portal.apps.rotate(name, expire_old=expire_old).token
    print(f"Rotated the token of {name!r}; the old token expires {expire_old}.")
    updated = _update_holders(old, token)
    if save_secret and save_secret not in updated:
        print(f"Token stored as secret {save_secret} in {_save_secret(save_secret, token)}")
        updated.append(save_secret)
    if show_token or (show_token is None and not updated):
        print(token)


def _update_holders(old: list[str], token: str) -> list[str]:
    """Point the secrets that held an old token at the new one; their names."""
    from runtime.config import get_settings
    from runtime.errors import SecretError
    from runtime.secrets import default_source
    from runtime.secrets.holders import replace_value

    try:
        store = default_source(get_settings())
        updated = replace_value(store, old, token)
    except SecretError as exc:
        print(
            f"Warning: cannot read the secret store ({exc}); any secret holding the old "
            "token is now stale: update it with `hsrun secrets set NAME`",
            file=sys.stderr,
        )
        return []
    if updated:
        print(f"Updated {', '.join(updated)} in {store.location()} to the new token.")
    return list(updated)


@apps_app.command("scopes")
@handle_errors
def apps_scopes(
    name: Annotated[str, typer.Argument(help="The app's name.")],
    scopes: Annotated[str, typer.Option(help="Comma-separated scopes (replaces the list).")],
    any_scope: Annotated[
        bool, typer.Option("--any-scope", help="Accept scopes hsrun's list does not know.")
    ] = False,
) -> None:
    """Replace an app's scopes (its token keeps working)."""
    wanted = _scopes(scopes, any_scope=any_scope)
    with _store().transaction() as portal:
        app = portal.apps.set_scopes(name, wanted)
    print(f"{name}: {', '.join(app.scopes) or '(none)'}")


@apps_app.command("delete")
@handle_errors
def apps_delete(name: Annotated[str, typer.Argument(help="The app's name.")]) -> None:
    """Delete an app; its tokens stop working at once."""
    with _store().transaction() as portal:
        portal.apps.delete(name)
    print(f"Deleted private app {name!r}; its tokens are revoked.")


@apps_app.command("audit")
@handle_errors
def apps_audit(
    app: Annotated[str | None, typer.Option(help="Only this app.")] = None,
    since: Annotated[
        str | None,
        typer.Option(help="Period (90s, 15m, 1h, 2d, 1w) or ISO time (UTC without offset)."),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Token events: created, shown, rotated, scopes changed, deleted (who and when)."""
    portal, _ = _store().load()
    events = portal.security_log.query(app=app, since=since)
    if json_out:
        print(json.dumps(events, indent=2))
        return
    if not events:
        print("No token events.")
    for event in events:
        detail = f"  ({event['detail']})" if event.get("detail") else ""
        print(
            f"{_when(event['time'])}  {event['event']:<14} {event['app']:<16} "
            f"by {event['user']:<12} token {event['token']}{detail}"
        )


# -- flows -------------------------------------------------------------------------------


@flows_app.command("list")
@handle_errors
def flows_list(
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Workflows: id, revision, type, enabled, name (as GET /automation/v4/flows lists them)."""
    from runtime.fake_hubspot.automation.models import flows_of

    portal, _ = _store().load()
    flows = sorted(flows_of(portal).flows.values(), key=lambda f: f.id)
    if json_out:
        print(json.dumps([f.listing() for f in flows], indent=2))
        return
    if not flows:
        print("No flows (hsrun portal flows create FILE.json, or hsrun portal seed --demo).")
    for flow in flows:
        kinds = ", ".join(f"{a['actionId']}:{a['type']}" for a in flow.actions) or "no actions"
        state = "on" if flow.body.get("isEnabled") else "off"
        print(
            f"{flow.id}  rev {flow.revision}  {flow.type:<13} {state:<3}  "
            f"{flow.name or '(no name)'}  [{kinds}]"
        )


@flows_app.command("show")
@handle_errors
def flows_show(flow_id: Annotated[str, typer.Argument(help="The flow id.")]) -> None:
    """Print a flow as GET /automation/v4/flows/{flowId} answers it."""
    from runtime.fake_hubspot.automation.models import flows_of
    from runtime.fake_hubspot.portal import as_portal_error

    portal, _ = _store().load()
    with as_portal_error():
        flow = flows_of(portal).get(flow_id)
    print(json.dumps(flow.to_api(), indent=2, ensure_ascii=False))


@flows_app.command("create")
@handle_errors
def flows_create(
    file: Annotated[Path, typer.Argument(help="A flow create request (JSON).")],
) -> None:
    """Create a flow from a POST /automation/v4/flows body, with HubSpot's validation."""
    from runtime.errors import UsageError
    from runtime.fake_hubspot.automation.models import flows_of
    from runtime.fake_hubspot.persistence import read_json
    from runtime.fake_hubspot.portal import as_portal_error

    data = read_json(file)
    if data is None:
        raise UsageError(f"flow file not found: {file}")
    with _store().transaction() as portal, as_portal_error():
        flow = flows_of(portal).create(data)
    print(f"Created flow {flow.id} (revision {flow.revision}): {flow.name or '(no name)'}")
