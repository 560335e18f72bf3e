"""Pattern-level rules for Node.js actions (``.js``): no JavaScript parser, regexes only.

Comments are blanked first (keeping offsets), so a commented-out ``process.env.X`` is not a
read. Types and anything computed are not checked: every Node.js action gets an HS501 note
saying so. Syntax is Node.js's own job (``_node_syntax``, for action files).
"""

from __future__ import annotations

import re

from runtime.contract.libraries import (
    LAMBDA_ENVIRONMENT_VARIABLES,
    NODE_BUILTIN_MODULES,
    NODE_LIBRARIES,
)
from runtime.contract.limits import DEPRECATED_RUNTIMES, MAX_SECRETS_TOTAL_CHARS
from runtime.contract.outputs import looks_like_output_fields
from runtime.packaging._context import SourceContext, item_pattern, key_pattern
from runtime.packaging.findings import Finding, make_finding

_IDENT = r"[A-Za-z_$][\w$]*"
_MAIN = re.compile(
    r"\b(?:module\.)?exports\s*(?:\.\s*main|\[\s*['\"]main['\"]\s*\])\s*="
    r"|\bmodule\.exports\s*=\s*\{[^}]*\bmain\b"
)
_ENV_DOT = re.compile(rf"\bprocess\.env\.({_IDENT})")
_ENV_INDEX = re.compile(r"\bprocess\.env\[\s*(['\"`])([^'\"`]+)\1\s*\]")
_ENV_DESTRUCTURE = re.compile(r"\{([^{}]*)\}\s*=\s*process\.env\b")
_ENV_ANY = re.compile(r"\bprocess\.env\b")
_REQUIRE = re.compile(r"\brequire\s*\(\s*(['\"`])([^'\"`]+)\1\s*\)|\bfrom\s+(['\"])([^'\"]+)\3")
_OBJECT_KEY = re.compile(rf"({_IDENT}|'[^'\n]*'|\"[^\"\n]*\")\s*:")
_OUTPUTS = re.compile(r"\boutputFields\s*:\s*(\{[^{}]*\}|.)", re.DOTALL)
_INPUT_DOT = re.compile(rf"\binputFields\.({_IDENT})")
_INPUT_INDEX = re.compile(r"\binputFields\[\s*(['\"`])([^'\"`]+)\1\s*\]")
_INPUT_DESTRUCTURE = re.compile(r"\{([^{}]*)\}\s*=\s*(?:[\w$]+\.)*inputFields\b")
_INPUT_ANY = re.compile(r"\binputFields\b")
_CALLBACK = re.compile(r"\bcallback\s*\(")

_NODE_LISTED = ", ".join(lib.name for lib in NODE_LIBRARIES)


def blank_comments(source: str) -> str:
    """``source`` with ``//`` and ``/* */`` comments replaced by spaces (newlines kept)."""
    out = list(source)
    i, end = 0, len(source)
    quote: str | None = None
    while i < end:
        char = source[i]
        if quote:
            if char == "\\":
                i += 2
                continue
            if char == quote:
                quote = None
        elif char in "'\"`":
            quote = char
        elif source.startswith("//", i):
            stop = source.find("\n", i)
            stop = end if stop < 0 else stop
            out[i:stop] = " " * (stop - i)
            i = stop
            continue
        elif source.startswith("/*", i):
            stop = source.find("*/", i + 2)
            stop = end if stop < 0 else stop + 2
            out[i:stop] = [c if c == "\n" else " " for c in source[i:stop]]
            i = stop
            continue
        i += 1
    return "".join(out)


def _destructured(names: str) -> list[str]:
    keys = []
    for part in names.split(","):
        key = part.split(":")[0].split("=")[0].strip()
        if key and not key.startswith("..."):
            keys.append(key.strip("'\""))
    return keys


def check_node(ctx: SourceContext) -> list[Finding]:
    """Every Node.js rule on one action."""
    code = blank_comments(ctx.source)
    found = [
        make_finding(
            "HS501",
            "Node.js action: checked at pattern level (handler, secrets, inputs, "
            "outputFields, require) plus Node.js's syntax check when a node is at hand; "
            "types are not checked: run it (hsrun invoke) to see it work",
            ctx.path,
        )
    ]
    if not _MAIN.search(code):
        found.append(
            ctx.at(
                "HS101",
                "no `exports.main = async (event, callback) => {...}`: HubSpot calls "
                "`exports.main`; define it",
            )
        )
    found += _secrets(code, ctx)
    found += _inputs(code, ctx)
    found += _outputs(code, ctx)
    found += _requires(code, ctx)
    retired_to = DEPRECATED_RUNTIMES.get(ctx.manifest.runtime)
    if retired_to:
        found.append(
            make_finding(
                "HS503",
                f"runtime {ctx.manifest.runtime} is retired by HubSpot (no new Node 20 actions "
                f"from 2026-11-03; Node 16/20 actions had to move by 2026-11-17): set "
                f'runtime = "{retired_to}" and return the outputs instead of calling callback',
                ctx.path,
            )
        )
    if ctx.manifest.runtime == "NODE24X":
        for match in _CALLBACK.finditer(code):
            found.append(
                ctx.at_offset(
                    "HS502",
                    "Node.js 24 handlers get no callback: return `{ outputFields: {...} }` "
                    "from `exports.main` instead",
                    match.start(),
                )
            )
            break
    return found


def _secrets(code: str, ctx: SourceContext) -> list[Finding]:
    reads: dict[str, int] = {}
    covered: set[int] = set()
    for match in _ENV_DOT.finditer(code):
        reads.setdefault(match.group(1), match.start())
        covered.add(match.start())
    for match in _ENV_INDEX.finditer(code):
        reads.setdefault(match.group(2), match.start())
        covered.add(match.start())
    for match in _ENV_DESTRUCTURE.finditer(code):
        for name in _destructured(match.group(1)):
            reads.setdefault(name, match.start())
        covered.add(code.index("process.env", match.start()))
    dynamic = any(m.start() not in covered for m in _ENV_ANY.finditer(code))
    found = []
    selected = set(ctx.manifest.secrets)
    for name, offset in reads.items():
        if name not in selected and name not in LAMBDA_ENVIRONMENT_VARIABLES:
            found.append(
                ctx.at_offset(
                    "HS301",
                    f"reads secret `{name}`, which the action does not select: HubSpot leaves "
                    f"it undefined; add it to `secrets` in {ctx.manifest_name}",
                    offset,
                    subject=name,
                )
            )
    if not dynamic:
        for name in ctx.manifest.secrets:
            if name not in reads:
                found.append(
                    ctx.in_manifest(
                        "HS302",
                        f"selects secret `{name}` but the code never reads it: remove it "
                        f"(selected values count towards the {MAX_SECRETS_TOTAL_CHARS:,}-"
                        "character total)",
                        item_pattern(name),
                        key_pattern("secrets"),
                        subject=name,
                    )
                )
    return found


def _inputs(code: str, ctx: SourceContext) -> list[Finding]:
    reads: dict[str, int] = {}
    covered: set[int] = set()
    for pattern, group in ((_INPUT_DOT, 1), (_INPUT_INDEX, 2)):
        for match in pattern.finditer(code):
            reads.setdefault(match.group(group), match.start())
            covered.add(match.start())
    for match in _INPUT_DESTRUCTURE.finditer(code):
        for name in _destructured(match.group(1)):
            reads.setdefault(name, match.start())
        covered.add(code.rindex("inputFields", match.start(), match.end()))
    dynamic = any(m.start() not in covered for m in _INPUT_ANY.finditer(code))
    found = []
    for name, offset in reads.items():
        if name not in ctx.manifest.inputs:
            found.append(
                ctx.at_offset(
                    "HS304",
                    f"reads input `{name}`, which {ctx.manifest_name} does not declare: add "
                    f'`{name} = "<property>"` under [inputs]',
                    offset,
                    subject=name,
                )
            )
    if not dynamic:
        for name in ctx.manifest.inputs:
            if name not in reads:
                found.append(
                    ctx.in_manifest(
                        "HS305",
                        f"declares input `{name}` but the code never reads it: remove it",
                        key_pattern(name),
                        subject=name,
                    )
                )
    return found


def _outputs(code: str, ctx: SourceContext) -> list[Finding]:
    found = []
    for match in _OBJECT_KEY.finditer(code):
        key = match.group(1).strip("'\"")
        if looks_like_output_fields(key):
            found.append(
                ctx.at_offset(
                    "HS402",
                    f"`{key}` is not `outputFields`: HubSpot only reads outputs from the exact "
                    "key `outputFields`, so it sees none; fix the spelling",
                    match.start(),
                )
            )
    returned: dict[str, int] = {}
    seen = dynamic = False
    for match in _OUTPUTS.finditer(code):
        seen = True
        body = match.group(1)
        if not body.startswith("{"):
            dynamic = True
            continue
        position = match.start(1) + 1
        for part in body[1:-1].split(","):
            key = part.split(":")[0].strip().strip("'\"")
            offset = position + len(part) - len(part.lstrip())
            position += len(part) + 1
            if not key:
                continue
            if key.startswith("...") or not re.fullmatch(r"[\w$-]+", key):
                dynamic = True
                continue
            returned.setdefault(key, offset)
    for name, offset in returned.items():
        if name not in ctx.manifest.outputs:
            found.append(
                ctx.at_offset(
                    "HS401",
                    f"returns output `{name}`, which {ctx.manifest_name} does not declare: "
                    "later actions cannot use it; declare it under [outputs]",
                    offset,
                    subject=name,
                )
            )
    if seen and not dynamic:
        for name in ctx.manifest.outputs:
            if name not in returned:
                found.append(
                    ctx.in_manifest(
                        "HS403",
                        f"declares output `{name}` but no outputFields the code returns sets "
                        "it: return it or remove it from [outputs]",
                        key_pattern(name),
                        subject=name,
                    )
                )
    return found


def node_module_kind(spec: str) -> str:
    """``builtin``, ``hubspot``, ``local`` or ``unavailable`` for a ``require()`` argument."""
    if spec.startswith((".", "/")):
        return "local"
    name = spec.removeprefix("node:")
    if name in NODE_BUILTIN_MODULES or name.split("/")[0] in NODE_BUILTIN_MODULES:
        return "builtin"
    parts = name.split("/")
    root = "/".join(parts[:2]) if name.startswith("@") else parts[0]
    if any(root == lib.name for lib in NODE_LIBRARIES):
        return "hubspot"
    return "unavailable"


def _requires(code: str, ctx: SourceContext) -> list[Finding]:
    found = []
    for match in _REQUIRE.finditer(code):
        spec = match.group(2) or match.group(4)
        kind = node_module_kind(spec)
        if kind == "local":
            found.append(
                ctx.at_offset(
                    "HS204",
                    f"`{spec}` is a file of this project; HubSpot actions are one file: paste "
                    "the output of `hsrun package`, which inlines it",
                    match.start(),
                )
            )
        elif kind == "unavailable":
            found.append(
                ctx.at_offset(
                    "HS201",
                    f"`{spec}` is not available in HubSpot: only Node.js built-ins and "
                    f"{_NODE_LISTED} are",
                    match.start(),
                )
            )
    return found
