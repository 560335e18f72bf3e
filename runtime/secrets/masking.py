"""Replace every injected secret value by ``[NAME]`` wherever a run's data goes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Values shorter than this are not masked: masking "1" would shred every log line.
MIN_MASKED_LENGTH = 4


class Masker:
    """Masks known secret values in strings and in nested JSON-like data."""

    def __init__(self, secrets: Mapping[str, str] | None = None) -> None:
        pairs = [(v, n) for n, v in (secrets or {}).items() if len(v) >= MIN_MASKED_LENGTH]
        # Longest first, so a value containing another is replaced whole.
        self._pairs = sorted(pairs, key=lambda p: len(p[0]), reverse=True)

    def __bool__(self) -> bool:
        return bool(self._pairs)

    def text(self, value: str) -> str:
        for secret, name in self._pairs:
            if secret in value:
                value = value.replace(secret, f"[{name}]")
        return value

    def data(self, value: Any) -> Any:
        """Mask strings anywhere inside dicts, lists and tuples (keys included)."""
        if not self._pairs:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.data(k): self.data(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(v) for v in value]
        return value

    def __repr__(self) -> str:
        return f"Masker(names={sorted(n for _, n in self._pairs)})"
