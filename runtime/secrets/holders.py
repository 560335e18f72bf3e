"""Secrets that hold a given value: what a token rotation must update.

HubSpot's private-app token rotation issues a new token and expires the old one (now, or
after 7 days); every place that stored the old token is then stale. ``hsrun portal apps
rotate`` updates the local store's secrets that held it, so the next run does not get a 401.
"""

from __future__ import annotations

from collections.abc import Iterable

from runtime.secrets.backend import SecretStore


def holders(store: SecretStore, values: Iterable[str]) -> list[str]:
    """Names of the secrets in ``store`` whose value is one of ``values``, sorted."""
    wanted = set(values)
    names = store.names()
    if not wanted or not names:
        return []
    current = store.get(names)
    return sorted(name for name, value in current.items() if value in wanted)


def replace_value(store: SecretStore, old: Iterable[str], new: str) -> list[str]:
    """Set every secret holding one of the ``old`` values to ``new``; their names."""
    stale = holders(store, old)
    for name in stale:
        store.set(name, new)
    return stale
