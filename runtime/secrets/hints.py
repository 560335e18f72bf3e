"""Say, the secret store's way, that an action reads a stored secret it does not select.

In HubSpot an action only sees the secrets ticked for it; any other name reads as ``None``
(Python) or ``undefined`` (Node) even though the secret exists in the account
(``docs/hubspot-custom-code-contract.md`` §4). Locally the store holds every secret, so a
missing ``secrets = [...]`` entry is easy to miss until the action fails in HubSpot.

Finding the reads is ``hsrun check``'s job (rule HS301, whose findings name the secret as
their ``subject``); this module only words the message for a name the store holds.
"""

from __future__ import annotations

from typing import Literal

Language = Literal["python", "node"]


def unselected_secret_hint(name: str, *, language: Language = "python") -> str:
    """The message for a secret ``name`` the action reads, the store holds and the manifest
    does not select. It carries no location: the finding it replaces has one.

    Raises:
        ValueError: ``language`` is neither ``python`` nor ``node``.
    """
    if language not in ("python", "node"):
        raise ValueError(f"language must be 'python' or 'node', got {language!r}")
    missing_value = "undefined" if language == "node" else "None"
    return (
        f"the action reads {name}, a stored secret that the manifest does not select, so in "
        f'HubSpot it would be {missing_value}; add "{name}" to secrets = [...] in the manifest '
        "and select it in HubSpot's editor"
    )
