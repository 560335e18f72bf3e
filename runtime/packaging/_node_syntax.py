"""Syntax of a Node.js action, checked by Node.js itself (``node --check``).

The node is the one the action would run with (``hsrun libs install --runtime NODE24X``), or
any ``node`` on ``PATH``; without one the syntax is not checked and HS501 says so.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from runtime.packaging.findings import Finding, make_finding

_WHERE = re.compile(r":(\d+)$")


def find_node(runtime: str) -> str | None:
    """The Node.js binary for ``runtime``'s actions, else any ``node`` on PATH."""
    from runtime.config import get_settings
    from runtime.errors import HsrunError
    from runtime.invoke.node_libs import current

    try:
        found = current(get_settings(), runtime)
    except HsrunError:
        found = None
    return found.node if found is not None else shutil.which("node")


def check_syntax(path: Path, runtime: str) -> list[Finding] | None:
    """An HS504 finding per syntax error Node.js reports; None when no Node.js is at hand."""
    node = find_node(runtime)
    if node is None:
        return None
    try:
        done = subprocess.run(
            [node, "--check", str(path)], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode == 0:
        return []
    lines = done.stderr.strip().splitlines()
    line_no = None
    if lines:
        where = _WHERE.search(lines[0])
        line_no = int(where.group(1)) if where else None
    message = next((ln for ln in lines if re.match(r"^\w*Error: ", ln)), lines[-1] if lines else "")
    return [
        make_finding(
            "HS504",
            f"{message} (node --check): the action cannot load (Runtime.UserCodeSyntaxError)",
            str(path),
            line_no,
        )
    ]
