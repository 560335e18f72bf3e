"""Where the local store's key comes from, and how a wrong or missing key is reported.

Two kinds of key, recorded in the store file's ``key`` header:

``key``
    A random 256-bit key. It comes from ``HSRUN_SECRETS_KEY`` (base64) when that is set,
    otherwise from the key file ``<config dir>/keys/<key id>.key`` (mode 0600), created on
    first use. Files are named by key id so several stores, and a rotation in progress,
    never overwrite each other's keys.
``passphrase``
    A key derived with scrypt from ``HSRUN_SECRETS_PASSPHRASE`` (or a prompt), with the salt
    and cost in the header: the store file can then be committed and shared.

The header also holds the key id (a fingerprint of the key), so "wrong key" is told apart
from "tampered value".
"""

from __future__ import annotations

import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from runtime.errors import SecretKeyError
from runtime.secrets import _crypto
from runtime.secrets._files import atomic_write

KeyKind = Literal["key", "passphrase"]
KEYS_DIRNAME = "keys"


def print_notice(message: str) -> None:
    """The default way to tell the user something once: a line on stderr."""
    print(f"hsrun: {message}", file=sys.stderr)


@dataclass(frozen=True)
class KeyHeader:
    """The ``key`` object of the store file: which key opens it (never the key itself)."""

    kind: KeyKind
    id: str
    scrypt: _crypto.ScryptParams | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "id": self.id}
        if self.scrypt is not None:
            data["scrypt"] = {
                "salt": _crypto.b64(self.scrypt.salt),
                "n": self.scrypt.n,
                "r": self.scrypt.r,
                "p": self.scrypt.p,
            }
        return data

    @classmethod
    def from_json(cls, data: Any) -> KeyHeader:
        """Parse the header; raises ``ValueError`` naming what is wrong."""
        if not isinstance(data, dict):
            raise ValueError("'key' is not an object")
        kind, kid = data.get("kind"), data.get("id")
        if kind not in ("key", "passphrase"):
            raise ValueError(f"'key.kind' is {kind!r}, expected 'key' or 'passphrase'")
        if not isinstance(kid, str) or not kid:
            raise ValueError("'key.id' is missing")
        if kind == "key":
            return cls(kind="key", id=kid)
        raw = data.get("scrypt")
        if not isinstance(raw, dict):
            raise ValueError("'key.scrypt' is missing")
        try:
            params = _crypto.ScryptParams(
                salt=_crypto.unb64(raw["salt"]), n=int(raw["n"]), r=int(raw["r"]), p=int(raw["p"])
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"'key.scrypt' is malformed ({exc})") from exc
        # The store file may be committed, so anyone may have written these: bound them
        # before scrypt allocates 128 * n * r bytes (n=2**24, r=8 is 16 GiB).
        n_ok = _crypto.SCRYPT_N_MIN <= params.n <= _crypto.SCRYPT_N_MAX
        if not n_ok or params.n & (params.n - 1):
            raise ValueError(
                f"'key.scrypt.n' is {params.n}: expected a power of two from "
                f"{_crypto.SCRYPT_N_MIN:,} to {_crypto.SCRYPT_N_MAX:,}"
            )
        if not 1 <= params.r <= _crypto.SCRYPT_R_MAX or not 1 <= params.p <= _crypto.SCRYPT_P_MAX:
            raise ValueError(
                f"'key.scrypt' r={params.r}, p={params.p}: expected r from 1 to "
                f"{_crypto.SCRYPT_R_MAX} and p from 1 to {_crypto.SCRYPT_P_MAX}"
            )
        return cls(kind="passphrase", id=kid, scrypt=params)


@dataclass(frozen=True)
class NewKey:
    """A key made for a new store or a rotation, with where it was saved (if anywhere)."""

    key: bytes = field(repr=False)
    header: KeyHeader
    key_file: Path | None


class Keyring:
    """Finds, checks and creates the keys of local stores for one user."""

    def __init__(
        self,
        *,
        config_dir: Path,
        env_key: str | None = None,
        passphrase: str | None = None,
        prompt: Callable[[str], str] | None = None,
        notice: Callable[[str], None] = print_notice,
    ) -> None:
        self.config_dir = config_dir
        self._env_key = env_key
        self._passphrase = passphrase
        self._prompt = prompt
        self._notice = notice

    def __repr__(self) -> str:
        return f"Keyring(config_dir={str(self.config_dir)!r})"

    @property
    def passphrase_configured(self) -> bool:
        """Whether ``HSRUN_SECRETS_PASSPHRASE`` is set (new stores then use it)."""
        return self._passphrase is not None

    @property
    def uses_env_key(self) -> bool:
        """Whether ``HSRUN_SECRETS_KEY`` is set."""
        return self._env_key is not None

    def key_file(self, key_id: str) -> Path:
        """The key file for ``key_id`` in the user's config directory."""
        return self.config_dir / KEYS_DIRNAME / f"{key_id}.key"

    # -- opening an existing store -------------------------------------------------------

    def open(self, header: KeyHeader, store: Path) -> bytes:
        """The key that opens ``store``, checked against the header's key id.

        Raises:
            SecretKeyError: no key or passphrase is available, or it is the wrong one.
        """
        if header.kind == "passphrase":
            return self._open_passphrase(header, store)
        if self._env_key is not None:
            key = self._decode_env_key()
            if _crypto.key_id(key) != header.id:
                hint = ""
                if self.key_file(header.id).is_file():
                    hint = f"; the key file {self.key_file(header.id)} holds the right key"
                raise SecretKeyError(
                    f"wrong key: HSRUN_SECRETS_KEY (key id {_crypto.key_id(key)}) does not "
                    f"open {store}, which is encrypted with key id {header.id}{hint}. "
                    "Nothing was changed."
                )
            return key
        return self._read_key_file(header.id, store)

    def _decode_env_key(self) -> bytes:
        assert self._env_key is not None
        try:
            return _crypto.decode_key(self._env_key)
        except _crypto.KeyFormatError as exc:
            raise SecretKeyError(
                f"HSRUN_SECRETS_KEY is not a usable key: {exc} (expected the base64 of "
                f"{_crypto.KEY_BYTES} random bytes, like the content of a key file)"
            ) from None

    def _read_key_file(self, kid: str, store: Path) -> bytes:
        path = self.key_file(kid)
        try:
            text = path.read_text(encoding="ascii")
        except FileNotFoundError:
            raise SecretKeyError(
                f"missing key: {store} is encrypted with key id {kid}, HSRUN_SECRETS_KEY is "
                f"not set and the key file {path} does not exist. Copy that key file from "
                "the machine that created the store, or set HSRUN_SECRETS_KEY. "
                "Nothing was changed."
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise SecretKeyError(f"cannot read the key file {path}: {exc}") from exc
        try:
            key = _crypto.decode_key(text)
        except _crypto.KeyFormatError as exc:
            raise SecretKeyError(f"the key file {path} is damaged: {exc}") from None
        if _crypto.key_id(key) != kid:
            raise SecretKeyError(
                f"wrong key: the key file {path} holds key id {_crypto.key_id(key)}, "
                f"but {store} needs key id {kid}. Nothing was changed."
            )
        if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            self._notice(f"the key file {path} is readable by other users; run chmod 600 on it")
        return key

    def _open_passphrase(self, header: KeyHeader, store: Path) -> bytes:
        assert header.scrypt is not None
        passphrase = self._get_passphrase(store)
        key = _crypto.derive_key(passphrase, header.scrypt)
        if _crypto.key_id(key) != header.id:
            source = "HSRUN_SECRETS_PASSPHRASE" if self._passphrase is not None else "passphrase"
            raise SecretKeyError(f"wrong passphrase: {source} does not open {store}.")
        return key

    def _get_passphrase(self, store: Path) -> str:
        if self._passphrase is not None:
            return self._passphrase
        if self._prompt is not None:
            entered = self._prompt(f"Passphrase for {store}")
            if entered:
                return entered
        raise SecretKeyError(
            f"missing passphrase: {store} is passphrase-protected; set "
            "HSRUN_SECRETS_PASSPHRASE or run the command in a terminal to be asked for it."
        )

    # -- making new keys -----------------------------------------------------------------

    def create_for_new_store(self) -> NewKey:
        """The key for a store being created: the configured passphrase or key, else a new
        key file (announced once on stderr)."""
        if self._passphrase is not None:
            return self.from_passphrase(self._passphrase)
        if self._env_key is not None:
            key = self._decode_env_key()
            return NewKey(
                key=key, header=KeyHeader(kind="key", id=_crypto.key_id(key)), key_file=None
            )
        new = self.new_key_file()
        self._notice(
            f"created a new secrets key at {new.key_file}; back it up: without it the "
            "encrypted store cannot be opened"
        )
        return new

    def new_key_file(self) -> NewKey:
        """A fresh random key, saved in its own key file (mode 0600) before it is used."""
        key = _crypto.new_key()
        kid = _crypto.key_id(key)
        path = self.key_file(kid)
        (self.config_dir / KEYS_DIRNAME).mkdir(mode=0o700, parents=True, exist_ok=True)
        atomic_write(path, (_crypto.encode_key(key) + "\n").encode("ascii"), mode=0o600)
        return NewKey(key=key, header=KeyHeader(kind="key", id=kid), key_file=path)

    @staticmethod
    def from_passphrase(passphrase: str) -> NewKey:
        """A key derived from ``passphrase`` with a fresh salt."""
        if not passphrase:
            raise SecretKeyError("the passphrase is empty")
        params = _crypto.new_scrypt_params()
        key = _crypto.derive_key(passphrase, params)
        header = KeyHeader(kind="passphrase", id=_crypto.key_id(key), scrypt=params)
        return NewKey(key=key, header=header, key_file=None)
