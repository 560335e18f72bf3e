"""Who may import whom: the layering DESIGN.md draws, checked on the source."""

from __future__ import annotations

import ast
from pathlib import Path

RUNTIME = Path(__file__).resolve().parents[2] / "runtime"


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_only_the_entry_points_import_the_launcher() -> None:
    # The launcher imports the CLI, which imports the daemon: a daemon (or anything else)
    # importing the launcher back would close a circle. The protocol lives in runtime._wire.
    importers = {
        str(path.relative_to(RUNTIME))
        for path in RUNTIME.rglob("*.py")
        if "runtime._launch" in _imports(path)
    }
    assert importers == {"__main__.py"}


def test_the_wire_protocol_and_the_host_and_period_rules_are_standard_library_only() -> None:
    for name in ("_wire.py", "contract/hosts.py", "contract/period.py"):
        ours = {m for m in _imports(RUNTIME / name) if m.split(".")[0] == "runtime"}
        assert ours <= {"runtime"}, name  # runtime._wire reads runtime.__version__ only
