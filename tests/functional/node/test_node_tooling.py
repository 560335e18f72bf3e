"""check, package and init for Node.js actions, now that Node.js is at hand."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest

from runtime.contract import load_action
from runtime.invoke import Runner
from runtime.packaging.bundle import bundle_action
from runtime.packaging.check import check_action

pytestmark = pytest.mark.usefixtures("node_runtimes")


def test_check_reports_a_syntax_error_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.js"
    path.write_text("const a = 1;\nexports.main = async (event => {\n  return {};\n};\n")
    findings = check_action(load_action(path))
    syntax = [f for f in findings if f.code == "HS504"]
    assert len(syntax) == 1
    assert syntax[0].severity == "error"
    assert syntax[0].message.startswith("SyntaxError: ")
    assert syntax[0].line is not None


def test_check_passes_the_example_actions() -> None:
    root = Path(__file__).resolve().parents[3] / "actions"
    for name in ("format_phone.js", "archive_contact.js", "associate_deals.js"):
        findings = check_action(load_action(root / name))
        assert [f for f in findings if f.severity == "error"] == [], name


def test_package_inlines_required_helpers_into_one_file_that_runs(
    tmp_path: Path, node_runner: Runner
) -> None:
    project = tmp_path / "project"
    (project / "lib").mkdir(parents=True)
    (project / "lib" / "text.js").write_text(
        "let loads = 0;\nloads += 1;\nexports.shout = (s) => `${s.toUpperCase()}! (${loads})`;\n"
    )
    (project / "_helpers.js").write_text(
        "const { shout } = require('./lib/text');\n"
        "module.exports = { greet: (name) => shout(`hello ${name}`) };\n"
    )
    (project / "greet.js").write_text(
        textwrap.dedent(
            """\
            const { greet } = require('./_helpers');
            const text = require('./lib/text.js');
            exports.main = async (event) => ({
              outputFields: { greeting: greet(event.inputFields.name), again: text.shout('x') },
            });
            """
        )
    )
    (project / "greet.toml").write_text(
        'runtime = "NODE24X"\n[outputs]\ngreeting = "string"\nagain = "string"\n'
    )
    bundle = bundle_action(load_action(project / "greet.js"))
    assert bundle.helpers == ("lib/text.js", "_helpers.js")  # dependencies first
    assert "require('./" not in bundle.code
    # The one file runs alone, in a folder without the helpers, with the same result.
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "greet.js").write_text(bundle.source)
    (alone / "greet.toml").write_text((project / "greet.toml").read_text())
    original = node_runner.run(project / "greet.js", inputs={"name": "ada"})
    packaged = node_runner.run(alone / "greet.js", inputs={"name": "ada"})
    assert original.outputs == {"greeting": "HELLO ADA! (1)", "again": "X! (1)"}
    assert packaged.status == "SUCCESS", packaged.error
    assert packaged.outputs == original.outputs


def test_init_js_makes_a_node24_action_that_runs(
    tmp_path: Path, node_runner: Runner, monkeypatch: Any
) -> None:
    import sys

    monkeypatch.chdir(tmp_path)
    (tmp_path / "actions").mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "runtime", "init", "enrich_company", "--js"],
        capture_output=True,
        text=True,
        check=False,
        env={**__import__("os").environ, "HSRUN_DAEMON": "0"},
    )
    assert done.returncode == 0, done.stderr
    action = tmp_path / "actions" / "enrich_company.js"
    assert load_action(action).manifest.runtime == "NODE24X"
    assert not [f for f in check_action(load_action(action)) if f.severity == "error"]
    result = node_runner.run(action)
    assert result.status == "SUCCESS", result.error
