"""Fixtures for the secret store: every path in tmp_path, both backends on one suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from runtime.config import Settings, get_settings
from runtime.secrets.local import LocalSecretStore

_HSRUN_VARS = (
    "HSRUN_SECRETS_KEY",
    "HSRUN_SECRETS_PASSPHRASE",
    "HSRUN_SECRETS_BACKEND",
    "HSRUN_SECRETS_FILE",
    "HSRUN_AWS_SECRETS_PREFIX",
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder with its own state and config folders, and no inherited settings."""
    root = tmp_path / "project"
    (root / "actions").mkdir(parents=True)
    monkeypatch.chdir(root)
    monkeypatch.setenv("HSRUN_HOME", str(root / ".hsrun"))
    monkeypatch.setenv("HSRUN_CONFIG_DIR", str(tmp_path / "config"))
    for var in _HSRUN_VARS:
        monkeypatch.delenv(var, raising=False)
    return root


@pytest.fixture
def settings(project: Path) -> Settings:
    return get_settings()


@pytest.fixture
def notices() -> list[str]:
    """One-time messages the store would print on stderr."""
    return []


@pytest.fixture
def local_store(settings: Settings, notices: list[str]) -> LocalSecretStore:
    return LocalSecretStore.from_settings(settings, notice=notices.append)


@pytest.fixture
def aws_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto's in-process Secrets Manager with throwaway credentials."""
    from moto import mock_aws

    for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(var, raising=False)
    # Keep botocore away from the developer's ~/.aws files.
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    with mock_aws():
        yield
