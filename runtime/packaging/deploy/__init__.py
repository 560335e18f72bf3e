"""``hsrun deploy``: write a packaged action into a workflow's ``CUSTOM_CODE`` action.

One deploy, against the local fake portal or HubSpot, through the Workflows v4 API (contract
§8; ``hubspot-api-client`` has no v4 flows client, so calls go through ``requests`` with the
same ``Authorization: Bearer`` header)::

    GET  /automation/v4/flows/{flowId}          the flow and its revisionId
         find the action: it must exist and be CUSTOM_CODE
         drift guard: its sourceCode must carry hsrun's marker and match it (or --force)
         diff: code (unified), runtime, secrets, inputs, outputs
    PUT  /automation/v4/flows/{flowId}          the flow with the new action and the same
                                                revisionId (skipped by --dry-run, or when
                                                nothing changed)

**Drift.** ``hsrun package`` ends the code with ``# hsrun:sha256=<hex>``, the hash of the code
above it. Code in the flow whose marker no longer matches was edited in HubSpot's editor since
hsrun deployed it; code without a marker was not deployed by hsrun at all. Both are refused
unless ``force``, so a deploy never silently throws away someone's edit. An action with no
code at all is not drift. ``dry_run`` reports drift instead of refusing.

**Revision guard.** The PUT sends the ``revisionId`` read by the GET; if the flow changed in
between, HubSpot (and the fake, with a 409) refuses it and nothing is written.

Every refusal is a :class:`~runtime.errors.DeployError` (exit 7) naming the flow, the action,
the target and what to do; an action failing ``hsrun check`` is a
:class:`~runtime.errors.CheckFailedError`. Tokens are :class:`~runtime.secrets.SecretValue`:
they appear in no message and no ``repr``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from runtime.contract.hosts import DEFAULT_BASE_URL
from runtime.contract.manifest import ActionManifest
from runtime.errors import CheckFailedError, DeployError
from runtime.packaging.bundle import bundle_action
from runtime.packaging.deploy._api import SCOPE, DeployTarget, FlowsApi, Where, session_for
from runtime.packaging.deploy._diff import (
    DRIFT_EDITED,
    DRIFT_FOREIGN,
    Change,
    drift_of,
    drift_refusal,
    find_action,
    object_type_notes,
    put_body,
    replaced_action,
    setting_changes,
    unified_code_diff,
)
from runtime.packaging.findings import Finding
from runtime.packaging.flow import flow_action_json
from runtime.secrets.value import SecretValue

if TYPE_CHECKING:
    import requests

    from runtime.config import Settings

__all__ = [
    "DEFAULT_LIVE_TOKEN_SECRET",
    "DEFAULT_TOKEN_SECRET",
    "DRIFT_EDITED",
    "DRIFT_FOREIGN",
    "LIVE_URL",
    "SCOPE",
    "Change",
    "DeployReport",
    "DeployTarget",
    "deploy_action",
    "deploy_from_settings",
    "token_from_store",
]

#: HubSpot's API (``--live``).
LIVE_URL = DEFAULT_BASE_URL
#: Secret holding the private app token for the local fake portal.
DEFAULT_TOKEN_SECRET = "HUBSPOT_DEPLOY_TOKEN"
#: Secret holding the private app token for HubSpot itself (``--live``).
DEFAULT_LIVE_TOKEN_SECRET = "HUBSPOT_LIVE_DEPLOY_TOKEN"


@dataclass(frozen=True)
class DeployReport:
    """What a deploy found and did.

    Attributes:
        action: the action file deployed.
        flow_id: the flow.
        action_id: the action within the flow.
        flow_name: the flow's name, if it has one.
        target: the target's label.
        revision_before: the flow's ``revisionId`` when read.
        revision_after: its ``revisionId`` after the PUT (``None`` when nothing was written).
        code_diff: a unified diff from the deployed code to the packaged code ("" if equal).
        changes: runtime, secrets, inputs and outputs that change.
        drift: why the deployed code counts as drift (``None``: it does not).
        forced: drift was overridden with ``force``.
        dry_run: nothing was meant to be written.
        written: the flow was updated.
        sha256: the packaged code's hash (its marker).
        warnings: ``hsrun check`` warnings of the packaged code.
        notes: other things worth knowing (a flow on another object type).
    """

    action: str
    flow_id: str
    action_id: str
    flow_name: str | None
    target: str
    revision_before: str
    revision_after: str | None
    code_diff: str
    changes: tuple[Change, ...]
    drift: str | None
    forced: bool
    dry_run: bool
    written: bool
    sha256: str
    warnings: tuple[Finding, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def up_to_date(self) -> bool:
        """The flow already holds exactly this action."""
        return not self.code_diff and not self.changes

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON (``hsrun deploy --json``)."""
        return {
            "action": self.action,
            "flowId": self.flow_id,
            "actionId": self.action_id,
            "flowName": self.flow_name,
            "target": self.target,
            "revisionBefore": self.revision_before,
            "revisionAfter": self.revision_after,
            "upToDate": self.up_to_date,
            "codeDiff": self.code_diff,
            "changes": [
                {"field": c.field, "before": c.before, "after": c.after} for c in self.changes
            ],
            "drift": self.drift,
            "forced": self.forced,
            "dryRun": self.dry_run,
            "written": self.written,
            "sha256": self.sha256,
            "warnings": [f.to_dict() for f in self.warnings],
            "notes": list(self.notes),
        }


def deploy_action(
    action: ActionManifest,
    *,
    flow_id: str | int,
    action_id: str | int,
    target: DeployTarget,
    dry_run: bool = False,
    force: bool = False,
    session: requests.Session | None = None,
) -> DeployReport:
    """Deploy ``action`` into action ``action_id`` of flow ``flow_id`` on ``target``.

    Args:
        action: the loaded action (``runtime.contract.load_action``).
        flow_id: the workflow's id (v4 ``flowId``).
        action_id: the ``actionId`` of the ``CUSTOM_CODE`` action to replace.
        target: where to deploy, with its token.
        dry_run: compute the diff, write nothing.
        force: overwrite code edited in HubSpot or not deployed by hsrun.
        session: the HTTP session to use (tests); a new one by default.

    Returns:
        The report; ``report.written`` says whether the flow changed.

    Raises:
        CheckFailedError: the action fails ``hsrun check``; nothing was sent.
        PackagingError: it cannot be bundled.
        DeployError: the flow or action is missing, the action is not custom code, drift
            without ``force``, a stale revision, a refused token; nothing was written.
    """
    flow_key, action_key = str(flow_id).strip(), str(action_id).strip()
    try:
        bundle = bundle_action(action)
    except CheckFailedError as exc:
        raise CheckFailedError(f"refusing to deploy: {exc}\nNothing was deployed.") from exc
    where = Where(flow_key, action_key, target)
    path = str(action.source_path)
    with session_for(session, trust_env=target.live) as http:
        api = FlowsApi(http, target, where)
        flow = api.get()
        current = find_action(flow, where)
        wanted = replaced_action(current, flow_action_json(action, bundle, action_key))
        deployed_code = str(current.get("sourceCode") or "")
        code_diff = unified_code_diff(deployed_code, bundle.source, where, path)
        changes = setting_changes(current, wanted)
        up_to_date = not code_diff and not changes
        drift = None if up_to_date else drift_of(deployed_code)
        if drift and not force and not dry_run:
            raise drift_refusal(where, drift, path)
        answer = None
        if not dry_run and not up_to_date:
            answer = api.put(put_body(flow, wanted, action_key))
    return DeployReport(
        action=path,
        flow_id=flow_key,
        action_id=action_key,
        flow_name=flow.get("name") if isinstance(flow.get("name"), str) else None,
        target=target.label,
        revision_before=str(flow.get("revisionId", "")),
        revision_after=None if answer is None else str(answer.get("revisionId", "")),
        code_diff=code_diff,
        changes=tuple(changes),
        drift=drift,
        forced=bool(drift) and not dry_run,
        dry_run=dry_run,
        written=answer is not None,
        sha256=bundle.sha256,
        warnings=tuple(f for f in bundle.findings if f.severity == "warning"),
        notes=tuple(object_type_notes(action, flow, where)),
    )


def deploy_from_settings(
    action: ActionManifest,
    *,
    flow_id: str | int,
    action_id: str | int,
    settings: Settings,
    live: bool = False,
    token_secret: str | None = None,
    dry_run: bool = False,
    force: bool = False,
) -> DeployReport:
    """Deploy to the project's fake portal (served for the call) or, with ``live``, HubSpot.

    The token is read from the secret store (:func:`runtime.secrets.default_source`): the
    secret ``token_secret``, by default :data:`DEFAULT_TOKEN_SECRET` for the fake portal and
    :data:`DEFAULT_LIVE_TOKEN_SECRET` for HubSpot.

    Raises:
        DeployError: no such secret, and everything :func:`deploy_action` raises.
    """
    from runtime.secrets import default_source

    name = token_secret or (DEFAULT_LIVE_TOKEN_SECRET if live else DEFAULT_TOKEN_SECRET)
    token = token_from_store(default_source(settings), name, live=live)
    options: dict[str, Any] = {
        "flow_id": flow_id,
        "action_id": action_id,
        "dry_run": dry_run,
        "force": force,
    }
    if live:
        target = DeployTarget(LIVE_URL, token, "HubSpot", token_secret=name, live=True)
        return deploy_action(action, target=target, **options)
    from runtime.fake_hubspot import attach

    with attach(settings, save=not dry_run) as served:
        local = DeployTarget(served.url, token, "the local fake portal", token_secret=name)
        return deploy_action(action, target=local, **options)


def token_from_store(store: Any, name: str, *, live: bool = False) -> SecretValue:
    """The token held by secret ``name`` of ``store`` (a :class:`~runtime.secrets.SecretStore`).

    Raises:
        DeployError: the store has no such secret; says how to create one.
    """
    found = store.get([name])
    value = found.get(name)
    if not value:
        if live:
            how = (
                f"create a private app with the '{SCOPE}' scope in HubSpot and store its "
                f"token: hsrun secrets set {name}"
            )
        else:
            how = (
                f"create one in the fake portal: hsrun portal apps create deploy --scopes "
                f"{SCOPE} --save-secret {name}"
            )
        raise DeployError(
            f"no deploy token: the secret store ({store.location()}) has no secret {name}; {how}"
        )
    return SecretValue(str(value))
