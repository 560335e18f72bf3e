"""What every secret store offers: the runner's read side plus the management commands."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

from runtime.secrets.value import SecretValue


@dataclass(frozen=True)
class SecretInfo:
    """What ``hsrun secrets list`` shows about one secret (never its value)."""

    name: str
    length: int
    updated_at: datetime | None


@dataclass(frozen=True)
class ImportResult:
    """Names an import added and names it replaced."""

    added: tuple[str, ...]
    updated: tuple[str, ...]


@dataclass(frozen=True)
class RotationResult:
    """What ``rotate-key`` did (key ids are public fingerprints, never keys)."""

    count: int
    old_key_id: str | None
    new_key_id: str
    kind: Literal["key", "passphrase"]
    key_file: Path | None


@runtime_checkable
class SecretStore(Protocol):
    """A :class:`~runtime.secrets.SecretSource` that can also be managed."""

    #: Short backend name, as in ``HSRUN_SECRETS_BACKEND`` (``local``, ``aws``).
    backend: str

    def get(self, names: Iterable[str]) -> dict[str, str]:
        """Values for those of ``names`` the store holds; absent names are left out."""
        ...

    def describe_missing(self, name: str) -> str:
        """How the user adds ``name`` (used in the missing-secret error)."""
        ...

    def location(self) -> str:
        """Where the secrets live, for messages (a file path, an AWS prefix)."""
        ...

    def set(self, name: str, value: str | SecretValue) -> bool:
        """Store ``value`` under ``name``; True if the name is new."""
        ...

    def remove(self, name: str) -> None:
        """Delete ``name``; raises ``SecretNotFoundError`` if it is not there."""
        ...

    def names(self) -> list[str]:
        """Every stored name, sorted."""
        ...

    def info(self) -> list[SecretInfo]:
        """Name, length and last change of every stored secret, sorted by name."""
        ...

    def reveal(self, name: str) -> SecretValue:
        """One value, for a person who asked to see it (recorded in the audit log)."""
        ...

    def import_env_file(self, path: Path) -> ImportResult:
        """Store every ``NAME=value`` of a dotenv file, all or nothing where possible."""
        ...

    def rotate_key(
        self,
        *,
        to: Literal["key", "passphrase"] | None = None,
        new_passphrase: str | None = None,
    ) -> RotationResult:
        """Re-encrypt everything under a new key (local store only)."""
        ...
