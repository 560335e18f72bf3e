"""A secret value that never shows itself by accident."""

from __future__ import annotations

import hmac
from typing import NoReturn


class SecretValue:
    """Holds a secret string; ``repr`` and ``str`` are redacted, :meth:`reveal` is explicit.

    Unlike starlette's ``Secret``, ``str()`` is redacted too, so an f-string in an error
    message or a log line cannot leak the value; only a call to :meth:`reveal` can.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str | SecretValue) -> None:
        self._value = value.reveal() if isinstance(value, SecretValue) else value

    def reveal(self) -> str:
        """The plain value. Call it only where the value must leave hsrun's hands."""
        return self._value

    def __len__(self) -> int:
        return len(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SecretValue):
            return NotImplemented
        # Constant time: equality checks on secrets should not leak a prefix length.
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(self._value)

    def __repr__(self) -> str:
        return "SecretValue('**********')"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        # Pickling would write the plain value into whatever file or pipe receives it.
        raise TypeError("SecretValue cannot be pickled")
