from __future__ import annotations

from pathlib import Path

import pytest

from runtime.errors import SecretError, SecretNameError
from runtime.secrets.envfile import read_env_file


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "secrets.env"
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_names_and_literal_values(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '# comment\n\nTEST_SECRET=abc123\nexport QUOTED="with spaces # not a comment"\n'
        "DOLLAR=pa$$w${HOME}rd\n",
    )
    values = read_env_file(path)
    assert list(values) == ["TEST_SECRET", "QUOTED", "DOLLAR"]
    assert values["QUOTED"].reveal() == "with spaces # not a comment"
    # No interpolation: a `$` in a password is just a `$`.
    assert values["DOLLAR"].reveal() == "pa$$w${HOME}rd"


def test_bad_name_rejects_the_whole_file_with_the_rule(tmp_path: Path) -> None:
    path = write(tmp_path, "GOOD=1234\nMY-TOKEN=abcd\n")
    with pytest.raises(SecretNameError) as info:
        read_env_file(path)
    message = str(info.value)
    assert "line 2: 'MY-TOKEN'" in message
    assert "letters, digits and underscores" in message
    assert "nothing was imported" in message


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("A=1\nA=2\n", "line 2: A is already set on line 1"),
        ("A\n", "line 1: A has no value"),
        ("A=\n", "line 1: A is empty"),
        ("# only a comment\n", "holds no NAME=value lines"),
    ],
)
def test_problems_are_reported_by_line(tmp_path: Path, text: str, problem: str) -> None:
    with pytest.raises(SecretError, match=problem):
        read_env_file(write(tmp_path, text))


def test_unparsable_line_is_reported_without_its_text(tmp_path: Path) -> None:
    path = write(tmp_path, 'A=1\nB="unterminated s3cr3t-value\n')
    with pytest.raises(SecretError) as info:
        read_env_file(path)
    assert "line 2" in str(info.value)
    assert "s3cr3t" not in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SecretError, match="env file not found"):
        read_env_file(tmp_path / "nope.env")
