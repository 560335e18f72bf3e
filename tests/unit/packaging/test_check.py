"""Checking files and folders: discovery, manifests, encodings, the report."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime.contract.manifest import load_action
from runtime.errors import ActionNotFoundError, UsageError
from runtime.packaging import check_action, check_paths
from runtime.packaging.check import find_actions

OK = 'def main(event):\n    return {"outputFields": {}}\n'


def write(folder: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def test_folders_yield_actions_but_not_helpers(tmp_path: Path) -> None:
    write(tmp_path, {"b.py": OK, "a.js": "exports.main = () => {};\n", "_h.py": "", "n.toml": ""})
    assert [p.name for p in find_actions([tmp_path])] == ["a.js", "b.py"]
    assert [p.name for p in find_actions([tmp_path / "b.py", tmp_path])] == ["b.py", "a.js"]


def test_bad_paths_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(ActionNotFoundError, match="no such file or folder"):
        find_actions([tmp_path / "missing.py"])
    with pytest.raises(UsageError, match="no actions"):
        find_actions([tmp_path])
    write(tmp_path, {"notes.txt": "x"})
    with pytest.raises(UsageError, match="not an action"):
        find_actions([tmp_path / "notes.txt"])


def test_an_invalid_manifest_is_hs001_and_the_other_actions_are_still_checked(
    tmp_path: Path,
) -> None:
    write(
        tmp_path,
        {
            "bad.py": OK,
            "bad.toml": 'object_type = "CONTACT"\n[outputs]\nscore = "integer"\n',
            "good.py": "import pandas\n" + OK,
        },
    )
    report = check_paths([tmp_path])
    assert [(f.code, Path(f.path).name, f.line) for f in report.findings] == [
        ("HS001", "bad.toml", 3),
        ("HS201", "good.py", 1),
    ]
    assert "score" in report.findings[0].message and "integer" in report.findings[0].message
    assert not report.ok


def test_more_than_50_inputs_in_the_manifest_is_hs303(tmp_path: Path) -> None:
    inputs = "".join(f'f{i} = "p{i}"\n' for i in range(51))
    write(tmp_path, {"act.py": OK, "act.toml": f"[inputs]\n{inputs}"})
    report = check_paths([tmp_path / "act.py"])
    assert [(f.code, f.line) for f in report.findings] == [("HS303", 1)]
    assert "51 inputs" in report.findings[0].message


def test_a_source_that_is_not_utf8_is_hs002(tmp_path: Path) -> None:
    write(tmp_path, {"act.py": b"# caf\xe9\n" + OK.encode()})
    (finding,) = check_action(load_action(tmp_path / "act.py"))
    assert (finding.code, finding.severity) == ("HS002", "error")


def test_manifest_findings_point_at_the_manifest_line(tmp_path: Path) -> None:
    write(tmp_path, {"act.py": OK, "act.toml": 'object_type = "CONTACT"\nsecrets = ["TOKEN"]\n'})
    (finding,) = check_action(load_action(tmp_path / "act.py"))
    assert (finding.code, finding.path, finding.line) == ("HS302", str(tmp_path / "act.toml"), 2)


def test_helper_modules_beside_the_action_are_recognised(tmp_path: Path) -> None:
    write(tmp_path, {"act.py": "from _h import x\nimport pkg\n" + OK, "_h.py": "x = 1\n"})
    (tmp_path / "pkg").mkdir()
    write(tmp_path / "pkg", {"__init__.py": ""})
    codes = [f.code for f in check_action(load_action(tmp_path / "act.py"))]
    assert codes == ["HS204", "HS204"]


def test_ignore_drops_codes_and_prefixes(tmp_path: Path) -> None:
    write(
        tmp_path,
        {"act.py": "import pandas\n" + OK, "act.toml": 'secrets = ["TOKEN"]\n'},
    )
    assert {f.code for f in check_paths([tmp_path]).findings} == {"HS201", "HS302"}
    assert {f.code for f in check_paths([tmp_path], ignore=["HS3"]).findings} == {"HS201"}
    report = check_paths([tmp_path], ignore=["hs201", " HS302 "])
    assert report.findings == [] and report.ok


def test_report_json_shape(tmp_path: Path) -> None:
    write(tmp_path, {"act.py": "import urllib3\n" + OK})
    data = check_paths([tmp_path]).to_dict()
    assert data["actions"] == [str(tmp_path / "act.py")]
    assert data["summary"] == {"actions": 1, "errors": 0, "warnings": 1, "info": 0}
    assert data["findings"][0]["code"] == "HS203"
    assert set(data["findings"][0]) == {
        "code",
        "severity",
        "message",
        "path",
        "line",
        "col",
        "subject",
    }
