"""Which Node.js runs an action: the installed set of its runtime's major, a node on PATH of
that major, or a clear stop naming the command to type."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from runtime.cli import app
from runtime.config import get_settings
from runtime.errors import UsageError
from runtime.invoke import Runner
from runtime.invoke.node_libs import resolve


def test_each_runtime_gets_its_own_major(node_runtimes: dict[str, Any]) -> None:
    settings = get_settings()
    assert resolve(settings, "NODE24X").major == 24
    assert resolve(settings, "NODE20X").major == 20
    assert Path(resolve(settings, "NODE24X").node_path or "", "@hubspot", "api-client").is_dir()


def test_without_node_the_run_names_the_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HSRUN_NODE_LIBS", str(tmp_path / "none"))
    monkeypatch.setenv("PATH", str(tmp_path))  # no node on PATH either
    action = tmp_path / "act.js"
    action.write_text("exports.main = async () => ({ outputFields: {} });\n")
    with pytest.raises(UsageError, match=r"run `hsrun libs install --runtime NODE24X`") as info:
        Runner().prepare(action)
    assert info.value.exit_code == 2


def test_a_node_on_path_of_the_right_major_is_used(
    node_runtimes: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "node").symlink_to(node_runtimes["NODE20X"].node)
    monkeypatch.setenv("HSRUN_NODE_LIBS", str(tmp_path / "none"))
    monkeypatch.setenv("PATH", str(bin_dir))
    found = resolve(get_settings(), "NODE20X")
    assert found.major == 20 and found.node_path is None
    with pytest.raises(UsageError):
        resolve(get_settings(), "NODE24X")  # a Node 20 never runs a NODE24X action


def test_libs_status_lists_the_node_sets(node_runtimes: dict[str, Any]) -> None:
    out = CliRunner().invoke(app, ["libs", "status"]).output
    assert "NODE24X: Node.js 24." in out
    assert "@hubspot/api-client 10." in out
    status = json.loads(CliRunner().invoke(app, ["libs", "status", "--json"]).output)
    assert status["node"]["NODE20X"]["node_version"].startswith("20.")
    assert status["node"]["NODE24X"]["packages"]["axios"].startswith("1.")


def test_a_one_shot_invoke_uses_the_process_started_before_the_cli_loaded(
    node_runtimes: dict[str, Any], tmp_path: Path
) -> None:
    from runtime.invoke import RunOptions
    from runtime.invoke import _node_process as processes

    action = tmp_path / "pid.js"
    action.write_text(
        "const _ = require('lodash');\n"
        "exports.main = (event, callback) => callback({ outputFields: { pid: process.pid } });\n"
    )
    action.with_suffix(".toml").write_text('runtime = "NODE20X"\n')
    libs = str(get_settings().node_libs_path("NODE20X").parent)
    processes.prespawn_node(str(action), str(tmp_path / "state"), libs)
    started = processes._prespawned
    assert started is not None
    # Without a sandbox: a sandboxed process is started by the sandbox's wrapper, per run.
    with Runner(RunOptions(zygote=False, isolation="process")) as runner:
        result = runner.run(action)
    assert result.status == "SUCCESS", result.error
    assert result.outputs["pid"] == started.pid
    assert result.libraries["node"].startswith("20.")
    assert "lodash" in result.libraries  # loaded ahead, as the action requires it
    assert processes._prespawned is None


@pytest.mark.parametrize(
    ("source", "warned"),
    [
        ("const hubspot = require('@hubspot/api-client');", False),
        ("const punycode = require('punycode');", True),
    ],
    ids=["a-library-requires-it", "the-action-requires-it"],
)
def test_the_punycode_deprecation_is_logged_only_when_the_action_asks(
    node_runtimes: dict[str, Any], run_action: Any, tmp_path: Path, source: str, warned: bool
) -> None:
    # Node 21+ warns (DEP0040) when code outside node_modules loads punycode; whatwg-url,
    # under @hubspot/api-client, loads it from node_modules, which Lambda does not warn about.
    action = tmp_path / "uses_url.js"
    action.write_text(f"{source}\nexports.main = async () => ({{ outputFields: {{}} }});\n")
    action.with_suffix(".toml").write_text('runtime = "NODE24X"\n')
    result = run_action(action)
    assert result.status == "SUCCESS", result.error
    assert ("DEP0040" in result.log_text) is warned


def test_the_libraries_code_cache_is_made_for_node_22_and_later(
    node_runtimes: dict[str, Any],
) -> None:
    # Node 22+ keeps V8's compiled code of the libraries beside them; Node 20 has no such API.
    from runtime.invoke._node_process import compile_cache_dir
    from runtime.invoke.node_libs import warm_compile_cache

    settings = get_settings()
    for runtime, made in (("NODE24X", True), ("NODE20X", False)):
        found = resolve(settings, runtime)
        assert found.node_path is not None
        warm_compile_cache(found)
        folder = Path(compile_cache_dir(found.node_path))
        entries = [p for p in folder.glob(f"v{found.version}-*/*") if p.is_file()]
        # @hubspot/api-client alone loads 46 files; every library of the set is cached.
        assert (len(entries) > 100) is made, (runtime, len(entries))
