"""Inlining the project's own JavaScript helpers into one pasteable Node.js action.

HubSpot's editor holds one file, so ``require('./_helpers')`` cannot work there. Each helper
file the action requires (and the helpers those require) becomes a CommonJS factory in a small
module table at the top of the file, and every ``require('./...')`` of a helper becomes
``__hsrun_require('<path>')``: each helper runs once, on first use, with its own ``module``,
``exports`` and ``require``, as Node.js would run it. Packages (``require('axios')``) are left
to Node.js. An action without helpers is left byte for byte as it is.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from runtime.errors import PackagingError
from runtime.packaging._node_rules import blank_comments

_LOCAL_REQUIRE = re.compile(r"\brequire\s*\(\s*(['\"`])(\.{1,2}/[^'\"`]*)\1\s*\)")

_PRELUDE = """\
// Helpers inlined by hsrun package: each runs once, on first require, as Node.js runs a file.
const __hsrun_require = ((factories, cache = {}) => function load(name) {
  if (!(name in cache)) {
    const module = { exports: {} };
    cache[name] = module;
    factories[name](module, module.exports);
  }
  return cache[name].exports;
})({
"""


def inline_helpers(action_path: Path, source: str) -> tuple[str, tuple[str, ...]]:
    """The action with its local helpers inlined, and the helper files in order.

    Raises:
        PackagingError: a required helper file does not exist.
    """
    root = action_path.parent.resolve()
    order: list[str] = []
    bodies: dict[str, str] = {}

    def rewrite(path: Path, text: str, chain: tuple[str, ...]) -> str:
        code = blank_comments(text)
        edits = []
        for match in _LOCAL_REQUIRE.finditer(code):
            target = _resolve(path.parent, match.group(2))
            if target is None:
                raise PackagingError(
                    f"{path} requires {match.group(2)}, which is not a file hsrun can inline"
                )
            key = target.relative_to(root).as_posix() if target.is_relative_to(root) else None
            if key is None:
                raise PackagingError(
                    f"{path} requires {match.group(2)} from outside the action's folder"
                )
            if key not in bodies and key not in chain:
                bodies[key] = ""  # reserve: a require cycle resolves like Node's
                bodies[key] = rewrite(target, target.read_text(encoding="utf-8"), (*chain, key))
                order.append(key)
            edits.append((match.start(), match.end(), f"__hsrun_require({json.dumps(key)})"))
        for start, end, replacement in reversed(edits):
            text = text[:start] + replacement + text[end:]
        return text

    code = rewrite(action_path, source, ())
    if not order:
        return source, ()
    parts = [_PRELUDE]
    for key in order:
        body = bodies[key].rstrip("\n")
        parts.append(
            f"// --- inlined from {key} by hsrun package ---\n"
            f"{json.dumps(key)}: function (module, exports) {{\n{body}\n}},\n"
            f"// --- end of {key} ---\n"
        )
    parts.append("});\n\n")
    return "".join(parts) + code, tuple(order)


def _resolve(folder: Path, spec: str) -> Path | None:
    base = (folder / spec).resolve()
    for candidate in (base, base.with_name(base.name + ".js"), base / "index.js"):
        if candidate.is_file():
            return candidate
    return None
