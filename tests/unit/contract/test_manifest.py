from __future__ import annotations

from pathlib import Path

import pytest

from runtime.contract import load_action, load_manifest
from runtime.errors import ActionNotFoundError, ManifestError


def write(tmp_path: Path, text: str, name: str = "act") -> Path:
    (tmp_path / f"{name}.py").write_text("def main(event):\n    return {}\n")
    manifest = tmp_path / f"{name}.toml"
    manifest.write_text(text)
    return manifest


def test_full_manifest(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'secrets = ["TEST_SECRET"]\nobject_type = "deal"\n[inputs]\namount = "amount"\n'
        '[outputs]\nok = "bool"\ntier = { type = "enumeration", options = ["a", "b"] }\n',
    )
    manifest = load_manifest(path)
    assert manifest.runtime == "PYTHON39"
    assert manifest.object_type == "DEAL"
    assert manifest.secrets == ("TEST_SECRET",)
    assert manifest.outputs["ok"].type == "bool"
    assert manifest.outputs["tier"].options == ("a", "b")
    assert manifest.outputs["tier"].api_type() == "ENUMERATION"


def test_no_manifest_means_hubspot_defaults(tmp_path: Path) -> None:
    (tmp_path / "bare.py").write_text("def main(event):\n    return {}\n")
    action = load_action(tmp_path / "bare.py")
    assert action.manifest_path is None
    assert action.manifest.secrets == ()
    assert action.manifest.runtime == "PYTHON39"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[outputs]\nscore = "integer"\n',
            "key 'outputs.score.type': expected one of string|number",
        ),
        ('secrets = ["1BAD"]\n', "key 'secrets': secret name '1BAD' is not allowed"),
        ('runtime = "PYTHON312"\n', "key 'runtime': expected one of PYTHON39"),
        ('secret = ["A"]\n', "key 'secret': unknown key"),
        ('[outputs]\ntier = "enumeration"\n', "enumeration without options"),
        ("secrets = [\n", "not valid TOML"),
    ],
)
def test_bad_manifest_names_file_key_and_expectation(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ManifestError) as info:
        load_manifest(path)
    assert str(path) in str(info.value)
    assert expected in str(info.value)


def test_too_many_inputs(tmp_path: Path) -> None:
    lines = "\n".join(f'v{i} = "p{i}"' for i in range(51))
    with pytest.raises(ManifestError, match="at most 50"):
        load_manifest(write(tmp_path, f"[inputs]\n{lines}\n"))


def test_missing_action_suggests_the_py_file(tmp_path: Path) -> None:
    (tmp_path / "lead.py").write_text("")
    with pytest.raises(ActionNotFoundError, match=r"did you mean .*lead.py"):
        load_action(tmp_path / "lead")


def test_a_manifest_or_a_folder_is_not_an_action(tmp_path: Path) -> None:
    write(tmp_path, 'object_type = "CONTACT"\n', name="lead")
    with pytest.raises(
        ActionNotFoundError, match=r"not an action: .* \(did you mean .*lead.py\?\)"
    ):
        load_action(tmp_path / "lead.toml")
    with pytest.raises(ActionNotFoundError, match="is a folder"):
        load_action(tmp_path)


def test_object_type_must_be_one_hubspot_enrolls(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match=r"got 'CONTACTS' \(did you mean 'CONTACT'\?\)"):
        load_manifest(write(tmp_path, 'object_type = "CONTACTS"\n'))
    assert load_manifest(write(tmp_path, 'object_type = "2-1234567"\n')).object_type == "2-1234567"
    assert load_manifest(write(tmp_path, 'object_type = "line_item"\n')).object_type == "LINE_ITEM"
