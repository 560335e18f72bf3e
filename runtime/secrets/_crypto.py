"""The only module that touches ``cryptography``: AES-256-GCM, scrypt, key ids.

Every value is encrypted on its own with a fresh random 96-bit nonce, and the secret's
name is bound as associated data, so a ciphertext moved to another name fails to decrypt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # the GCM standard nonce size; random nonces are safe far past our volumes
SALT_BYTES = 16

#: scrypt cost: about 0.1 s and 32 MiB on a laptop, the interactive setting from RFC 7914.
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
#: What a store file may ask for (at most 128 * n * r = 256 MiB, a few seconds).
SCRYPT_N_MIN, SCRYPT_N_MAX = 2**10, 2**18
SCRYPT_R_MAX, SCRYPT_P_MAX = 16, 4

# Versioned so a future format can change what is bound without ambiguity.
_AAD_PREFIX = b"hsrun-secrets/v1\x00"
_KEY_ID_PREFIX = b"hsrun-key-id/v1\x00"


class DecryptionError(Exception):
    """A ciphertext failed authentication: wrong key, tampered bytes or another name's value."""


class KeyFormatError(ValueError):
    """Text that is not a base64-encoded 32-byte key."""


@dataclass(frozen=True)
class ScryptParams:
    """The recorded inputs of a passphrase-derived key."""

    salt: bytes
    n: int = SCRYPT_N
    r: int = SCRYPT_R
    p: int = SCRYPT_P


def new_key() -> bytes:
    """A fresh random 256-bit key."""
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def new_scrypt_params() -> ScryptParams:
    """Fresh scrypt parameters with a random salt."""
    return ScryptParams(salt=os.urandom(SALT_BYTES))


def derive_key(passphrase: str, params: ScryptParams) -> bytes:
    """The 256-bit key scrypt derives from ``passphrase`` with ``params``."""
    kdf = Scrypt(salt=params.salt, length=KEY_BYTES, n=params.n, r=params.r, p=params.p)
    return kdf.derive(passphrase.encode("utf-8"))


def key_id(key: bytes) -> str:
    """A short public fingerprint of ``key``.

    Stored beside the ciphertexts so a wrong key is reported as such, instead of every value
    looking tampered with. A hash of a 256-bit random key reveals nothing usable.
    """
    return hashlib.sha256(_KEY_ID_PREFIX + key).hexdigest()[:16]


def encode_key(key: bytes) -> str:
    """The base64 text form used in key files and ``HSRUN_SECRETS_KEY``."""
    return base64.b64encode(key).decode("ascii")


def decode_key(text: str) -> bytes:
    """Parse the base64 text form of a key.

    Raises:
        KeyFormatError: not base64, or not 32 bytes once decoded.
    """
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KeyFormatError("not valid base64") from exc
    if len(key) != KEY_BYTES:
        raise KeyFormatError(f"decodes to {len(key)} bytes, expected {KEY_BYTES}")
    return key


def _aad(name: str) -> bytes:
    return _AAD_PREFIX + name.encode("utf-8")


def encrypt(key: bytes, name: str, plaintext: str) -> tuple[bytes, bytes]:
    """Encrypt one value for ``name``; returns ``(nonce, ciphertext_with_tag)``."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce, AESGCM(key).encrypt(nonce, plaintext.encode("utf-8"), _aad(name))


def decrypt(key: bytes, name: str, nonce: bytes, ciphertext: bytes) -> str:
    """Decrypt the value stored under ``name``.

    Raises:
        DecryptionError: the key is wrong, a byte changed, or the value belongs to another
            name.
    """
    if len(nonce) != NONCE_BYTES:
        raise DecryptionError(f"nonce is {len(nonce)} bytes, expected {NONCE_BYTES}")
    try:
        raw = AESGCM(key).decrypt(nonce, ciphertext, _aad(name))
    except InvalidTag as exc:
        raise DecryptionError("authentication failed") from exc
    return raw.decode("utf-8")


def b64(data: bytes) -> str:
    """Bytes as base64 text (for the JSON store file)."""
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    """Base64 text back to bytes.

    Raises:
        ValueError: ``text`` is not valid base64.
    """
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise ValueError("not valid base64") from exc
