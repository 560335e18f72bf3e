"""Replace every injected secret value by ``[NAME]`` wherever a run's data goes.

A value is masked in the forms an action's output naturally takes it to: as is, escaped
as JSON (``json.dumps``, with and without ``ensure_ascii``), escaped by ``repr``
(``print({"k": s})``) and URL-encoded (a query string). Transformations (base64, reversal,
slicing) are not recognised: no masker can follow an action that disguises a value.

Values of 4 characters or more are masked wherever they appear. Shorter values (1 to 3
characters) are masked only where they stand alone, not inside a longer word or number:
masking "7" inside "2017" would shred every log line and still tell nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, quote_plus

#: Values shorter than this are masked only as whole words (see the module's docstring).
MIN_MASKED_LENGTH = 4


def forms(value: str) -> list[str]:
    """The spellings of ``value`` that a sink may hold."""
    found = [
        value,
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        repr(value)[1:-1],
        repr(value.encode("utf-8", "backslashreplace"))[2:-1],
        quote(value, safe=""),
        quote_plus(value, safe=""),
    ]
    return list(dict.fromkeys(found))


class Masker:
    """Masks known secret values in strings and in nested JSON-like data."""

    def __init__(self, secrets: Mapping[str, str] | None = None) -> None:
        pairs: list[tuple[str, str]] = []
        short: list[tuple[str, str]] = []
        for name, value in (secrets or {}).items():
            if not value:
                continue
            target = pairs if len(value) >= MIN_MASKED_LENGTH else short
            target.extend((form, name) for form in forms(value))
        # Longest first, so a value containing another is replaced whole.
        self._pairs = sorted(pairs, key=lambda p: len(p[0]), reverse=True)
        self._short = [
            (re.compile(rf"(?<![A-Za-z0-9]){re.escape(form)}(?![A-Za-z0-9])"), f"[{name}]")
            for form, name in sorted(short, key=lambda p: len(p[0]), reverse=True)
        ]
        self._names = sorted({n for _, n in pairs} | {n for _, n in short})

    def __bool__(self) -> bool:
        return bool(self._pairs or self._short)

    def text(self, value: str) -> str:
        for secret, name in self._pairs:
            if secret in value:
                value = value.replace(secret, f"[{name}]")
        for pattern, label in self._short:
            value = pattern.sub(label, value)
        return value

    def cut_text(self, value: str) -> str:
        """Mask ``value``, which was cut short: a secret's beginning at its very end is
        masked too (the rest of the secret was cut off)."""
        value = self.text(value)
        for secret, name in self._pairs:
            for size in range(min(len(secret) - 1, len(value)), 0, -1):
                if value.endswith(secret[:size]):
                    return value[:-size] + f"[{name}]"
        return value

    def data(self, value: Any) -> Any:
        """Mask strings anywhere inside dicts, lists and tuples (keys included)."""
        if not self:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.data(k): self.data(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(v) for v in value]
        return value

    def __repr__(self) -> str:
        return f"Masker(names={self._names})"
