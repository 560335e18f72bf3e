"""What ``hsrun check`` reports: the rule table and one ``Finding`` per problem.

Codes are ruff-style and grouped by hundreds::

    HS0xx  the files: manifest, encoding, size
    HS1xx  the handler and the Python 3.9 grammar
    HS2xx  imports: HubSpot's standard library and library list
    HS3xx  secrets and inputs
    HS4xx  data outputs
    HS5xx  Node.js actions

Only errors make ``hsrun check`` exit 1: an error is something that fails, or silently does
nothing, in HubSpot. A warning is probably a mistake but can be intended, or rests on
behaviour HubSpot does not document. ``info`` only says what was not checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Rule:
    """One check: its code, severity, a short name and the fix the docs show."""

    code: str
    severity: Severity
    name: str
    summary: str
    fix: str


@dataclass(frozen=True)
class Finding:
    """One problem found in one file.

    ``line`` and ``col`` are 1-based; both are ``None`` for a finding about a whole file.
    ``subject`` is the name the finding is about when it is about one (the secret of HS301
    and HS302, the input of HS304 and HS305, the output of HS401 and HS403), so a caller
    acts on the name, never on the message's wording.
    """

    code: str
    severity: Severity
    message: str
    path: str
    line: int | None = None
    col: int | None = None
    subject: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form printed by ``hsrun check --format json``."""
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "subject": self.subject,
        }

    def location(self) -> str:
        """``path:line:col`` as far as known."""
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.col is not None:
                parts.append(str(self.col))
        return ":".join(parts)


_RULES = (
    # -- HS0xx: files -------------------------------------------------------------------
    Rule("HS001", "error", "manifest-invalid", "The action's manifest does not validate.",
         "Fix the key the message names in the .toml beside the action."),
    Rule("HS002", "error", "source-unreadable", "The source is not UTF-8 text.",
         "Save the file as UTF-8; HubSpot's editor stores text."),
    Rule("HS003", "warning", "source-too-large",
         "The source is over 100,000 characters (HubSpot publishes no limit).",
         "Move data out of the code (a CRM property, a file, an API) and keep the action small."),
    # -- HS1xx: handler and grammar -------------------------------------------------------
    Rule("HS101", "error", "main-missing",
         "No top-level `def main(event)` (Python) or `exports.main` (Node.js).",
         "HubSpot calls `main`: define `def main(event):` at the top level of the file."),
    Rule("HS102", "error", "main-arity", "`main` cannot be called with exactly one argument.",
         "HubSpot calls `main(event)`: declare exactly one required positional parameter."),
    Rule("HS103", "error", "main-async", "`main` is `async def` in a Python action.",
         "HubSpot's Python runtime calls `main(event)` without awaiting it: use `def main`."),
    Rule("HS104", "error", "syntax-error", "Not valid Python.",
         "Fix the syntax error at the position shown."),
    Rule("HS105", "error", "syntax-after-3.9",
         "Syntax that Python 3.9 (HubSpot's PYTHON39 runtime) cannot parse.",
         "Rewrite with 3.9 syntax: if/elif instead of `match`, `except` instead of `except*`, "
         "no type parameter lists, no nested same-quote f-strings."),
    Rule("HS106", "error", "union-evaluated-at-runtime",
         "`X | Y` between types is evaluated at run time, which 3.9 does not support.",
         "Add `from __future__ import annotations` (annotations) or use `Optional`/`Union` "
         "or a tuple of types (`isinstance`)."),
    Rule("HS107", "error", "name-after-3.9", "A standard-library name added after Python 3.9.",
         "Use the 3.9 equivalent (e.g. `typing.Optional` for `Self`, `timezone.utc` for `UTC`) "
         "or guard the import with `try/except ImportError`."),
    Rule("HS108", "error", "undefined-name",
         "A name the file never defines, imports or receives: a NameError when it runs.",
         "Define or import it, or fix the spelling (the message suggests a close name)."),
    # -- HS2xx: imports --------------------------------------------------------------------
    Rule("HS201", "error", "import-unavailable",
         "An import that is neither Python 3.9's standard library nor in HubSpot's list.",
         "Use the standard library or a library HubSpot lists (requests, hubspot, "
         "googleapiclient, mysql.connector, redis, nltk), or call the service over HTTP."),
    Rule("HS202", "error", "stdlib-not-on-hubspot",
         "A standard-library module HubSpot's Python 3.9 on Linux does not have.",
         "Use a module 3.9 has (e.g. `json` or your own parser instead of `tomllib`)."),
    Rule("HS203", "warning", "import-transitive",
         "A module installed only as a dependency of a listed library.",
         "Prefer a listed library: HubSpot may upgrade or drop dependencies without notice."),
    Rule("HS204", "warning", "import-helper",
         "Imports a helper module from the project; HubSpot actions are one file.",
         "Paste the output of `hsrun package`, which inlines the helper."),
    Rule("HS205", "error", "import-relative", "A relative import; HubSpot actions are one file.",
         "Import the helper absolutely (`from _helpers import x`) and paste the packaged file."),
    # -- HS3xx: secrets and inputs -------------------------------------------------------
    Rule("HS301", "error", "secret-not-selected",
         "Reads a secret the manifest does not select: HubSpot leaves it unset.",
         "Add the name to `secrets` in the manifest (and select it in HubSpot's editor)."),
    Rule("HS302", "warning", "secret-unused", "Selects a secret the code never reads.",
         "Remove it from `secrets`: selected values count towards the 1,000-character total."),
    Rule("HS303", "error", "too-many-inputs", "More than 50 input properties.",
         "HubSpot allows 50 properties per action: drop some, or fetch them with the API."),
    Rule("HS304", "warning", "input-undeclared", "Reads an input the manifest does not declare.",
         "Add it under `[inputs]` in the manifest (variable name = property)."),
    Rule("HS305", "warning", "input-unused", "Declares an input the code never reads.",
         "Remove it from `[inputs]`: inputs count towards HubSpot's limit of 50."),
    # -- HS4xx: outputs ----------------------------------------------------------------
    Rule("HS401", "warning", "output-undeclared",
         "Returns an output the manifest does not declare; later actions cannot use it.",
         "Declare it under `[outputs]` with its type, as under Data outputs in HubSpot."),
    Rule("HS402", "error", "outputfields-misspelt",
         "A key that looks like `outputFields` but is not: HubSpot sees no outputs.",
         'Spell it exactly `"outputFields"`.'),
    Rule("HS403", "warning", "output-never-returned",
         "Declares an output no return statement sets.",
         "Return it in `outputFields` or remove it from `[outputs]`."),
    Rule("HS404", "error", "return-without-outputfields",
         "`main` returns a dict with no `outputFields` key: HubSpot sees no outputs.",
         'Wrap the values: `return {"outputFields": {...}}`.'),
    # -- HS5xx: Node.js ------------------------------------------------------------------
    Rule("HS501", "info", "node-partially-checked",
         "Node.js actions get pattern-level checks (handler, secrets, outputFields, "
         "require) and Node.js's own syntax check; types are not checked.",
         "Run it: hsrun invoke action.js (or run_action in a test)."),
    Rule("HS502", "warning", "node24-callback",
         "A NODE24X action uses `callback`; Node.js 24 handlers must return their outputs.",
         "Return `{ outputFields: {...} }` from `exports.main` instead of calling callback."),
    Rule("HS503", "warning", "retired-runtime",
         "The action uses NODE16X or NODE20X: HubSpot takes no new Node 20 actions from "
         "2026-11-03 and existing ones had to move to Node.js 24 by 2026-11-17.",
         "Set `runtime = \"NODE24X\"` in the manifest and return the outputs."),
    Rule("HS504", "error", "node-syntax-error",
         "Node.js cannot parse the action (`node --check`).",
         "Fix the syntax error at the line shown."),
)  # fmt: skip

#: Every rule by code, in code order.
RULES: dict[str, Rule] = {rule.code: rule for rule in _RULES}


def make_finding(
    code: str,
    message: str,
    path: str,
    line: int | None = None,
    col: int | None = None,
    *,
    subject: str | None = None,
) -> Finding:
    """A finding for ``code`` with the rule's severity; ``message`` should say how to fix it."""
    return Finding(code, RULES[code].severity, message, path, line, col, subject)
