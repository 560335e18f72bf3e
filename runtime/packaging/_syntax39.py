"""Does this source parse under Python 3.9, HubSpot's ``PYTHON39`` runtime?

How: CPython's own parser, ``ast.parse(..., feature_version=(3, 9))``, then ``compile`` for the
errors the symbol table finds (``return`` outside a function, ``nonlocal`` at module level),
then explicit checks for the 3.10+ syntax that ``feature_version`` lets through.

Why not parso's "3.9" grammar: measured against a real CPython 3.9.18 on a corpus of 60
snippets (``tests/unit/packaging/test_syntax39.py`` keeps it), parso rejects code that 3.9
accepts (parenthesised context managers, which 3.9's PEG parser takes although 3.10 is the
first to document them; ``for x in *a, *b``), which would block valid actions. The
``feature_version`` gaps are few and enumerable, and each has a check here:

- unparenthesised assignment expression as an index, ``a[x := 0]`` (3.10);
- star expressions in an index or a ``*args`` annotation, ``a[*b]`` (3.11, PEP 646);
- PEP 701 f-strings (3.12): nested same quotes, backslashes or comments in the expression
  part, line breaks inside a single-quoted f-string. Interpreters from 3.12 on no longer gate
  these by ``feature_version``, so the f-string text is re-lexed with 3.9's rules;
- ``except A, B:`` without parentheses (3.14, PEP 758).
"""

from __future__ import annotations

import ast
import re
import warnings

from runtime.packaging.findings import Finding, make_finding

# What 3.9 says when a nested string reused the quote and cut the f-string short.
_UNCLOSED = "a `{` left open: a nested string reuses the enclosing quote"
_STRING_START = re.compile(r"([rRbBuUfF]{0,2})('''|\"\"\"|'|\")")


def parse_python39(source: str, path: str) -> tuple[ast.Module | None, list[Finding]]:
    """Parse ``source`` as Python 3.9 would.

    Args:
        source: The action's text.
        path: The path findings name.

    Returns:
        The module's AST (``None`` when it does not parse) and the HS104/HS105 findings.
    """
    with warnings.catch_warnings():
        # Invalid escape sequences and the like are warnings, not errors, in 3.9 too.
        warnings.simplefilter("ignore")
        try:
            tree = ast.parse(source, filename=path, feature_version=(3, 9))
        except SyntaxError as exc:
            return None, [_syntax_finding(source, path, exc)]
        except ValueError as exc:  # NUL bytes
            return None, [make_finding("HS104", f"{exc}: remove them", path)]
        try:
            compile(tree, path, "exec", dont_inherit=True)
        except SyntaxError as exc:
            return None, [
                make_finding("HS104", f"{exc.msg}", path, exc.lineno, exc.offset),
            ]
    return tree, _newer_syntax(tree, source, path)


def _syntax_finding(source: str, path: str, exc: SyntaxError) -> Finding:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            newer = ast.parse(source, filename=path)
        except (SyntaxError, ValueError):
            return make_finding("HS104", f"{exc.msg}", path, exc.lineno, exc.offset)
    line, col = exc.lineno, exc.offset
    node = _first_newer_node(newer)
    if node is not None:  # CPython may point at the end of a `match` block instead
        line, col = node.lineno, char_col(source.splitlines(), node.lineno, node.col_offset)
    return make_finding(
        "HS105",
        f"{exc.msg}; HubSpot runs Python 3.9, which cannot parse this: rewrite it with 3.9 syntax",
        path,
        line,
        col,
    )


def _first_newer_node(tree: ast.Module) -> ast.stmt | None:
    """The first statement using syntax the host gates by ``feature_version``."""
    kinds = tuple(
        getattr(ast, name) for name in ("Match", "TryStar", "TypeAlias") if hasattr(ast, name)
    )
    found: list[ast.stmt] = []
    for node in ast.walk(tree):
        params = getattr(node, "type_params", None)
        if isinstance(node, ast.stmt) and (isinstance(node, kinds) or params):
            found.append(node)
    return min(found, key=lambda n: (n.lineno, n.col_offset), default=None)


def _newer_syntax(tree: ast.Module, source: str, path: str) -> list[Finding]:
    lines = source.splitlines()
    found: list[Finding] = []

    def report(node: ast.expr | ast.stmt, what: str, version: str, fix: str) -> None:
        line = node.lineno
        col = char_col(lines, line, node.col_offset)
        message = f"{what} needs Python {version}; HubSpot runs 3.9: {fix}"
        found.append(make_finding("HS105", message, path, line, col))

    nested_fstrings: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript):
            index = node.slice
            items = [index]
            if isinstance(index, ast.Tuple) and not _parenthesised(lines, index):
                items = index.elts
            if any(isinstance(item, ast.Starred) for item in items):
                report(node, "a star expression in an index (PEP 646)", "3.11", "unpack it first")
            if isinstance(index, ast.NamedExpr) and not _parenthesised(lines, index):
                report(node, "an unparenthesised `:=` index", "3.10", "write `a[(x := i)]`")
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            vararg = node.args.vararg
            if vararg is not None and isinstance(vararg.annotation, ast.Starred):
                report(node, "a star annotation on *args (PEP 646)", "3.11", "drop the `*`")
        elif isinstance(node, ast.Try):
            for handler in node.handlers:
                if isinstance(handler.type, ast.Tuple) and not _parenthesised(lines, handler.type):
                    report(handler.type, "`except A, B:`", "3.14", "write `except (A, B):`")
        elif isinstance(node, ast.JoinedStr) and id(node) not in nested_fstrings:
            nested_fstrings.update(id(inner) for inner in ast.walk(node) if inner is not node)
            segment = ast.get_source_segment(source, node)
            problem = fstring_problem(segment) if segment is not None else None
            if problem is not None:
                report(
                    node,
                    f"this f-string ({problem})",
                    "3.12 (PEP 701)",
                    "use the other quote kind, or compute the value before the f-string",
                )
    for comp in _async_comprehensions_in_comprehensions(tree):
        report(
            comp,
            "an asynchronous comprehension inside another comprehension",
            "3.11",
            "build the inner list in a loop first",
        )
    return found


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _async_comprehensions_in_comprehensions(tree: ast.Module) -> list[ast.expr]:
    """List/set/dict comprehensions using ``async for``/``await`` inside another one.

    3.9 compiles a comprehension as its own function scope and rejects an asynchronous one
    whose scope is another comprehension; 3.11 made the outer one asynchronous instead.
    (The first iterable of a comprehension is evaluated in the enclosing scope.)
    """
    found: list[ast.expr] = []

    def visit(node: ast.AST, in_comprehension: bool) -> None:
        if isinstance(node, _COMPREHENSIONS):
            if in_comprehension and not isinstance(node, ast.GeneratorExp) and _is_async(node):
                found.append(node)
            first = node.generators[0]
            visit(first.iter, in_comprehension)
            visit(first.target, True)
            for condition in first.ifs:
                visit(condition, True)
            for child in ast.iter_child_nodes(node):
                if child is not first:
                    visit(child, True)
            return
        inner = False if isinstance(node, _SCOPES) else in_comprehension
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    visit(tree, False)
    return found


def _is_async(node: ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp) -> bool:
    if any(gen.is_async for gen in node.generators):
        return True
    return any(isinstance(inner, ast.Await) for inner in ast.walk(node))


def char_col(lines: list[str], lineno: int, byte_offset: int) -> int:
    """The 1-based character column of an AST node's UTF-8 byte offset."""
    if not 1 <= lineno <= len(lines):
        return byte_offset + 1
    raw = lines[lineno - 1].encode("utf-8")[:byte_offset]
    return len(raw.decode("utf-8", errors="replace")) + 1


def _parenthesised(lines: list[str], node: ast.expr) -> bool:
    """Whether the source text of ``node`` is directly wrapped in parentheses."""
    if node.end_lineno is None or node.end_col_offset is None:
        return True
    if isinstance(node, ast.Tuple):
        # A tuple's position includes its own parentheses, if any.
        segment = ast.get_source_segment("\n".join(lines), node) or ""
        return segment.startswith("(") and _matching_paren(segment) == len(segment) - 1
    before = lines[node.lineno - 1].encode("utf-8")[: node.col_offset].decode("utf-8", "replace")
    after = (
        lines[node.end_lineno - 1].encode("utf-8")[node.end_col_offset :].decode("utf-8", "replace")
    )
    return before.rstrip().endswith("(") and after.lstrip().startswith(")")


def _matching_paren(text: str) -> int:
    """Index of the bracket closing ``text[0]`` (strings are not expected here)."""
    depth = 0
    for index, char in enumerate(text):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0:
                return index
    return -1


def fstring_problem(segment: str) -> str | None:
    """Why 3.9's tokenizer would not read ``segment`` as (concatenated) string literals.

    Python 3.9 lexes a whole f-string as one string token that ends at the first unescaped
    closing quote, then forbids backslashes and ``#`` in the expression parts (PEP 498).

    Args:
        segment: The source text of one ``JoinedStr`` node.

    Returns:
        ``None`` when 3.9 accepts it, else a short reason.
    """
    pos, end = 0, len(segment)
    while pos < end:
        pos = _skip_between_pieces(segment, pos)
        if pos >= end:
            break
        match = _STRING_START.match(segment, pos)
        if match is None:
            return "a nested string reuses the enclosing quote"
        prefix, quote = match.group(1).lower(), match.group(2)
        body_start = match.end()
        i = body_start
        while True:
            if i >= end:
                return "a nested string reuses the enclosing quote"
            char = segment[i]
            if char == "\\":
                i += 2
                continue
            if char == "\n" and len(quote) == 1:
                return "a line break inside a single-quoted f-string"
            if segment.startswith(quote, i):
                break
            i += 1
        if "f" in prefix:
            problem = _expression_problem(segment[body_start:i], raw="r" in prefix)
            if problem is not None:
                return problem
        pos = i + len(quote)
    return None


def _skip_between_pieces(text: str, pos: int) -> int:
    # Between implicitly concatenated pieces: whitespace, line continuations, comments.
    while pos < len(text):
        char = text[pos]
        if char in " \t\r\n\f":
            pos += 1
        elif text.startswith("\\\n", pos):
            pos += 2
        elif char == "#":
            newline = text.find("\n", pos)
            pos = len(text) if newline < 0 else newline + 1
        else:
            break
    return pos


def _expression_problem(body: str, *, raw: bool) -> str | None:
    """Backslashes or comments inside the ``{...}`` parts of one f-string body."""
    i, end = 0, len(body)
    while i < end:
        char = body[i]
        if char == "\\" and not raw and body.startswith("\\N{", i):
            close = body.find("}", i)
            i = end if close < 0 else close + 1
            continue
        if char == "{":
            if body.startswith("{{", i):
                i += 2
                continue
            i, problem = _scan_field(body, i + 1)
            if problem is not None:
                return problem
            continue
        i += 1
    return None


def _scan_field(body: str, i: int) -> tuple[int, str | None]:
    """Scan one replacement field from just after its ``{``; return the index after its ``}``."""
    depth, end = 0, len(body)
    in_spec = False
    while i < end:
        char = body[i]
        if in_spec:
            if char == "{":
                i, problem = _scan_field(body, i + 1)
                if problem is not None:
                    return i, problem
                continue
            if char == "}":
                return i + 1, None
            i += 1
            continue
        if char == "\\":
            return i, "a backslash in the expression part"
        if char == "#":
            return i, "a comment in the expression part"
        if char in "'\"":
            close = body.find(char, i + 1)
            if close < 0:
                return end, _UNCLOSED
            if "\\" in body[i:close]:
                return i, "a backslash in the expression part"
            i = close + 1
            continue
        if char in "([{":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "}":
            if depth == 0:
                return i + 1, None
            depth -= 1
        elif char == ":" and depth == 0:
            in_spec = True
        i += 1
    return i, _UNCLOSED
