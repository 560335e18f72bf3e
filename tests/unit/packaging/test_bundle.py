"""Bundling: helpers inlined in dependency order, imports removed, a verifiable marker."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from runtime.contract.manifest import load_action
from runtime.errors import CheckFailedError, PackagingError
from runtime.packaging import bundle_action, content_hash, split_marker, verify_marker
from runtime.packaging._syntax39 import parse_python39


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")


def run_main(source: str, event: dict[str, object]) -> object:
    namespace: dict[str, object] = {"__name__": "action"}
    exec(compile(source, "bundle.py", "exec", dont_inherit=True), namespace)
    return namespace["main"](event)  # type: ignore[operator]


EVENT = {"inputFields": {"name": "  acme   corp "}}

ACTION = '''"""Enrich a company name."""
from __future__ import annotations

import os
import _text
from _helpers import normalize as norm, TITLE


def main(event):
    raw = event["inputFields"]["name"]
    return {"outputFields": {"name": norm(raw), "raw": _text.squash(raw), "title": TITLE}}
'''
HELPERS = {
    "_text.py": '"""Text helpers."""\nimport re\n\nSPACES = re.compile(r"\\s+")\n\n\n'
    "def squash(value):\n    return SPACES.sub(' ', value or '').strip()\n",
    "_helpers.py": "import re\nfrom _text import squash\n\nTITLE = True\n\n\n"
    "def normalize(name):\n    return squash(name).title()\n",
}
MANIFEST = '[inputs]\nname = "name"\n[outputs]\nname = "string"\nraw = "string"\ntitle = "bool"\n'


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write(tmp_path, {"enrich.py": ACTION, "enrich.toml": MANIFEST, **HELPERS})
    return tmp_path


def test_helpers_are_inlined_in_dependency_order(project: Path) -> None:
    bundle = bundle_action(load_action(project / "enrich.py"))
    assert bundle.helpers == ("_text.py", "_helpers.py")
    code = bundle.code
    assert code.startswith('"""Enrich a company name."""\n\nfrom __future__ import annotations\n')
    assert code.index("def squash") < code.index("def normalize") < code.index("def main")
    tree = ast.parse(code)
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in (
            node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")]
        )
    }
    assert not imported & {"_text", "_helpers"}
    assert "norm = normalize" in code
    assert "_text.squash" not in code and "squash(raw)" in code
    tree39, findings = parse_python39(bundle.source, "bundle.py")
    assert tree39 is not None and findings == []


def test_the_bundle_behaves_like_the_original(project: Path) -> None:
    bundle = bundle_action(load_action(project / "enrich.py"))
    assert run_main(bundle.source, EVENT) == {
        "outputFields": {"name": "Acme Corp", "raw": "acme corp", "title": True}
    }


def test_marker_is_the_last_line_and_detects_edits(project: Path) -> None:
    bundle = bundle_action(load_action(project / "enrich.py"))
    last = bundle.source.rstrip("\n").rsplit("\n", 1)[1]
    assert last == f"# hsrun:sha256={bundle.sha256}"
    assert bundle.sha256 == content_hash(bundle.code)
    assert split_marker(bundle.source) == (bundle.code, bundle.sha256)
    assert verify_marker(bundle.source) is True
    assert verify_marker(bundle.source.replace("\n", "\r\n") + "\n\n") is True  # editors
    edited_in_hubspot = bundle.source.replace(".title()", ".upper()")
    assert verify_marker(edited_in_hubspot) is False
    assert verify_marker(bundle.code) is None


def test_an_action_without_helpers_is_unchanged(tmp_path: Path) -> None:
    source = 'import os\n\ndef main(event):\n    return {"outputFields": {}}\n'
    write(tmp_path, {"plain.py": source, "_unused.py": "X = 1\n"})
    bundle = bundle_action(load_action(tmp_path / "plain.py"))
    assert bundle.code == source
    assert bundle.helpers == ()


def test_nested_helper_imports_become_pass(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "act.py": "def main(event):\n    from _h import double\n"
            '    return {"outputFields": {"n": double(2)}}\n',
            "act.toml": '[outputs]\nn = "number"\n',
            "_h.py": "def double(x):\n    return 2 * x\n",
        },
    )
    bundle = bundle_action(load_action(tmp_path / "act.py"))
    assert "    pass\n" in bundle.code
    assert run_main(bundle.source, {}) == {"outputFields": {"n": 4}}


def test_a_failing_action_is_refused_with_its_findings(tmp_path: Path) -> None:
    write(tmp_path, {"bad.py": "import pandas\n\ndef main(event):\n    return {}\n"})
    with pytest.raises(CheckFailedError, match=r"bad.py:1:1: HS201"):
        bundle_action(load_action(tmp_path / "bad.py"))


def test_a_helper_that_breaks_the_rules_fails_the_bundle_check(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "act.py": 'from _h import f\n\ndef main(event):\n    return {"outputFields": {}}\n',
            "_h.py": "import pandas\n\ndef f():\n    return pandas\n",
        },
    )
    with pytest.raises(
        PackagingError, match=r"(?s)packaged file fails.*\(packaged\):2:1 \(from _h.py\): HS201"
    ):
        bundle_action(load_action(tmp_path / "act.py"))


def test_cycles_and_clashes_are_refused(tmp_path: Path) -> None:
    main = 'from _a import f\n\ndef main(event):\n    return {"outputFields": {}}\n'
    write(
        tmp_path,
        {
            "act.py": main,
            "_a.py": "from _b import g\nf = 1\n",
            "_b.py": "from _a import f\ng = 2\n",
        },
    )
    with pytest.raises(PackagingError, match=r"cycle: act -> _a -> _b -> _a"):
        bundle_action(load_action(tmp_path / "act.py"))
    write(tmp_path, {"_a.py": "f = 1\nLIMIT = 3\n", "act.py": "LIMIT = 4\n" + main})
    with pytest.raises(PackagingError, match=r"`LIMIT` is bound in both _a.py and act.py"):
        bundle_action(load_action(tmp_path / "act.py"))


def test_a_helper_module_used_as_a_value_is_refused(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "act.py": "import _h\n\ndef main(event):\n    print(_h)\n"
            '    return {"outputFields": {}}\n',
            "_h.py": "X = 1\n",
        },
    )
    with pytest.raises(PackagingError, match=r"`_h` is used as a value; write `from _h import"):
        bundle_action(load_action(tmp_path / "act.py"))


def test_node_actions_get_a_slash_marker(tmp_path: Path) -> None:
    source = "exports.main = async (event, callback) => { callback({ outputFields: {} }); };\n"
    write(tmp_path, {"act.js": source})
    bundle = bundle_action(load_action(tmp_path / "act.js"))
    assert bundle.source == f"{source}// hsrun:sha256={content_hash(source)}\n"
    assert verify_marker(bundle.source) is True
    write(tmp_path, {"req.js": "const h = require('./_missing');\n" + source})
    with pytest.raises(PackagingError, match=r"requires ./_missing, which is not a file"):
        bundle_action(load_action(tmp_path / "req.js"))
