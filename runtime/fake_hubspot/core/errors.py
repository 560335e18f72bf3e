"""HubSpot's error answers: one exception class per HubSpot ``category``.

Every error the fake answers is one of these, serialised to HubSpot's envelope (contract §2)::

    {"status": "error", "message": ..., "correlationId": <uuid>,
     "errors": [...], "context": {...}, "links": {...}, "category": ...}

Key order follows the real captures (``status, message, correlationId, ..., category``). The
same correlation id goes in the ``X-HubSpot-Correlation-Id`` header (added by the dispatcher).

    HubSpotError
    ├── ValidationError (400 VALIDATION_ERROR)
    │   └── PropertyValidationError   "Property values were not valid: [...]"
    ├── InvalidAuthentication (401 INVALID_AUTHENTICATION)
    ├── MissingScopes (403 MISSING_SCOPES)
    ├── ObjectNotFound (404 OBJECT_NOT_FOUND)
    ├── ResourceNotFound (404, no category: "resource not found")
    ├── Conflict (409 CONFLICT)
    ├── ObjectAlreadyExists (409 OBJECT_ALREADY_EXISTS)
    ├── RateLimited (429 RATE_LIMITS, body with errorType/policyName)
    └── InternalError (500)
"""

from __future__ import annotations

import json
import uuid
from typing import Any, ClassVar

#: Contract §1.3: the exact 401 message (current wording, captured 2023 and 2025).
AUTH_MESSAGE = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you "
    "can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)
#: Contract §1.4: the exact 403 message.
SCOPES_MESSAGE = (
    "This app hasn't been granted all required scopes to make this call. Read more about "
    "required scopes here: https://developers.hubspot.com/scopes."
)


def new_correlation_id() -> str:
    """A fresh correlation id, a UUID as HubSpot sends."""
    return str(uuid.uuid4())


class HubSpotError(Exception):
    """An answer in HubSpot's error envelope.

    Attributes:
        status: HTTP status code.
        category: HubSpot's ``category`` (``None``: the key is left out).
        message: the human-readable message.
        errors: ``ErrorDetail`` entries.
        context: ``{str: [str]}`` context.
        links: ``{str: str}`` links.
        headers: extra response headers.
    """

    status: ClassVar[int] = 400
    category: ClassVar[str | None] = None

    def __init__(
        self,
        message: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        context: dict[str, list[str]] | None = None,
        links: dict[str, str] | None = None,
        sub_category: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors
        self.context = context
        self.links = links
        self.sub_category = sub_category
        self.headers: dict[str, str] = dict(headers or {})

    def body(self, correlation_id: str) -> dict[str, Any]:
        """The JSON envelope, keys in HubSpot's order."""
        data: dict[str, Any] = {
            "status": "error",
            "message": self.message,
            "correlationId": correlation_id,
        }
        if self.errors is not None:
            data["errors"] = self.errors
        if self.context is not None:
            data["context"] = self.context
        if self.links is not None:
            data["links"] = self.links
        if self.sub_category is not None:
            data["subCategory"] = self.sub_category
        if self.category is not None:
            data["category"] = self.category
        return data

    def standard_error(self) -> dict[str, Any]:
        """This error as a batch ``StandardError`` entry (contract §2, §4.3)."""
        data: dict[str, Any] = {"status": "error", "category": self.category or "ERROR"}
        data["message"] = self.message
        data["context"] = self.context or {}
        if self.errors is not None:
            data["errors"] = self.errors
        return data


class ValidationError(HubSpotError):
    """400 ``VALIDATION_ERROR``: bad JSON, bad shape, bad values (contract §2.1)."""

    status = 400
    category: ClassVar[str | None] = "VALIDATION_ERROR"


class PropertyValidationError(ValidationError):
    """400 for invalid property values, with the JSON array embedded in the message.

    Contract §2.1: ``"Property values were not valid: [{"isValid":false,...}]"`` plus one
    ``errors[]`` entry per property (``code`` = ``PROPERTY_DOESNT_EXIST``, ``INVALID_OPTION``...).
    """

    def __init__(self, problems: list[tuple[str, str, str]], portal_id: int) -> None:
        """Build from ``(property name, code, message)`` triples."""
        embedded = [
            {
                "isValid": False,
                "message": message,
                "error": code,
                "name": name,
                "localizedErrorMessage": message,
                "portalId": portal_id,
            }
            for name, code, message in problems
        ]
        details = [
            {"message": message, "code": code, "context": {"propertyName": [name]}}
            for name, code, message in problems
        ]
        text = json.dumps(embedded, separators=(",", ":"), ensure_ascii=False)
        super().__init__(f"Property values were not valid: {text}", errors=details)
        self.problems = problems


class InvalidAuthentication(HubSpotError):
    """401 for a missing, unknown, revoked or expired token (contract §1.3)."""

    status = 401
    category = "INVALID_AUTHENTICATION"

    def __init__(self, message: str = AUTH_MESSAGE) -> None:
        # Contract §1.3: real 401s carry this header beside the JSON body.
        super().__init__(message, headers={"X-HubSpot-Auth-Failure": "401 Unauthorized"})


class MissingScopes(HubSpotError):
    """403 ``MISSING_SCOPES`` listing the alternatives that would do (contract §1.4)."""

    status = 403
    category = "MISSING_SCOPES"

    def __init__(self, required: list[str]) -> None:
        super().__init__(
            SCOPES_MESSAGE,
            errors=[
                {
                    "message": "One or more of the following scopes are required.",
                    "context": {"requiredGranularScopes": list(required)},
                }
            ],
            links={"scopes": "https://developers.hubspot.com/scopes"},
        )
        self.required = list(required)


class ObjectNotFound(HubSpotError):
    """404 ``OBJECT_NOT_FOUND`` (contract §2.2, non-numeric ids and batch entries)."""

    status = 404
    category = "OBJECT_NOT_FOUND"


class ResourceNotFound(HubSpotError):
    """404 ``resource not found`` (contract §2.2: a numeric id that does not exist).

    The captured body has no ``category`` (third-party relay, key set UNCONFIRMED); hsrun adds
    ``OBJECT_NOT_FOUND`` so that every error answer has HubSpot's full envelope and a client
    that reads ``category`` never meets a ``None`` (the documented ``Error`` schema makes
    ``category`` required).
    """

    status = 404
    category = "OBJECT_NOT_FOUND"

    def __init__(
        self, message: str = "resource not found", *, context: dict[str, list[str]] | None = None
    ) -> None:
        super().__init__(message, context=context)


class NotEmulated(ResourceNotFound):
    """404 for a route the fake portal does not emulate.

    HubSpot may well answer this route; the fake cannot, so it says so in the message and in
    the ``X-Hsrun-Not-Emulated`` header, and the call log marks the call (a run that made one
    gets an ``API_NOT_EMULATED`` alert).
    """

    def __init__(self, method: str, path: str, nearest: list[str]) -> None:
        super().__init__(
            f"resource not found: {method} {path} is not emulated by hsrun's fake portal",
            context={"notEmulated": [f"{method} {path}"], "nearestRoutes": nearest},
        )
        self.headers["X-Hsrun-Not-Emulated"] = "true"


class Conflict(HubSpotError):
    """409 ``CONFLICT`` (contract §2.3: duplicate contact email)."""

    status = 409
    category = "CONFLICT"


class ObjectAlreadyExists(HubSpotError):
    """409 ``OBJECT_ALREADY_EXISTS`` (a property or label name taken; wording UNCONFIRMED)."""

    status = 409
    category = "OBJECT_ALREADY_EXISTS"


class RateLimited(HubSpotError):
    """429 with ``errorType`` and ``policyName`` (contract §2.4).

    The body has no ``category``: HubSpot's documented 429 bodies carry ``errorType:
    RATE_LIMIT``, ``policyName`` and a ``requestId`` instead, and the Node client's retry keys
    on ``policyName`` and on the exact secondly message.
    """

    status = 429
    category = None

    def __init__(self, message: str, policy_name: str, headers: dict[str, str]) -> None:
        super().__init__(message, headers=headers)
        self.policy_name = policy_name

    def body(self, correlation_id: str) -> dict[str, Any]:
        return {
            "status": "error",
            "message": self.message,
            "errorType": "RATE_LIMIT",
            "correlationId": correlation_id,
            "policyName": self.policy_name,
            "requestId": str(uuid.uuid4()),
        }


class InternalError(HubSpotError):
    """500: a bug in the fake itself, still answered as JSON (contract §2.5)."""

    status = 500
    category = "INTERNAL_ERROR"
