"""HS108: a name the file never defines, imports or receives (a NameError when it runs).

Deliberately conservative, unlike a full scope analysis: a name bound anywhere in the file
(assigned, imported, a parameter, a loop or ``with`` target, a function or class) counts as
defined everywhere, names inside annotations are not checked, and a ``from x import *``
turns the rule off. What is left is a name Python cannot find in any scope: a typo, or a
variable a template forgot to define.
"""

from __future__ import annotations

import ast
import builtins
import difflib

from runtime.packaging._context import SourceContext
from runtime.packaging.findings import Finding

#: Names every module has besides the builtins.
_MODULE_NAMES = frozenset(
    {"__name__", "__file__", "__doc__", "__spec__", "__loader__", "__package__", "__builtins__"}
)


def _bound_names(tree: ast.Module) -> tuple[set[str], bool]:
    """Every name the file binds anywhere, and whether it has a star import."""
    bound: set[str] = set()
    star = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            bound.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                if alias.name == "*":
                    star = True
                bound.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
            bound.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            bound.add(node.rest)
    return bound, star


def _annotation_nodes(tree: ast.Module) -> set[int]:
    """ids of every node inside an annotation (not checked: often never evaluated)."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        annotations: list[ast.expr | None] = []
        if isinstance(node, ast.arg):
            annotations.append(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            annotations.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            annotations.append(node.annotation)
        for annotation in annotations:
            if annotation is not None:
                inside.update(id(sub) for sub in ast.walk(annotation))
    return inside


def check_undefined_names(tree: ast.Module, ctx: SourceContext) -> list[Finding]:
    """HS108 for the first use of each name defined nowhere."""
    bound, star = _bound_names(tree)
    if star:
        return []
    known = bound | set(dir(builtins)) | _MODULE_NAMES
    skipped = _annotation_nodes(tree)
    found: list[Finding] = []
    reported: set[str] = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)):
            continue
        name = node.id
        if name in known or name in reported or id(node) in skipped:
            continue
        reported.add(name)
        close = difflib.get_close_matches(name, sorted(bound), n=1, cutoff=0.75)
        hint = f" (did you mean `{close[0]}`?)" if close else ""
        found.append(
            ctx.at(
                "HS108",
                f"`{name}` is not defined anywhere in the file{hint}: a NameError when this "
                "line runs; define or import it",
                node,
                subject=name,
            )
        )
    return found
