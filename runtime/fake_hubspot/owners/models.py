"""Owners: the portal's users who can own records (``/crm/v3/owners``). No HTTP here.

``PublicOwner``: ``id`` (string), ``email``, ``firstName``, ``lastName``, ``userId`` (int),
``userIdIncludingInactive``, ``createdAt``, ``updatedAt``, ``archived``, ``teams``, ``type``
(``PERSON``). A record's ``hubspot_owner_id`` must name a live owner.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from runtime.errors import PortalError
from runtime.fake_hubspot.core.clock import iso_ms


@dataclass
class Owner:
    """One owner."""

    id: int
    email: str
    first_name: str
    last_name: str
    user_id: int
    created_at: int
    updated_at: int
    archived: bool = False
    teams: list[dict[str, Any]] = field(default_factory=list)

    def to_api(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "email": self.email,
            "type": "PERSON",
            "firstName": self.first_name,
            "lastName": self.last_name,
            "userId": self.user_id,
            "userIdIncludingInactive": self.user_id,
            "createdAt": iso_ms(self.created_at),
            "updatedAt": iso_ms(self.updated_at),
            "archived": self.archived,
            "teams": [dict(t) for t in self.teams],
        }

    def to_state(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "email": self.email,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "userId": self.user_id,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "archived": self.archived,
            "teams": self.teams,
        }

    @classmethod
    def from_state(cls, data: dict[str, Any]) -> Owner:
        return cls(
            id=int(data["id"]),
            email=str(data["email"]),
            first_name=str(data.get("firstName", "")),
            last_name=str(data.get("lastName", "")),
            user_id=int(data.get("userId", 0)),
            created_at=int(data.get("createdAt", 0)),
            updated_at=int(data.get("updatedAt", 0)),
            archived=bool(data.get("archived", False)),
            teams=list(data.get("teams", [])),
        )


class OwnersBackend:
    """The portal's owners."""

    def __init__(self, now_ms: Callable[[], int], allocate_id: Callable[[str], int]) -> None:
        self._now_ms = now_ms
        self._allocate = allocate_id
        self.owners: dict[int, Owner] = {}

    def reset(self) -> None:
        self.owners.clear()

    def create(
        self,
        email: str,
        first_name: str = "",
        last_name: str = "",
        *,
        archived: bool = False,
        owner_id: int | None = None,
        user_id: int | None = None,
    ) -> Owner:
        """Add an owner (user ids are allocated beside owner ids; a seed may choose both,
        as real actions hard-code their portal's owner ids).

        Raises:
            PortalError: the email is taken by a live owner, or a chosen id by any owner.
        """
        if any(o.email.lower() == email.lower() and not o.archived for o in self.owners.values()):
            raise PortalError(f"an owner with email {email!r} already exists")
        if owner_id is not None and owner_id in self.owners:
            taken = self.owners[owner_id]
            raise PortalError(f"owner id {owner_id} is taken by {taken.email}")
        if user_id is not None:
            taken_user = next((o for o in self.owners.values() if o.user_id == user_id), None)
            if taken_user is not None:
                raise PortalError(f"user id {user_id} is taken by {taken_user.email}")
        while owner_id is None or owner_id in self.owners:  # above any seeded id
            owner_id = self._allocate("owners")
        now = self._now_ms()
        owner = Owner(
            id=owner_id,
            email=email,
            first_name=first_name,
            last_name=last_name,
            user_id=self._allocate("users") if user_id is None else user_id,
            created_at=now,
            updated_at=now,
            archived=archived,
        )
        self.owners[owner.id] = owner
        return owner

    def exists(self, owner_id: str) -> bool:
        """Whether a live owner has this id (``hubspot_owner_id`` values)."""
        return (
            owner_id.isdigit()
            and (o := self.owners.get(int(owner_id))) is not None
            and not o.archived
        )

    def find(self, key: str, *, id_property: str = "id", archived: bool = False) -> Owner | None:
        """An owner by ``id`` or ``userId``."""
        if not key.isdigit():
            return None
        number = int(key)
        for owner in self.owners.values():
            value = owner.user_id if id_property == "userId" else owner.id
            if value == number and owner.archived == archived:
                return owner
        return None

    def page(
        self, *, email: str | None, after: int, limit: int, archived: bool
    ) -> tuple[list[Owner], int | None]:
        """Owners by id after ``after``; the next cursor or ``None``."""
        chosen = sorted(
            (
                o
                for o in self.owners.values()
                if o.archived == archived
                and o.id > after
                and (email is None or o.email.lower() == email.lower())
            ),
            key=lambda o: o.id,
        )
        page = chosen[:limit]
        return page, (page[-1].id if len(chosen) > limit else None)

    def to_state(self) -> dict[str, dict[str, Any]]:
        return {str(k): o.to_state() for k, o in self.owners.items()}

    def load_state(self, data: dict[str, Any]) -> None:
        self.owners = {int(k): Owner.from_state(v) for k, v in data.items()}
