"""Private apps: names, scopes and ``pat-<region>-<uuid>`` tokens.

Contract §1.1: private-app tokens are opaque ``pat-na1-<uuid>`` strings that never expire on
their own; they stop working when rotated or when the app is deleted. HubSpot's rotate dialog
lets the old token expire now or after a grace period, which is emulated here (``now`` or
``7d``). Every token event (created, shown, rotated, deleted) goes to the security log.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from runtime.errors import PortalError, PortalValueError
from runtime.fake_hubspot.core.errors import InvalidAuthentication
from runtime.fake_hubspot.core.logs import SecurityLog

#: Grace period choices when rotating, in seconds.
EXPIRY_CHOICES = {"now": 0.0, "7d": 7 * 24 * 3600.0}


def new_token(region: str = "na1") -> str:
    """A fresh token in HubSpot's format."""
    return f"pat-{region}-{uuid.uuid4()}"


def token_hint(token: str) -> str:
    """What logs show of a token: its format and last four characters."""
    return f"{token[:8]}…{token[-4:]}" if len(token) > 12 else "…"


@dataclass
class Token:
    """One token of an app; ``expires_at`` is set when it was rotated away."""

    value: str = field(repr=False)
    created_at: float
    expires_at: float | None = None

    def valid_at(self, when: float) -> bool:
        return self.expires_at is None or when < self.expires_at

    def to_state(self) -> dict[str, Any]:
        return {"value": self.value, "createdAt": self.created_at, "expiresAt": self.expires_at}

    @classmethod
    def from_state(cls, data: dict[str, Any]) -> Token:
        return cls(str(data["value"]), float(data["createdAt"]), data.get("expiresAt"))


@dataclass
class PrivateApp:
    """A private app of the portal. Its ``repr`` never shows a token."""

    app_id: int
    name: str
    scopes: list[str]
    created_at: float
    user_id: int
    tokens: list[Token] = field(default_factory=list, repr=False)

    @property
    def token(self) -> str:
        """The current token (the newest one)."""
        return self.tokens[-1].value

    def has_any(self, alternatives: list[str]) -> bool:
        """Whether the app holds any one of ``alternatives`` (contract §1.5)."""
        return not alternatives or any(scope in self.scopes for scope in alternatives)

    def to_state(self) -> dict[str, Any]:
        return {
            "appId": self.app_id,
            "name": self.name,
            "scopes": list(self.scopes),
            "createdAt": self.created_at,
            "userId": self.user_id,
            "tokens": [t.to_state() for t in self.tokens],
        }

    @classmethod
    def from_state(cls, data: dict[str, Any]) -> PrivateApp:
        return cls(
            app_id=int(data["appId"]),
            name=str(data["name"]),
            scopes=[str(s) for s in data.get("scopes", [])],
            created_at=float(data.get("createdAt", 0.0)),
            user_id=int(data.get("userId", 0)),
            tokens=[Token.from_state(t) for t in data.get("tokens", [])],
        )


class AppStore:
    """The portal's private apps and the index from token to app."""

    def __init__(
        self,
        clock: Callable[[], float],
        security_log: SecurityLog,
        allocate_id: Callable[[str], int],
        *,
        region: str = "na1",
    ) -> None:
        self._clock = clock
        self._security = security_log
        self._allocate = allocate_id
        self.region = region
        self.apps: dict[str, PrivateApp] = {}
        self._by_token: dict[str, tuple[PrivateApp, Token]] = {}

    def reset(self) -> None:
        self.apps.clear()
        self._by_token.clear()

    # -- lifecycle ----------------------------------------------------------------------

    def create(self, name: str, scopes: list[str], *, user_id: int = 1) -> PrivateApp:
        """Create an app with a fresh token.

        Raises:
            PortalError: the name is empty or already taken.
        """
        name = name.strip()
        if not name:
            raise PortalError("a private app needs a name")
        if name in self.apps:
            raise PortalError(f"a private app named {name!r} already exists")
        now = self._clock()
        token = Token(new_token(self.region), now)
        clean = sorted({s.strip() for s in scopes if s.strip()})
        app = PrivateApp(self._allocate("apps"), name, clean, now, user_id, [token])
        self._add(app)
        self._security.record("created", name, token.value)
        return app

    def get(self, name: str) -> PrivateApp:
        """The app called ``name``.

        Raises:
            PortalError: no such app (the message lists the known ones).
        """
        app = self.apps.get(name)
        if app is None:
            known = ", ".join(sorted(self.apps)) or "none"
            raise PortalError(f"no private app named {name!r} (known: {known})")
        return app

    def show_token(self, name: str) -> str:
        """The app's current token; the security log records that it was shown."""
        app = self.get(name)
        self._security.record("shown", name, app.token)
        return app.token

    def rotate(self, name: str, *, expire_old: str = "now") -> PrivateApp:
        """Issue a new token; the old one expires now or after 7 days.

        Raises:
            PortalError: unknown app or expiry choice.
        """
        if expire_old not in EXPIRY_CHOICES:
            choices = ", ".join(EXPIRY_CHOICES)
            raise PortalValueError(f"old token expiry must be one of {choices}, got {expire_old!r}")
        app = self.get(name)
        now = self._clock()
        for old in app.tokens:
            if old.expires_at is None or old.expires_at > now:
                old.expires_at = now + EXPIRY_CHOICES[expire_old]
        token = Token(new_token(self.region), now)
        app.tokens.append(token)
        self._by_token[token.value] = (app, token)
        self._security.record(
            "rotated", name, token.value, detail=f"old token expires {expire_old}"
        )
        return app

    def set_scopes(self, name: str, scopes: list[str]) -> PrivateApp:
        """Replace the app's scopes (HubSpot keeps the token when scopes change)."""
        app = self.get(name)
        app.scopes = sorted({s.strip() for s in scopes if s.strip()})
        self._security.record("scopes_changed", name, app.token, detail=",".join(app.scopes))
        return app

    def delete(self, name: str) -> None:
        """Delete the app; every token it had is revoked at once."""
        app = self.get(name)
        for token in app.tokens:
            self._by_token.pop(token.value, None)
        del self.apps[name]
        self._security.record("deleted", name, app.token)

    # -- authentication -----------------------------------------------------------------

    def authenticate(self, authorization: str | None) -> PrivateApp:
        """The app behind an ``Authorization`` header value.

        Raises:
            InvalidAuthentication: missing header, not ``Bearer``, unknown, revoked or expired
                token. Contract §1.3: all of these get the same 401 body.
        """
        if not authorization:
            raise InvalidAuthentication()
        scheme, _, value = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise InvalidAuthentication()
        # A doubled "Bearer Bearer pat-..." is a common mistake and is a 401 (contract §1.2).
        found = self._by_token.get(value.strip())
        if found is None:
            raise InvalidAuthentication()
        app, token = found
        if not token.valid_at(self._clock()):
            raise InvalidAuthentication()
        return app

    def find_by_token(self, value: str) -> PrivateApp | None:
        """The app owning a still-valid token, without raising."""
        found = self._by_token.get(value)
        if found is None or not found[1].valid_at(self._clock()):
            return None
        return found[0]

    # -- state --------------------------------------------------------------------------

    def _add(self, app: PrivateApp) -> None:
        self.apps[app.name] = app
        for token in app.tokens:
            self._by_token[token.value] = (app, token)

    def to_state(self) -> dict[str, dict[str, Any]]:
        return {name: app.to_state() for name, app in self.apps.items()}

    def load_state(self, data: dict[str, Any]) -> None:
        self.reset()
        for raw in data.values():
            self._add(PrivateApp.from_state(raw))
