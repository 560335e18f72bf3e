"""Secrets shared by a team in AWS Secrets Manager (``HSRUN_SECRETS_BACKEND=aws``).

Each secret is one AWS secret named ``<prefix><NAME>`` (prefix from
``HSRUN_AWS_SECRETS_PREFIX``, default ``hsrun/``) holding the value as its SecretString.
AWS encrypts it with KMS, so there is no hsrun key: ``rotate-key`` does not apply.
Credentials and region come from the usual AWS configuration (``AWS_PROFILE``,
``AWS_REGION``, ...). Needs the ``[aws]`` extra (boto3).

``rm`` schedules deletion with AWS's shortest recovery window (7 days) instead of deleting
for good, so a mistake can be undone in the AWS console; ``set`` on such a name restores it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, NoReturn

from runtime.config import Settings
from runtime.errors import SecretBackendError, SecretError, SecretNotFoundError, UsageError
from runtime.secrets.audit import AUDIT_FILENAME, AuditLog
from runtime.secrets.backend import ImportResult, SecretInfo
from runtime.secrets.envfile import read_env_file
from runtime.secrets.names import check_name, is_valid_name
from runtime.secrets.value import SecretValue

#: AWS's minimum; a removed secret can be restored for this long.
RECOVERY_WINDOW_DAYS = 7


class _Absent(Exception):
    """The AWS secret does not exist, or is scheduled for deletion."""


class _Exists(Exception):
    """The AWS secret was created by someone else in the meantime."""


class AwsSecretStore:
    """Secrets in AWS Secrets Manager, one AWS secret per name under a prefix."""

    backend = "aws"

    def __init__(
        self, client: Any = None, *, prefix: str = "hsrun/", audit: AuditLog | None = None
    ) -> None:
        # The client is made on first use: an action that selects no secrets must run even
        # where AWS is not configured (no region, no boto3).
        self._client_instance = client
        self.prefix = prefix
        self.audit = audit or AuditLog(Path(".hsrun") / AUDIT_FILENAME, backend=self.backend)

    @classmethod
    def from_settings(cls, settings: Settings) -> AwsSecretStore:
        """A store using boto3's default credential chain and region (resolved on first use)."""
        audit = AuditLog(settings.home / AUDIT_FILENAME, backend=cls.backend)
        return cls(prefix=settings.aws_secrets_prefix, audit=audit)

    @property
    def _client(self) -> Any:
        """The boto3 Secrets Manager client.

        Raises:
            SecretBackendError: boto3 is not installed or no region is configured.
        """
        if self._client_instance is None:
            try:
                import boto3
                import botocore.exceptions
            except ImportError as exc:
                raise SecretBackendError(
                    "the AWS secrets backend needs boto3: pip install 'hubspot-action-runtime[aws]'"
                ) from exc
            try:
                self._client_instance = boto3.client("secretsmanager")
            except botocore.exceptions.NoRegionError as exc:
                raise SecretBackendError(
                    "HSRUN_SECRETS_BACKEND=aws needs an AWS region: set AWS_REGION (or a "
                    "profile with a region)"
                ) from exc
        return self._client_instance

    def __repr__(self) -> str:
        return f"AwsSecretStore(prefix={self.prefix!r})"

    # -- SecretSource --------------------------------------------------------------------

    def get(self, names: Iterable[str]) -> dict[str, str]:
        """Values for those of ``names`` held in AWS."""
        values: dict[str, str] = {}
        for name in names:
            try:
                values[name] = self._value(name).reveal()
            except _Absent:
                continue
        return values

    def describe_missing(self, name: str) -> str:
        """How to add ``name``."""
        return f"run `hsrun secrets set {name}` (stores it in AWS as {self._id(name)})"

    def location(self) -> str:
        """The AWS region and name prefix."""
        region = getattr(self._client.meta, "region_name", None) or "?"
        return f"AWS Secrets Manager ({region}), names starting {self.prefix}"

    # -- reading -------------------------------------------------------------------------

    def names(self) -> list[str]:
        """Every hsrun secret under the prefix, sorted."""
        return sorted(self._listing())

    def info(self) -> list[SecretInfo]:
        """Name, length and last change of each secret (reads each value for its length)."""
        infos: list[SecretInfo] = []
        for name, changed in sorted(self._listing().items()):
            try:
                length = len(self._value(name))
            except _Absent:  # removed between the listing and now
                continue
            infos.append(SecretInfo(name=name, length=length, updated_at=changed))
        return infos

    def reveal(self, name: str) -> SecretValue:
        """One value; recorded in the audit log.

        Raises:
            SecretNotFoundError: no such secret.
        """
        try:
            value = self._value(name)
        except _Absent:
            raise SecretNotFoundError(f"no secret named {name} in {self.location()}") from None
        self.audit.record("reveal", name)
        return value

    # -- writing -------------------------------------------------------------------------

    def set(self, name: str, value: str | SecretValue) -> bool:
        """Create or update one secret; True if the name was not there (or was removed)."""
        check_name(name)
        secret = SecretValue(value)
        if not secret:
            raise SecretError(f"the value for {name} is empty")
        is_new = self._put(name, secret)
        self.audit.record("set", name)
        return is_new

    def import_env_file(self, path: Path) -> ImportResult:
        """Store every ``NAME=value`` of ``path``.

        The file is fully checked first; AWS has no transactions, so if AWS refuses midway
        the names already sent stay stored (the error says which one failed).
        """
        values = read_env_file(path)
        added: list[str] = []
        updated: list[str] = []
        for name, secret in values.items():
            (added if self._put(name, secret) else updated).append(name)
            self.audit.record("import", name, file=path.name)
        return ImportResult(added=tuple(added), updated=tuple(updated))

    def remove(self, name: str) -> None:
        """Schedule one secret for deletion (restorable for 7 days in AWS).

        Raises:
            SecretNotFoundError: no such secret.
        """
        try:
            self._call(
                "DeleteSecret",
                name,
                self._client.delete_secret,
                SecretId=self._id(name),
                RecoveryWindowInDays=RECOVERY_WINDOW_DAYS,
            )
        except _Absent:
            raise SecretNotFoundError(f"no secret named {name} in {self.location()}") from None
        self.audit.record("rm", name)

    def rotate_key(
        self,
        *,
        to: Literal["key", "passphrase"] | None = None,
        new_passphrase: str | None = None,
    ) -> NoReturn:
        """Not applicable: AWS encrypts with KMS.

        Raises:
            UsageError: always.
        """
        raise UsageError(
            "rotate-key is for the local store; AWS Secrets Manager encrypts with a KMS key, "
            "which you rotate in AWS KMS"
        )

    # -- internals -----------------------------------------------------------------------

    def _id(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def _value(self, name: str) -> SecretValue:
        answer = self._call(
            "GetSecretValue", name, self._client.get_secret_value, SecretId=self._id(name)
        )
        if "SecretString" not in answer:
            raise SecretBackendError(
                f"{self._id(name)} holds binary data, not text; hsrun secrets are text"
            )
        return SecretValue(str(answer["SecretString"]))

    def _put(self, name: str, secret: SecretValue) -> bool:
        sid = self._id(name)
        try:
            described = self._call(
                "DescribeSecret", name, self._client.describe_secret, SecretId=sid
            )
        except _Absent:
            try:
                self._call(
                    "CreateSecret",
                    name,
                    self._client.create_secret,
                    Name=sid,
                    SecretString=secret.reveal(),
                    Description="hsrun secret for HubSpot custom code actions",
                )
                return True
            except _Exists:  # created by someone else since we looked: update it instead
                described = {}
        is_new = False
        if described.get("DeletedDate"):
            self._call("RestoreSecret", name, self._client.restore_secret, SecretId=sid)
            is_new = True
        self._call(
            "PutSecretValue",
            name,
            self._client.put_secret_value,
            SecretId=sid,
            SecretString=secret.reveal(),
        )
        return is_new

    def _listing(self) -> dict[str, datetime | None]:
        found: dict[str, datetime | None] = {}
        paginator = self._client.get_paginator("list_secrets")
        pages = paginator.paginate(Filters=[{"Key": "name", "Values": [self.prefix]}])
        for page in self._call("ListSecrets", None, lambda: list(pages)):
            for entry in page.get("SecretList", []):
                full = str(entry.get("Name", ""))
                # AWS's name filter is not a strict prefix match; check it ourselves, and
                # skip AWS secrets under the prefix that could not be env variable names.
                if not full.startswith(self.prefix):
                    continue
                name = full[len(self.prefix) :]
                if is_valid_name(name) and not entry.get("DeletedDate"):
                    found[name] = entry.get("LastChangedDate")
        return found

    def _call(self, op: str, name: str | None, fn: Callable[..., Any], **kwargs: Any) -> Any:
        """Call AWS, translating its errors.

        ``_Absent`` for a missing (or deleted) secret, ``_Exists`` for a create that lost a
        race, ``SecretBackendError`` naming the operation for anything else.
        """
        import botocore.exceptions

        try:
            return fn(**kwargs)
        except botocore.exceptions.ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code", "?"))
            message = str(error.get("Message", "")).strip()
            if code == "ResourceNotFoundException":
                raise _Absent(code) from exc
            if code == "ResourceExistsException":
                raise _Exists(code) from exc
            if code == "InvalidRequestException" and "deleted" in message.lower():
                raise _Absent(code) from exc
            target = f" for {self._id(name)}" if name else ""
            raise SecretBackendError(
                f"AWS Secrets Manager refused {op}{target}: {code}: {message}"
            ) from exc
        except botocore.exceptions.NoCredentialsError as exc:
            raise SecretBackendError(
                "no AWS credentials found for the AWS secrets backend: configure them as for "
                "the AWS CLI (AWS_PROFILE, AWS_ACCESS_KEY_ID, ...)"
            ) from exc
        except botocore.exceptions.BotoCoreError as exc:
            raise SecretBackendError(f"AWS Secrets Manager: {op} failed: {exc}") from exc
