"""HubSpot's rules as pure code: event, manifest, output types, limits, retry policy.

Imports nothing of ours but ``runtime.errors``, and does no I/O beyond reading the files it is
asked to parse.
"""

from __future__ import annotations

from runtime.contract.event import Event, build_event, load_event, parse_event
from runtime.contract.manifest import (
    ActionManifest,
    Manifest,
    OutputSpec,
    load_action,
    load_manifest,
)
from runtime.contract.outputs import Alert, OutputCheck, OutputValue, check_outputs

__all__ = [
    "ActionManifest",
    "Alert",
    "Event",
    "Manifest",
    "OutputCheck",
    "OutputSpec",
    "OutputValue",
    "build_event",
    "check_outputs",
    "load_action",
    "load_event",
    "load_manifest",
    "parse_event",
]
