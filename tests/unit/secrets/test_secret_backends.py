"""One behaviour suite for every backend: the local store and AWS Secrets Manager (moto)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from runtime.config import Settings, get_settings
from runtime.errors import (
    SecretError,
    SecretNameError,
    SecretNotFoundError,
    SecretsTooLongError,
    UsageError,
)
from runtime.secrets import SecretSource, SecretStore, SecretValue, default_source, select_secrets
from runtime.secrets.audit import AUDIT_FILENAME, AuditLog
from runtime.secrets.aws import AwsSecretStore
from runtime.secrets.local import LocalSecretStore


@pytest.fixture(params=["local", "aws"])
def store(
    request: pytest.FixtureRequest, project: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[SecretStore]:
    monkeypatch.setenv("HSRUN_SECRETS_BACKEND", request.param)
    if request.param == "local":
        yield default_source(get_settings(), notice=lambda _: None)
        return
    request.getfixturevalue("aws_env")
    yield default_source(get_settings())


def audit_of(settings: Settings) -> AuditLog:
    return AuditLog(settings.home / AUDIT_FILENAME)


def test_default_source_is_the_configured_backend(store: SecretStore) -> None:
    expected = LocalSecretStore if store.backend == "local" else AwsSecretStore
    assert isinstance(store, expected)
    assert isinstance(store, SecretSource)


def test_set_get_names_info(store: SecretStore) -> None:
    assert store.set("TEST_SECRET", "value-1234") is True
    assert store.set("apiKey", SecretValue("other-value")) is True
    assert store.get(["TEST_SECRET", "apiKey", "ABSENT"]) == {
        "TEST_SECRET": "value-1234",
        "apiKey": "other-value",
    }
    assert store.names() == ["TEST_SECRET", "apiKey"]
    infos = store.info()
    assert [(i.name, i.length) for i in infos] == [("TEST_SECRET", 10), ("apiKey", 11)]
    assert all(i.updated_at is not None for i in infos)


def test_set_again_replaces(store: SecretStore) -> None:
    store.set("TEST_SECRET", "first-value")
    assert store.set("TEST_SECRET", "second-value") is False
    assert store.get(["TEST_SECRET"]) == {"TEST_SECRET": "second-value"}
    assert store.names() == ["TEST_SECRET"]


def test_remove(store: SecretStore) -> None:
    store.set("OLD_TOKEN", "old-value")
    store.set("KEEP", "keep-value")
    store.remove("OLD_TOKEN")
    assert store.names() == ["KEEP"]
    assert store.get(["OLD_TOKEN"]) == {}
    with pytest.raises(SecretNotFoundError, match="no secret named OLD_TOKEN"):
        store.remove("OLD_TOKEN")
    assert store.set("OLD_TOKEN", "back-again") is True
    assert store.get(["OLD_TOKEN"]) == {"OLD_TOKEN": "back-again"}


def test_invalid_name_and_empty_value_are_refused(store: SecretStore) -> None:
    with pytest.raises(SecretNameError, match="letters, digits and underscores"):
        store.set("MY-TOKEN", "value")
    with pytest.raises(SecretError, match="empty"):
        store.set("TOKEN", "")
    assert store.names() == []


def test_import_env_file(store: SecretStore, tmp_path: Path) -> None:
    store.set("EXISTING", "old-value")
    env = tmp_path / "secrets.env"
    env.write_text("EXISTING=new-value\nTEST_SECRET=imported-1234\n")
    result = store.import_env_file(env)
    assert result.added == ("TEST_SECRET",)
    assert result.updated == ("EXISTING",)
    assert store.get(["EXISTING", "TEST_SECRET"]) == {
        "EXISTING": "new-value",
        "TEST_SECRET": "imported-1234",
    }


def test_reveal_is_redacted_in_repr_and_audited(store: SecretStore, settings: Settings) -> None:
    store.set("TEST_SECRET", "value-1234")
    value = store.reveal("TEST_SECRET")
    assert value.reveal() == "value-1234"
    assert "value-1234" not in repr(value)
    assert "value-1234" not in repr(store)
    with pytest.raises(SecretNotFoundError):
        store.reveal("ABSENT")
    events, _ = audit_of(settings).events()
    assert [(e.action, e.name, e.backend) for e in events] == [
        ("set", "TEST_SECRET", store.backend),
        ("reveal", "TEST_SECRET", store.backend),
    ]
    assert "value-1234" not in audit_of(settings).path.read_text()


def test_select_secrets_hands_out_exactly_the_selection(store: SecretStore) -> None:
    store.set("TEST_SECRET", "value-1234")
    store.set("UNSELECTED", "other-value")
    assert select_secrets(store, ["TEST_SECRET"]) == {"TEST_SECRET": "value-1234"}
    assert select_secrets(store, []) == {}


def test_missing_selected_secret_names_the_fix(store: SecretStore) -> None:
    store.set("TEST_SECRET", "value-1234")
    with pytest.raises(SecretNotFoundError) as info:
        select_secrets(store, ["TEST_SECRET", "API_KEY"])
    message = str(info.value)
    assert "API_KEY" in message
    assert "run `hsrun secrets set API_KEY`" in message
    assert "TEST_SECRET" not in message.split("(")[0].replace("secret API_KEY", "")


def test_hubspot_total_length_limit(store: SecretStore) -> None:
    store.set("FIRST", "a" * 600)
    store.set("SECOND", "b" * 401)
    assert select_secrets(store, ["FIRST"]) == {"FIRST": "a" * 600}
    with pytest.raises(SecretsTooLongError, match="must not exceed 1000 characters"):
        select_secrets(store, ["FIRST", "SECOND"])


# -- AWS only ---------------------------------------------------------------------------


def test_aws_uses_the_prefix_and_ignores_other_secrets(
    project: Path, aws_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3

    monkeypatch.setenv("HSRUN_SECRETS_BACKEND", "aws")
    monkeypatch.setenv("HSRUN_AWS_SECRETS_PREFIX", "team-a/hsrun/")
    client = boto3.client("secretsmanager")
    client.create_secret(Name="team-b/hsrun/OTHER", SecretString="not ours")
    client.create_secret(Name="team-a/hsrun/not-an-env-name", SecretString="skipped")
    store = default_source(get_settings())
    store.set("TEST_SECRET", "value-1234")
    answer = client.get_secret_value(SecretId="team-a/hsrun/TEST_SECRET")
    assert answer["SecretString"] == "value-1234"
    assert store.names() == ["TEST_SECRET"]
    assert "team-a/hsrun/API_KEY" in store.describe_missing("API_KEY")


def test_aws_has_no_hsrun_key_to_rotate(project: Path, aws_env: None) -> None:
    store = AwsSecretStore.from_settings(get_settings())
    with pytest.raises(UsageError, match="which you rotate in AWS KMS"):
        store.rotate_key()


def test_aws_needs_a_region(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(project / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(project / "no-aws-credentials"))
    monkeypatch.setenv("HSRUN_SECRETS_BACKEND", "aws")
    store = default_source(get_settings())
    # Nothing selected, nothing asked of AWS: an action without secrets runs anywhere.
    assert select_secrets(store, []) == {}
    with pytest.raises(SecretError, match="needs an AWS region"):
        select_secrets(store, ["TEST_SECRET"])


def test_unknown_backend(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HSRUN_SECRETS_BACKEND", "vault")
    with pytest.raises(UsageError, match="'vault' is not a secrets backend: expected one of"):
        default_source(get_settings())
