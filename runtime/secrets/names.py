"""Which secret names the store accepts.

HubSpot does not document a naming rule for secrets (its docs use both ``camelCase`` and
``UPPER_CASE``), but a secret becomes an environment variable in the action's process, so
hsrun accepts exactly the names that are portable environment-variable names: letters,
digits and underscores, not starting with a digit. Case is kept and matters.
"""

from __future__ import annotations

from runtime.contract.manifest import NAME_RE, NAME_RULE
from runtime.errors import SecretNameError


def is_valid_name(name: str) -> bool:
    """Whether ``name`` can be a secret (and so an environment variable) name."""
    # fullmatch, not match: NAME_RE ends in `$`, which also matches before a final newline.
    return bool(NAME_RE.fullmatch(name))


def check_name(name: str) -> str:
    """Return ``name`` if it is a valid secret name.

    Raises:
        SecretNameError: the name breaks the rule; the message states the rule.
    """
    if not is_valid_name(name):
        raise SecretNameError(f"secret name {name!r} is not allowed: use {NAME_RULE}")
    return name
