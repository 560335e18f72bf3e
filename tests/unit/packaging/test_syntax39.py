"""The Python 3.9 syntax check against CPython 3.9 itself.

Each snippet's verdict (``True``: compiles) was recorded by running ``compile()`` on a
CPython 3.9.18 interpreter; the check must agree on every one, whatever Python runs hsrun.
The corpus aims at the edges: syntax added in 3.10-3.14, syntax 3.9's PEG parser accepts
before 3.10 documented it, and compile-time (symbol table) errors.
"""

from __future__ import annotations

import pytest

from runtime.packaging._syntax39 import fstring_problem, parse_python39

# (name, source, compiles on CPython 3.9.18)
CORPUS: list[tuple[str, str, bool]] = [
    ("plain", "def main(event):\n    return {'outputFields': {}}\n", True),
    (
        "match",
        "def main(event):\n    match event:\n        case {'a': 1}:\n            pass\n",
        False,
    ),
    ("match_soft_kw_name", "match = 1\nprint(match)\n", True),
    ("paren_with", "with (open('a') as f, open('b') as g):\n    pass\n", True),
    ("paren_with_trailing_comma", "with (open('a') as f, open('b') as g,):\n    pass\n", True),
    ("except_star", "try:\n    pass\nexcept* ValueError:\n    pass\n", False),
    ("pep695_func", "def f[T](x: T) -> T:\n    return x\n", False),
    ("pep695_type", "type X = int\n", False),
    ("pep701_fstring", 'x = {\'a\': 1}\ny = f"{x["a"]}"\n', False),
    ("fstring_backslash", "y = f\"{'\\n'.join(['a'])}\"\n", False),
    ("fstring_nested_quote_ok", "y = f\"{'a'}\"\n", True),
    ("fstring_self_doc", "x=1\ny = f'{x=}'\n", True),
    ("walrus", "if (n := 10) > 5:\n    pass\n", True),
    ("walrus_index", "a = [1]\nb = a[x := 0]\n", False),
    ("walrus_set", "s = {y := 1, 2}\n", True),
    ("star_index", "a = {}\nb = a[*(1, 2)]\n", False),
    ("star_annotation", "def f(*args: *tuple[int]):\n    pass\n", False),
    ("posonly", "def f(a, /, b):\n    pass\n", True),
    ("decorator_relaxed", "d = [lambda f: f]\n@d[0]\ndef f():\n    pass\n", True),
    ("return_star_unparen", "def f():\n    return *[1], *[2]\n", True),
    ("for_star_in_index", "for x in *[1], *[2]:\n    pass\n", True),
    ("async_comp", "async def f():\n    return [x async for x in g()]\n", True),
    ("generic_genexp_call", "f = print\nf(x for x in [1], )\n", False),
    ("lambda_default", "f = lambda x=1: x\n", True),
    ("del_paren_star", "a=[1];del (a)\n", True),
    ("global_after_use", "def f():\n    x = 1\n    global x\n", False),
    ("nonlocal_top", "nonlocal x\n", False),
    ("return_outside", "return 1\n", False),
    ("yield_outside", "yield 1\n", False),
    ("await_outside", "await x\n", False),
    ("break_outside", "break\n", False),
    ("dup_arg", "def f(a, a):\n    pass\n", False),
    ("kw_after_star", "f(**{}, *[])\n", False),
    ("bad_assign", "f() = 1\n", False),
    ("print_stmt", "print 'x'\n", False),
    ("tabs_spaces", "if True:\n\tx = 1\n        y = 2\n", False),
    ("unicode_name", "café = 1\n", True),
    ("type_soft_kw_name", "type = 1\nprint(type)\n", True),
    ("case_name", "case = 1\n", True),
    ("exc_group_paren", "try:\n    pass\nexcept (ValueError, TypeError):\n    pass\n", True),
    ("except_no_paren_multi", "try:\n    pass\nexcept ValueError, TypeError:\n    pass\n", False),
    ("dict_unpack_in_comp", "d = {**x for x in []}\n", False),
    ("numeric_underscore", "x = 1_000\n", True),
    ("future_unknown", "from __future__ import nope\n", False),
    ("future_annotations", "from __future__ import annotations\nx: int | None = None\n", True),
    (
        "continue_in_finally",
        "for x in []:\n    try:\n        pass\n    finally:\n        continue\n",
        True,
    ),
    ("fstring_comment", "x=1\ny = f'{x # c\n}'\n", False),
    ("fstring_multiline_expr", "x=1\ny = f'''{\nx\n}'''\n", True),
    ("backslash_in_fstring_expr", "y = f'{\"\\\\\"}'\n", False),
    ("lambda_in_fstring", "y = f'{(lambda: 1)()}'\n", True),
    ("nested_fstring_same_quote_deep", "y = f'{f'{1}'}'\n", False),
    ("walrus_comp_iter", "[i for i in (j := [1])]\n", False),
    ("ellipsis", "...\n", True),
    ("assign_to_keyword_true", "True = 1\n", False),
    ("starred_assign_alone", "*a = [1]\n", False),
    ("parenthesized_with_no_as", "with (open('a'), open('b')):\n    pass\n", True),
    ("with_single_paren_as", "with (open('a')) as f:\n    pass\n", True),
    ("generic_class", "class A[T]:\n    pass\n", False),
    ("except_paren_as", "try:\n    pass\nexcept (ValueError) as e:\n    pass\n", True),
    ("kwarg_walrus", "f(a := 1)\n", True),
    ("subscript_slice_tuple_star", "a = {}\na[1:2, *b]\n", False),
    ("walrus_index_paren", "a = [1]\nb = a[(x := 0)]\n", True),
    (
        "except_tuple_paren_elems",
        "try:\n    pass\nexcept (ValueError), (TypeError):\n    pass\n",
        False,
    ),
    ("fstring_concat_comment", "x = 1\ny = (f'{x}'  # c\n     'b' f\"{x!r:>{x}}\")\n", True),
    ("fstring_nested_other_quote", "x = {'a': 1}\ny = f\"{x['a']}\"\n", True),
    ("fstring_triple_nested_single", "x = {'a': 1}\ny = f'''{x['a']}'''\n", True),
    ("fstring_named_escape", "y = f'\\N{BULLET} {1}'\n", True),
    ("fstring_doubled_braces", "y = f'{{}} {1}'\n", True),
    ("fstring_dict_in_expr", 'y = f\'{ {"a": 1}["a"] }\'\n', True),
    ("rstring_fstring", "y = rf'\\d{1}'\n", True),
    ("async_comp_nested", "async def f():\n    return [[i async for i in a] for a in b]\n", False),
    ("await_comp_nested", "async def f():\n    return [[await i for i in a] for a in b]\n", False),
    ("async_genexp_nested", "async def f():\n    return [(i async for i in a) for a in b]\n", True),
    (
        "async_comp_first_iter",
        "async def f():\n    return [x for x in [i async for i in a]]\n",
        True,
    ),
    (
        "fstring_reused_quote_concat",
        "cmd = ['a']\ny = (f'{' '.join(cmd)!r} failed '\n     f'code {1}')\n",
        False,
    ),
    ("raw_fstring_braces", "x = 1\ny = rf'\\{{[0-9]*\\}}{x}'\n", True),
    ("star_in_paren_tuple_index", "d = {}\nm = ()\nd[(1, *m)]\n", True),
]


@pytest.mark.parametrize(("name", "source", "ok39"), CORPUS, ids=[c[0] for c in CORPUS])
def test_agrees_with_cpython_39(name: str, source: str, ok39: bool) -> None:
    tree, findings = parse_python39(source, f"{name}.py")
    assert (tree is not None and not findings) is ok39, findings
    assert all(f.code in ("HS104", "HS105") and f.severity == "error" for f in findings)


def test_newer_syntax_is_hs105_with_its_version() -> None:
    _, findings = parse_python39("match x:\n    case 1:\n        pass\n", "a.py")
    assert [f.code for f in findings] == ["HS105"]
    assert "3.10" in findings[0].message and "3.9" in findings[0].message
    _, findings = parse_python39("a = {}\nb = a[x := 0]\n", "a.py")
    assert [(f.code, f.line, f.col) for f in findings] == [("HS105", 2, 5)]
    assert "a[(x := i)]" in findings[0].message


def test_invalid_python_is_hs104() -> None:
    _, findings = parse_python39("def main(event)\n", "a.py")
    assert [(f.code, f.line) for f in findings] == [("HS104", 1)]


@pytest.mark.parametrize(
    ("segment", "problem"),
    [
        ("f'{x}'", None),
        ("f'{x!r:>{width}}' 'tail'", None),
        ("rf'\\{{[0-9]\\}}{x}'", None),
        ("f'\\N{BULLET} {x}'", None),
        ("f'{a}'  # note\n 'b'", None),
        ("f\"{d['k']}\"", None),
        ("f'{d['k']}'", "reuses the enclosing quote"),
        ("f'{f'{1}'}'", "reuses the enclosing quote"),
        ("f'{\"\\n\".join(x)}'", "backslash"),
        ("f'{x # c\n}'", "line break"),
        ("f'''{x # c\n}'''", "comment"),
    ],
)
def test_fstrings_are_relexed_with_39_rules(segment: str, problem: str | None) -> None:
    # PEP 701 f-strings parse on 3.12+ hosts even with feature_version=(3, 9).
    found = fstring_problem(segment)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found
