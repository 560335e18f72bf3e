"""Lint, bundle and describe actions for HubSpot: ``hsrun check``, ``package``, ``init``.

- :func:`check_action` / :func:`check_paths`: HubSpot's rules (``HS...`` codes, see
  :data:`RULES`), the same ones ``hsrun invoke`` shows above a result;
- :func:`bundle_action`: one pasteable file, helper modules inlined, with a content hash;
- :func:`flow_action_json`: the Workflows v4 ``CUSTOM_CODE`` action for a bundle;
- :func:`scaffold_action`: a new action with its manifest, event and test.

Deploying (the :mod:`runtime.packaging.deploy` package) builds on the bundle's hash marker.
"""

from __future__ import annotations

from runtime.packaging.bundle import (
    Bundle,
    bundle_action,
    content_hash,
    split_marker,
    verify_marker,
)
from runtime.packaging.check import CheckReport, check_action, check_paths, check_source
from runtime.packaging.findings import RULES, Finding, Rule
from runtime.packaging.flow import flow_action_json
from runtime.packaging.package import Packaged, package_action
from runtime.packaging.scaffold import scaffold_action

__all__ = [
    "RULES",
    "Bundle",
    "CheckReport",
    "Finding",
    "Packaged",
    "Rule",
    "bundle_action",
    "check_action",
    "check_paths",
    "check_source",
    "content_hash",
    "flow_action_json",
    "package_action",
    "scaffold_action",
    "split_marker",
    "verify_marker",
]
