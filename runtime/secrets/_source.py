"""Where the runner gets secret values from: the seam between the runner and a store.

A source answers :meth:`SecretSource.get` with the values it holds for the names asked. The
runner only ever calls :func:`select_secrets`, which applies HubSpot's rules (every selected
secret must exist; 1,000 characters in total) before anything starts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from runtime.contract.limits import MAX_SECRETS_TOTAL_CHARS
from runtime.errors import SecretError, SecretNotFoundError, SecretsTooLongError


@runtime_checkable
class SecretSource(Protocol):
    """Anything that can hand out secret values by name."""

    def get(self, names: Iterable[str]) -> dict[str, str]:
        """Values for those of ``names`` the source holds; absent names are left out."""
        ...

    def describe_missing(self, name: str) -> str:
        """How the user adds ``name`` to this source (used in the missing-secret error)."""
        ...


class DictSecrets:
    """Secrets from a plain mapping (library use and tests)."""

    def __init__(self, values: Mapping[str, str] | None = None) -> None:
        self._values = dict(values or {})

    def get(self, names: Iterable[str]) -> dict[str, str]:
        return {n: self._values[n] for n in names if n in self._values}

    def describe_missing(self, name: str) -> str:
        return f"pass it in secrets={{'{name}': ...}}"

    def __repr__(self) -> str:
        return f"DictSecrets(names={sorted(self._values)})"


class EnvFileSecrets:
    """Secrets read from a dotenv file (``--env-file``)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def get(self, names: Iterable[str]) -> dict[str, str]:
        # The same strict reading as `hsrun secrets import`: a bad line is an error naming the
        # file and the line, values are literal (no ${VAR} expansion from hsrun's own
        # environment).
        from runtime.secrets.envfile import read_env_file

        if not self.path.is_file():
            raise SecretError(f"env file not found: {self.path}")
        values = read_env_file(self.path)
        return {n: values[n].reveal() for n in names if n in values}

    def describe_missing(self, name: str) -> str:
        return f"add a line {name}=... to {self.path}"

    def __repr__(self) -> str:
        return f"EnvFileSecrets({str(self.path)!r})"


def select_secrets(source: SecretSource, names: Sequence[str]) -> dict[str, str]:
    """The values of exactly the selected secrets, checked against HubSpot's rules.

    Raises:
        SecretNotFoundError: a selected secret is missing; names it and how to add it.
        SecretsTooLongError: the values total more than 1,000 characters.
    """
    if not names:
        return {}
    values = source.get(names)
    missing = [n for n in names if n not in values]
    if missing:
        hints = "; ".join(f"{n}: {source.describe_missing(n)}" for n in missing)
        plural = "s" if len(missing) > 1 else ""
        raise SecretNotFoundError(
            f"secret{plural} {', '.join(missing)} selected by the manifest but not found ({hints})"
        )
    total = sum(len(v) for v in values.values())
    if total > MAX_SECRETS_TOTAL_CHARS:
        raise SecretsTooLongError(
            f"the total length of all secret values must not exceed "
            f"{MAX_SECRETS_TOTAL_CHARS} characters (selected: {', '.join(names)}; "
            f"total {total} characters)"
        )
    return {n: values[n] for n in names}
