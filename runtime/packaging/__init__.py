"""Lint, bundle and describe actions for HubSpot: ``hsrun check``, ``package``, ``init``.

- :func:`check_action` / :func:`check_paths`: HubSpot's rules (``HS...`` codes, see
  :data:`RULES`), the same ones ``hsrun invoke`` shows above a result;
- :func:`bundle_action`: one pasteable file, helper modules inlined, with a content hash;
- :func:`flow_action_json`: the Workflows v4 ``CUSTOM_CODE`` action for a bundle;
- :func:`scaffold_action`: a new action with its manifest, event and test.

Deploying (``deploy.py``) builds on the bundle's hash marker.
"""

from __future__ import annotations

from runtime.packaging.check import CheckReport, check_action, check_paths, check_source
from runtime.packaging.findings import RULES, Finding, Rule

__all__ = [
    "RULES",
    "CheckReport",
    "Finding",
    "Rule",
    "check_action",
    "check_paths",
    "check_source",
]
