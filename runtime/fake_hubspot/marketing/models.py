"""Marketing emails, read-only: what ``hsrun portal seed`` declares under ``marketingEmails``.

Each email has the fields actions read (``id``, ``name``, ``subject``, ``state``, ``type``,
``from``, ``isPublished``, ``publishDate``, times), as HubSpot's marketing emails v3 reference
shapes a ``PublicEmail``. Creating, editing and sending emails is not emulated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from runtime.fake_hubspot.core.clock import iso_ms
from runtime.fake_hubspot.core.errors import ObjectNotFound, ValidationError

if TYPE_CHECKING:
    from runtime.fake_hubspot.portal import FakePortal

STATES = ("DRAFT", "PUBLISHED", "SCHEDULED", "AUTOMATED", "AUTOMATED_DRAFT", "PROCESSING")


class MarketingEmailsBackend:
    """The marketing emails of one portal."""

    def __init__(self, portal: FakePortal) -> None:
        self.portal = portal
        self.emails: dict[int, dict[str, Any]] = {}

    def reset(self) -> None:
        self.emails = {}

    def add(self, data: dict[str, Any]) -> dict[str, Any]:
        """Store a seeded email (``name`` needed; ``state`` one of HubSpot's)."""
        if not data.get("name"):
            raise ValidationError("a marketing email needs a name")
        state = str(data.get("state") or "DRAFT")
        if state not in STATES:
            raise ValidationError(f"state must be one of {', '.join(STATES)}, got {state!r}")
        now = self.portal.now_ms()
        email_id = self.portal.allocate_id("emails")
        email = {
            "id": str(email_id),
            "name": str(data["name"]),
            "subject": str(data.get("subject") or ""),
            "state": state,
            "type": str(data.get("type") or "BATCH_EMAIL"),
            "isPublished": state == "PUBLISHED",
            "from": dict(data.get("from") or {}),
            "createdAt": iso_ms(now),
            "updatedAt": iso_ms(now),
            "archived": False,
        }
        if state == "PUBLISHED":
            email["publishDate"] = iso_ms(now)
        self.emails[email_id] = email
        return email

    def get(self, email_id: str) -> dict[str, Any]:
        found = (
            self.emails.get(int(email_id)) if email_id.isdigit() and len(email_id) < 19 else None
        )
        if found is None:
            raise ObjectNotFound(f"No marketing email {email_id}")
        return found

    def to_state(self) -> dict[str, dict[str, Any]]:
        return {f"emails/{k}": v for k, v in self.emails.items()}

    def load_state(self, data: dict[str, Any]) -> None:
        self.reset()
        for key, raw in data.items():
            if key.startswith("emails/"):
                self.emails[int(key[7:])] = dict(raw)
