"""The local encrypted secret store: one versioned JSON file under ``.hsrun/``.

File format (``secrets.json``, version 1)::

    {
      "format": "hsrun-secrets",
      "version": 1,
      "cipher": "AES-256-GCM",
      "key": {"kind": "key", "id": "3f2a9c0d5e7b1a24"},
      "secrets": {
        "TEST_SECRET": {"nonce": "<b64>", "ciphertext": "<b64>",
                        "length": 12, "updated_at": "2024-05-01T10:00:00+00:00"}
      }
    }

Each value is encrypted on its own (fresh nonce, name bound as associated data). Names,
lengths and change times are in clear so ``list`` needs no key; the ciphertext length
reveals the value's length anyway. Keys are sorted and indented, so in passphrase mode a
committed file diffs one secret at a time.

Writes are read-modify-write under an exclusive lock file, written atomically; reads take
no lock. See :mod:`runtime.secrets._files`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from runtime.config import Settings
from runtime.errors import SecretError, SecretKeyError, SecretNotFoundError, SecretStoreCorruptError
from runtime.secrets import _crypto
from runtime.secrets._files import atomic_write, exclusive_lock
from runtime.secrets.audit import AUDIT_FILENAME, AuditLog
from runtime.secrets.backend import ImportResult, RotationResult, SecretInfo
from runtime.secrets.envfile import read_env_file
from runtime.secrets.keys import KeyHeader, Keyring, NewKey, print_notice
from runtime.secrets.names import check_name
from runtime.secrets.value import SecretValue

FORMAT = "hsrun-secrets"
VERSION = 1
CIPHER = "AES-256-GCM"


@dataclass(frozen=True)
class _Entry:
    nonce: bytes
    ciphertext: bytes
    length: int
    updated_at: str


@dataclass
class _Document:
    key: KeyHeader
    secrets: dict[str, _Entry] = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        data = {
            "format": FORMAT,
            "version": VERSION,
            "cipher": CIPHER,
            "key": self.key.to_json(),
            "secrets": {
                name: {
                    "nonce": _crypto.b64(e.nonce),
                    "ciphertext": _crypto.b64(e.ciphertext),
                    "length": e.length,
                    "updated_at": e.updated_at,
                }
                for name, e in self.secrets.items()
            },
        }
        return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _corrupt(path: Path, problem: str) -> SecretStoreCorruptError:
    return SecretStoreCorruptError(
        f"the secret store {path} is damaged: {problem}. It was not changed; restore it from "
        "a backup, or move it away and import your secrets again."
    )


def _parse(path: Path, raw: bytes) -> _Document:
    if not raw.strip():
        raise _corrupt(path, "the file is empty (truncated?)")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise _corrupt(path, "not valid JSON (truncated or edited?)") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _corrupt(path, f'not an hsrun secret store (no "format": "{FORMAT}")')
    version = data.get("version")
    if version != VERSION:
        if isinstance(version, int) and version > VERSION:
            raise SecretStoreCorruptError(
                f"the secret store {path} has format version {version}; this hsrun reads "
                f"version {VERSION}. Upgrade hsrun."
            )
        raise _corrupt(path, f"unknown format version {version!r}")
    if data.get("cipher") != CIPHER:
        raise _corrupt(path, f"unknown cipher {data.get('cipher')!r}")
    try:
        header = KeyHeader.from_json(data.get("key"))
    except ValueError as exc:
        raise _corrupt(path, str(exc)) from None
    secrets = data.get("secrets")
    if not isinstance(secrets, dict):
        raise _corrupt(path, "'secrets' is not an object")
    entries: dict[str, _Entry] = {}
    for name, raw_entry in secrets.items():
        try:
            entries[name] = _Entry(
                nonce=_crypto.unb64(raw_entry["nonce"]),
                ciphertext=_crypto.unb64(raw_entry["ciphertext"]),
                length=int(raw_entry["length"]),
                updated_at=str(raw_entry["updated_at"]),
            )
        except (KeyError, TypeError, ValueError):
            raise _corrupt(path, f"the entry for {name!r} is malformed") from None
    return _Document(key=header, secrets=entries)


class LocalSecretStore:
    """Secrets encrypted with AES-256-GCM in one file (``Settings.secrets_path``)."""

    backend = "local"

    def __init__(self, path: Path, *, keyring: Keyring, audit: AuditLog | None = None) -> None:
        self.path = path
        self.keyring = keyring
        self.audit = audit or AuditLog(path.with_name(AUDIT_FILENAME), backend=self.backend)
        # The key of the current header, so one process derives a passphrase key once.
        self._key_cache: tuple[str, bytes] | None = None

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        prompt: Callable[[str], str] | None = None,
        notice: Callable[[str], None] = print_notice,
    ) -> LocalSecretStore:
        """The store configured by ``settings`` (its file, key sources and audit log)."""
        keyring = Keyring(
            config_dir=settings.config_dir,
            env_key=settings.secrets_key,
            passphrase=settings.secrets_passphrase,
            prompt=prompt,
            notice=notice,
        )
        audit = AuditLog(settings.home / AUDIT_FILENAME, backend=cls.backend)
        return cls(settings.secrets_path, keyring=keyring, audit=audit)

    def __repr__(self) -> str:
        return f"LocalSecretStore({str(self.path)!r})"

    # -- SecretSource --------------------------------------------------------------------

    def get(self, names: Iterable[str]) -> dict[str, str]:
        """Decrypted values for those of ``names`` the store holds.

        Raises:
            SecretKeyError: the key or passphrase is missing or wrong.
            SecretStoreCorruptError: the file or one of the asked values was tampered with.
        """
        wanted = list(names)
        doc = self._load()
        if doc is None:
            return {}
        present = [n for n in wanted if n in doc.secrets]
        if not present:
            return {}
        key = self._open_key(doc)
        return {n: self._decrypt(key, n, doc.secrets[n]).reveal() for n in present}

    def describe_missing(self, name: str) -> str:
        """How to add ``name``."""
        return f"run `hsrun secrets set {name}`"

    def location(self) -> str:
        """The store file."""
        return str(self.path)

    # -- reading -------------------------------------------------------------------------

    def names(self) -> list[str]:
        """Every stored name, sorted (no key needed)."""
        doc = self._load()
        return sorted(doc.secrets) if doc else []

    def info(self) -> list[SecretInfo]:
        """Name, length and last change of each secret (no key needed)."""
        doc = self._load()
        if doc is None:
            return []
        return [
            SecretInfo(name=n, length=e.length, updated_at=_parse_time(e.updated_at))
            for n, e in sorted(doc.secrets.items())
        ]

    def reveal(self, name: str) -> SecretValue:
        """One decrypted value; the reveal is recorded in the audit log.

        Raises:
            SecretNotFoundError: no such secret.
        """
        doc = self._load()
        if doc is None or name not in doc.secrets:
            raise SecretNotFoundError(f"no secret named {name} in {self.path}")
        value = self._decrypt(self._open_key(doc), name, doc.secrets[name])
        self.audit.record("reveal", name)
        return value

    def check_key(self) -> None:
        """Open the key now (asking for a passphrase if need be), before anything else.

        Raises:
            SecretKeyError: the key or passphrase is missing or wrong.
            SecretStoreCorruptError: the file cannot be read as a store.
        """
        doc = self._load()
        if doc is not None:
            self._open_key(doc)

    def key_id(self) -> str | None:
        """The id of the key the store is encrypted with (None before the first write)."""
        doc = self._load()
        return doc.key.id if doc else None

    def key_kind(self) -> str | None:
        """``key`` or ``passphrase`` (None before the first write)."""
        doc = self._load()
        return doc.key.kind if doc else None

    # -- writing -------------------------------------------------------------------------

    def set(self, name: str, value: str | SecretValue) -> bool:
        """Encrypt and store one value; True if ``name`` is new.

        Raises:
            SecretNameError: ``name`` cannot be an environment variable name.
            SecretError: the value is empty.
            SecretKeyError, SecretStoreCorruptError: the store cannot be opened (nothing is
                written then).
        """
        check_name(name)
        secret = SecretValue(value)
        if not secret:
            raise SecretError(f"the value for {name} is empty")
        with exclusive_lock(self.path):
            doc, key = self._load_for_write()
            is_new = name not in doc.secrets
            doc.secrets[name] = self._encrypt(key, name, secret)
            self._write(doc)
            self.audit.record("set", name)
        return is_new

    def import_env_file(self, path: Path) -> ImportResult:
        """Store every ``NAME=value`` of ``path`` in one atomic write.

        Raises:
            SecretError, SecretNameError: the file has a problem; nothing is stored.
        """
        values = read_env_file(path)
        with exclusive_lock(self.path):
            doc, key = self._load_for_write()
            added = tuple(n for n in values if n not in doc.secrets)
            updated = tuple(n for n in values if n in doc.secrets)
            for name, secret in values.items():
                doc.secrets[name] = self._encrypt(key, name, secret)
            self._write(doc)
            for name in values:
                self.audit.record("import", name, file=path.name)
        return ImportResult(added=added, updated=updated)

    def remove(self, name: str) -> None:
        """Delete one secret.

        Raises:
            SecretNotFoundError: no such secret.
        """
        with exclusive_lock(self.path):
            doc = self._load()
            if doc is None or name not in doc.secrets:
                raise SecretNotFoundError(f"no secret named {name} in {self.path}")
            # No key check: removing needs no decryption, and must work even when a value
            # is damaged (that is how a user gets rid of it).
            del doc.secrets[name]
            self._write(doc)
            self.audit.record("rm", name)

    def rotate_key(
        self,
        *,
        to: Literal["key", "passphrase"] | None = None,
        new_passphrase: str | None = None,
    ) -> RotationResult:
        """Re-encrypt every value under a new key (and fresh nonces).

        Args:
            to: switch to ``key`` (a new key file) or ``passphrase`` mode; default: keep the
                current mode (``key`` for a store not created yet).
            new_passphrase: the new passphrase, required when the result is passphrase mode.

        Every value is decrypted before anything is written: a wrong key or a damaged value
        aborts the rotation with the store unchanged. The new key file is written before the
        store, so a crash in between leaves the old store with its old key.

        Raises:
            SecretKeyError: the current key is wrong or missing, or no new passphrase given.
            SecretStoreCorruptError: a value does not decrypt.
        """
        with exclusive_lock(self.path):
            doc = self._load()
            old_id = doc.key.id if doc else None
            plain: dict[str, tuple[SecretValue, str]] = {}
            if doc is not None:
                old_key = self._open_key(doc)
                plain = {
                    n: (self._decrypt(old_key, n, e), e.updated_at) for n, e in doc.secrets.items()
                }
            kind = to or (doc.key.kind if doc else "key")
            new: NewKey
            if kind == "passphrase":
                if not new_passphrase:
                    raise SecretKeyError("rotating to passphrase mode needs a new passphrase")
                new = Keyring.from_passphrase(new_passphrase)
            else:
                new = self.keyring.new_key_file()
            # A rotation changes no value, so each keeps its own "last change" time.
            entries = {
                n: replace(self._encrypt(new.key, n, v), updated_at=changed)
                for n, (v, changed) in plain.items()
            }
            self._write(_Document(key=new.header, secrets=entries))
            self._key_cache = (new.header.id, new.key)
            self.audit.record(
                "rotate-key",
                None,
                count=len(entries),
                old_key_id=old_id,
                new_key_id=new.header.id,
                kind=kind,
            )
        return RotationResult(
            count=len(entries),
            old_key_id=old_id,
            new_key_id=new.header.id,
            kind=kind,
            key_file=new.key_file,
        )

    # -- internals -----------------------------------------------------------------------

    def _load(self) -> _Document | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise SecretError(f"cannot read the secret store {self.path}: {exc}") from exc
        return _parse(self.path, raw)

    def _load_for_write(self) -> tuple[_Document, bytes]:
        doc = self._load()
        if doc is not None:
            return doc, self._open_key(doc)
        # Created under the lock, so two first writers cannot make two keys.
        new = self.keyring.create_for_new_store()
        self._key_cache = (new.header.id, new.key)
        return _Document(key=new.header), new.key

    def _open_key(self, doc: _Document) -> bytes:
        if self._key_cache and self._key_cache[0] == doc.key.id:
            return self._key_cache[1]
        key = self.keyring.open(doc.key, self.path)
        self._key_cache = (doc.key.id, key)
        return key

    def _decrypt(self, key: bytes, name: str, entry: _Entry) -> SecretValue:
        try:
            return SecretValue(_crypto.decrypt(key, name, entry.nonce, entry.ciphertext))
        except (_crypto.DecryptionError, UnicodeDecodeError):
            raise SecretStoreCorruptError(
                f"the secret {name} in {self.path} failed authentication: its bytes were "
                "changed, or it was copied from another name. Nothing was changed; run "
                f"`hsrun secrets set {name}` to replace it."
            ) from None

    @staticmethod
    def _encrypt(key: bytes, name: str, value: SecretValue) -> _Entry:
        nonce, ciphertext = _crypto.encrypt(key, name, value.reveal())
        return _Entry(nonce=nonce, ciphertext=ciphertext, length=len(value), updated_at=_now())

    def _write(self, doc: _Document) -> None:
        atomic_write(self.path, doc.to_bytes(), mode=0o600)


def _parse_time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def describe_rotation(result: RotationResult, keyring: Keyring) -> list[str]:
    """What the user must know after a rotation, one line each."""
    lines = [f"re-encrypted {result.count} secret(s) under key id {result.new_key_id}"]
    if result.key_file is not None:
        lines.append(f"new key file: {result.key_file}")
        if keyring.uses_env_key:
            lines.append(
                "HSRUN_SECRETS_KEY still holds the old key: set it to the content of the new "
                "key file, or unset it to use the file"
            )
    if result.old_key_id is not None:
        old_file = keyring.key_file(result.old_key_id)
        if old_file.is_file():
            lines.append(
                f"the old key file {old_file} no longer opens this store; delete it unless "
                "another copy of the store still uses it"
            )
    if result.kind == "passphrase":
        lines.append("share the new passphrase with everyone who opens this store")
        if keyring.passphrase_configured:
            lines.append("HSRUN_SECRETS_PASSPHRASE still holds the old passphrase: update it")
    return lines
