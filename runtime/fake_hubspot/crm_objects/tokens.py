"""Token indexes for ``CONTAINS_TOKEN`` search filters.

A filter ``firstname CONTAINS_TOKEN ada`` matches records whose value, split into words, holds
the token (:func:`tokens` is the same split the filter uses). Scanning 100,000 records for it
takes hundreds of milliseconds; an index per (type, property), built on first use and kept up
to date as records change, turns it into a set lookup. Wildcard tokens (``*@hubspot.com``)
still scan.
"""

from __future__ import annotations

import re

#: What separates tokens (the search filter's own split).
TOKEN_SPLIT = re.compile(r"[\s,;:@/_\-.]+")


def tokens(value: str | None) -> frozenset[str]:
    """Every token ``CONTAINS_TOKEN`` can match in ``value`` (lower-cased)."""
    if not value:
        return frozenset()
    text = value.lower()
    return frozenset([w for w in TOKEN_SPLIT.split(text) if w] + text.split() + [text])


class TokenIndex:
    """Token → ids of live records whose property value holds it."""

    def __init__(self) -> None:
        self.by_token: dict[str, set[int]] = {}
        self.of: dict[int, frozenset[str]] = {}

    def put(self, record_id: int, found: frozenset[str]) -> None:
        """Record ``record_id``'s tokens now (empty: it left the index)."""
        for token in self.of.pop(record_id, frozenset()) - found:
            ids = self.by_token.get(token)
            if ids is not None:
                ids.discard(record_id)
                if not ids:
                    del self.by_token[token]
        for token in found:
            self.by_token.setdefault(token, set()).add(record_id)
        if found:
            self.of[record_id] = found

    def lookup(self, token: str) -> set[int]:
        return self.by_token.get(token.lower(), set())
