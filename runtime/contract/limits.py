"""HubSpot's numbers for custom code actions: the single source of each one.

Source: HubSpot's custom code actions guide (``docs/hubspot-custom-code-contract.md`` §5).
"""

from __future__ import annotations

#: "Finish running within 20 seconds."
TIMEOUT_SECONDS = 20.0
#: "Can only use up to 128 MB of memory."
MEMORY_LIMIT_MB = 128
#: "You can add up to 50 properties in each custom code action."
MAX_INPUTS = 50
#: "the limit for string output values is 65,000 characters"
MAX_STRING_OUTPUT_CHARS = 65_000
#: "the total length of all secret values must not exceed 1000 characters"
MAX_SECRETS_TOTAL_CHARS = 1_000

#: Runtimes the Workflows v4 API accepts (the Node 24 value is HubSpot's likely spelling).
PYTHON_RUNTIMES = ("PYTHON39",)
NODE_RUNTIMES = ("NODE16X", "NODE20X", "NODE24X")
RUNTIMES = PYTHON_RUNTIMES + NODE_RUNTIMES
#: HubSpot takes no new Node 20 actions from 2026-11-03 and existing ones must move to Node 24
#: by 2026-11-17 (Node 24 migration guide): a new .js action is NODE24X.
DEFAULT_RUNTIME_BY_SUFFIX = {".py": "PYTHON39", ".js": "NODE24X"}
#: Runtimes HubSpot has retired or is retiring, with what to move to.
DEPRECATED_RUNTIMES = {"NODE16X": "NODE24X", "NODE20X": "NODE24X"}

# Runner-defined safety limits (not HubSpot's; documented in the README).
#: Log bytes kept per run; the rest is dropped and the record says how much.
MAX_LOG_BYTES = 256 * 1024
#: Processes an action may have alive at once before it is killed (fork bombs).
MAX_PROCESSES = 64

# AWS Lambda's own limits, which apply before HubSpot's rules see a result.
#: Synchronous invocation response payload, as the Lambda service counts it: "6 MB" in
#: Lambda's quotas page; the service's error names 6,291,556 bytes as the maximum
#: ("Response payload size (N bytes) exceeded maximum allowed payload size (6291556 bytes).").
MAX_RESPONSE_BYTES = 6_291_556
