"""Read a dotenv file of secrets for ``hsrun secrets import``.

Stricter than loading an env file for a run: the whole file is checked before anything is
stored, so a typo on line 9 never leaves lines 1-8 imported and the rest not. Values are
taken literally (no ``${VAR}`` interpolation: a ``$`` in a password is just a ``$``), and
error messages give line numbers, never line text, since the text holds a value.
"""

from __future__ import annotations

import io
from pathlib import Path

from runtime.contract.manifest import NAME_RULE
from runtime.errors import SecretError, SecretNameError
from runtime.secrets.names import is_valid_name
from runtime.secrets.value import SecretValue


def read_env_file(path: Path) -> dict[str, SecretValue]:
    """Every ``NAME=value`` pair of a dotenv file, in file order.

    Raises:
        SecretError: the file is missing or unreadable, a line cannot be parsed, a name has
            no value or an empty one, or a name appears twice. Nothing is returned then.
        SecretNameError: a name is not a valid secret name (the message states the rule).
    """
    from dotenv.parser import parse_stream

    try:
        text = path.read_text(encoding="utf-8-sig")  # tolerate a BOM from Windows editors
    except FileNotFoundError as exc:
        raise SecretError(f"env file not found: {path}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise SecretError(f"cannot read env file {path}: {exc.__class__.__name__}") from exc

    values: dict[str, SecretValue] = {}
    first_line: dict[str, int] = {}
    problems: list[str] = []
    bad_names: list[str] = []
    for binding in parse_stream(io.StringIO(text)):
        line = binding.original.line
        if binding.error:
            problems.append(f"line {line}: not a NAME=value line")
            continue
        name = binding.key
        if name is None:  # blank line or comment
            continue
        if not is_valid_name(name):
            bad_names.append(f"line {line}: {name!r}")
            continue
        if name in first_line:
            problems.append(f"line {line}: {name} is already set on line {first_line[name]}")
            continue
        first_line[name] = line
        if binding.value is None:
            problems.append(f"line {line}: {name} has no value (write {name}=value)")
        elif binding.value == "":
            problems.append(f"line {line}: {name} is empty")
        else:
            values[name] = SecretValue(binding.value)

    if bad_names:
        raise SecretNameError(
            f"{path}: secret names not allowed ({'; '.join(bad_names)}): use {NAME_RULE}"
            " (nothing was imported)"
        )
    if problems:
        raise SecretError(f"{path}: {'; '.join(problems)} (nothing was imported)")
    if not values:
        raise SecretError(f"{path} holds no NAME=value lines (nothing was imported)")
    return values
