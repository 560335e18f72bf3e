"""Secrets: where the runner gets them, and how they are kept out of every record.

The store backends (:mod:`runtime.secrets.local`, :mod:`runtime.secrets.aws`) are imported
only when :func:`default_source` is called, so importing this package stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from runtime.errors import UsageError
from runtime.secrets._source import DictSecrets, EnvFileSecrets, SecretSource, select_secrets
from runtime.secrets.backend import ImportResult, RotationResult, SecretInfo, SecretStore
from runtime.secrets.hints import unselected_secret_hint
from runtime.secrets.masking import Masker
from runtime.secrets.value import SecretValue

if TYPE_CHECKING:
    from runtime.config import Settings

#: Values of ``HSRUN_SECRETS_BACKEND``.
BACKENDS = ("local", "aws")

__all__ = [
    "BACKENDS",
    "DictSecrets",
    "EnvFileSecrets",
    "ImportResult",
    "Masker",
    "RotationResult",
    "SecretInfo",
    "SecretSource",
    "SecretStore",
    "SecretValue",
    "default_source",
    "select_secrets",
    "unselected_secret_hint",
]


def default_source(
    settings: Settings,
    *,
    prompt: Callable[[str], str] | None = None,
    notice: Callable[[str], None] | None = None,
) -> SecretStore:
    """The secret store configured by ``HSRUN_SECRETS_BACKEND`` (``local`` by default).

    Args:
        settings: the current settings.
        prompt: asks for a passphrase (passphrase-mode local store only). Default: a
            no-echo terminal prompt when stdin is a terminal, otherwise none, so scripts
            fail fast with a message instead of hanging.
        notice: receives one-time messages (where a new key file was created). Default:
            a line on stderr.

    Raises:
        UsageError: an unknown backend name.
    """
    backend = settings.secrets_backend.strip().lower()
    if backend == "local":
        from runtime.secrets.keys import print_notice
        from runtime.secrets.local import LocalSecretStore

        return LocalSecretStore.from_settings(
            settings, prompt=prompt or _terminal_prompt(), notice=notice or print_notice
        )
    if backend == "aws":
        from runtime.secrets.aws import AwsSecretStore

        return AwsSecretStore.from_settings(settings)
    raise UsageError(
        f"HSRUN_SECRETS_BACKEND={settings.secrets_backend!r} is not a secrets backend: "
        f"expected one of {', '.join(BACKENDS)}"
    )


def _terminal_prompt() -> Callable[[str], str] | None:
    import sys

    if not sys.stdin.isatty():
        return None

    def ask(message: str) -> str:
        import getpass

        return getpass.getpass(f"{message}: ")

    return ask
