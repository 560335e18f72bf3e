"""The Workflows v4 calls a deploy makes, and HubSpot's refusals as :class:`DeployError`.

``hubspot-api-client`` (12.x) has no v4 flows client, so the calls go through ``requests``
with the header the SDKs send (``Authorization: Bearer <token>``, contract §1.2). Every
refusal names the flow, the action and the target, says that nothing was written and what to
do; the token itself never appears.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from runtime.errors import DeployError
from runtime.secrets.value import SecretValue

if TYPE_CHECKING:
    import requests

FLOWS_PATH = "/automation/v4/flows"
#: The scope the Workflows v4 API needs (contract §1.5, §8.1).
SCOPE = "automation"
TIMEOUT_S = 30.0


@dataclass(frozen=True)
class DeployTarget:
    """Where a deploy goes.

    Attributes:
        base_url: ``https://api.hubapi.com`` or the fake portal's loopback URL.
        token: the private app token (needs the ``automation`` scope).
        label: how messages name the target ("the local fake portal", "HubSpot").
        token_secret: the secret the token came from, for messages (``None``: passed in).
        live: whether this is HubSpot itself (decides the hints in messages).
    """

    base_url: str
    token: SecretValue
    label: str
    token_secret: str | None = None
    live: bool = False


@contextlib.contextmanager
def session_for(
    given: requests.Session | None, *, trust_env: bool = True
) -> Iterator[requests.Session]:
    """``given``, or a new session closed afterwards.

    Args:
        given: a session to use as it is (tests hook it).
        trust_env: honour proxy variables; off for the loopback fake portal, so a corporate
            ``HTTPS_PROXY`` never receives the local token.
    """
    if given is not None:
        yield given
        return
    import requests

    with requests.Session() as session:
        session.trust_env = trust_env
        yield session


@dataclass(frozen=True)
class Where:
    """The flow, the action and the target: what every message names."""

    flow_id: str
    action_id: str
    target: DeployTarget

    def flow_phrase(self) -> str:
        return f"flow {self.flow_id} on {self.target.label}"

    def action_phrase(self) -> str:
        return f"action {self.action_id} of flow {self.flow_id} on {self.target.label}"


class FlowsApi:
    """``GET``/``PUT /automation/v4/flows/{flowId}`` with HubSpot's answers turned into
    :class:`DeployError` messages."""

    def __init__(self, http: requests.Session, target: DeployTarget, where: Where) -> None:
        self.http = http
        self.target = target
        self.where = where
        self.url = f"{target.base_url.rstrip('/')}{FLOWS_PATH}/{where.flow_id}"

    def _send(self, method: str, body: dict[str, Any] | None = None) -> Any:
        import requests

        headers = {
            "Authorization": f"Bearer {self.target.token.reveal()}",
            "Accept": "application/json",
        }
        try:
            response = self.http.request(
                method, self.url, headers=headers, json=body, timeout=TIMEOUT_S
            )
        except requests.RequestException as exc:
            raise DeployError(
                f"cannot reach {self.target.label} at {self.target.base_url} to "
                f"{'read' if method == 'GET' else 'update'} flow {self.where.flow_id}: "
                f"{type(exc).__name__}; nothing was written"
            ) from exc
        if response.status_code >= 400:
            raise self._refusal(method, response.status_code, read_json(response))
        return read_json(response)

    def get(self) -> dict[str, Any]:
        """The flow (``ApiFlow``) with its ``actions`` and ``revisionId``."""
        if not self.where.flow_id.isdigit():
            raise DeployError(
                f"flow id {self.where.flow_id!r} is not a number: give the workflow's id "
                "(hsrun portal flows list, or the workflow's URL in HubSpot)"
            )
        flow = self._send("GET")
        if not isinstance(flow, dict) or not isinstance(flow.get("actions"), list):
            raise DeployError(
                f"{self.where.flow_phrase()} answered with something that is not a flow"
            )
        return flow

    def put(self, body: dict[str, Any]) -> dict[str, Any]:
        """Replace the flow (``body`` carries the revisionId read); HubSpot's answer."""
        answer = self._send("PUT", body)
        return answer if isinstance(answer, dict) else {}

    def _refusal(self, method: str, status: int, body: Any) -> DeployError:
        """HubSpot's error answer as a message: what failed, HubSpot's words, what to do."""
        where, target = self.where, self.target
        message = body.get("message") if isinstance(body, dict) else None
        category = body.get("category") if isinstance(body, dict) else None
        said = f"{status} {category}: {message}" if category else f"{status}: {message}"
        secret = target.token_secret or "the given token"
        head = f"cannot deploy to {where.action_phrase()}"
        if status == 401:
            if target.live:
                fix = f"store a valid private app token with hsrun secrets set {secret}"
            else:
                fix = (
                    f"the fake portal knows no app with this token; create one with hsrun portal "
                    f"apps create deploy --scopes {SCOPE} --save-secret {secret}"
                )
            problem = f"the token in {secret} was refused ({said})"
        elif status == 403:
            if target.live:
                fix = f"give the private app the '{SCOPE}' scope in HubSpot, then rerun"
            else:
                fix = f"hsrun portal apps scopes APP --scopes {SCOPE},... (APP: the token's app)"
            problem = (
                f"the token in {secret} lacks the '{SCOPE}' scope that reading and writing "
                f"workflows needs ({said})"
            )
        elif status == 404 and method == "GET":
            problem = f"flow {where.flow_id} does not exist there ({said})"
            fix = "check the flow id" + (
                " (it is in the workflow's URL)"
                if target.live
                else " (hsrun portal flows list shows them)"
            )
        elif status == 409 or (status == 400 and "revision" in str(message).lower()):
            # A stale revisionId: the flow changed between our GET and our PUT.
            problem = f"the flow changed while deploying; the revision read is stale ({said})"
            fix = "run the deploy again to see the new diff"
        elif status == 429:
            problem = f"rate limited ({said})"
            fix = "try again in a few seconds"
        else:
            verb = "read" if method == "GET" else "update"
            problem = f"{target.label} refused to {verb} the flow ({said})"
            fix = "correct what HubSpot names above"
        return DeployError(f"{head}: {problem}. Nothing was written. To fix: {fix}.")


def read_json(response: requests.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None
