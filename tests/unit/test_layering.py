"""Who may import whom: the layering DESIGN.md draws, checked on the source."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

RUNTIME = Path(__file__).resolve().parents[2] / "runtime"


@functools.cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), str(path))


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(_tree(path)):
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


def test_hubspot_hosts_are_named_in_one_module() -> None:
    # Every other module (the child bootstrap included) gets them from contract/hosts.py.
    from runtime.contract.hosts import HUBSPOT_HOSTS

    urls = {f"https://{host}" for host in HUBSPOT_HOSTS}
    found = {
        str(path.relative_to(RUNTIME))
        for path in RUNTIME.rglob("*.py")
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and (node.value in HUBSPOT_HOSTS or node.value.rstrip("/") in urls)
    }
    assert found == {"contract/hosts.py"}
