"""Secrets: where the runner gets them, and how they are kept out of every record."""

from __future__ import annotations

from runtime.secrets._source import DictSecrets, EnvFileSecrets, SecretSource, select_secrets
from runtime.secrets.masking import Masker

__all__ = ["DictSecrets", "EnvFileSecrets", "Masker", "SecretSource", "select_secrets"]
