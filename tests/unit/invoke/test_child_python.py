"""The child bootstrap's Python 3.9 rendering of syntax errors, against CPython 3.9.18."""

from __future__ import annotations

import importlib.util
from types import ModuleType

import pytest

from runtime.invoke import _process


def bootstrap() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bootstrap", _process.BOOTSTRAP)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Source, then str(SyntaxError) as CPython 3.9.18 raises it for that source.
PYTHON39 = [
    ("def main(event)\n    return 1\n", "invalid syntax (act.py, line 1)"),
    ("x = [1 2]\n", "invalid syntax (act.py, line 1)"),
    ("d = {'a' 1}\n", "invalid syntax (act.py, line 1)"),
    ("if x = 1:\n    pass\n", "invalid syntax (act.py, line 1)"),
    ("if x:\n  pass\nelse if y:\n  pass\n", "invalid syntax (act.py, line 3)"),
    ("x = 'abc\n", "EOL while scanning string literal (act.py, line 1)"),
    ("x = '''abc\n\n", "EOF while scanning triple-quoted string literal (act.py, line 2)"),
    ("def main(event):\nreturn 1\n", "expected an indented block (act.py, line 2)"),
    ("1 = x\n", "cannot assign to literal (act.py, line 1)"),
    ("f() = 1\n", "cannot assign to function call (act.py, line 1)"),
    # Worded alike in 3.9 and later: left as they are.
    ("x = 1)\n", "unmatched ')' (act.py, line 1)"),
    ("x = 1\n    y = 2\n", "unexpected indent (act.py, line 2)"),
    ("return 1\n", "'return' outside function (act.py, line 1)"),
    ("f(a=1, 2)\n", "positional argument follows keyword argument (act.py, line 1)"),
]


@pytest.mark.parametrize(("source", "python39"), PYTHON39)
def test_syntax_errors_read_as_python_39_words_them(source: str, python39: str) -> None:
    module = bootstrap()
    with pytest.raises(SyntaxError) as caught:
        compile(source, "/task/act.py", "exec")
    assert str(module.as_python39(caught.value)) == python39
