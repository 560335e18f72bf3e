"""Every ``hsrun check`` rule: one source that trips it and one that does not."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from runtime.contract.manifest import Manifest
from runtime.packaging import RULES, check_source
from runtime.packaging.check import MAX_SOURCE_CHARS
from runtime.packaging.findings import Finding

OK_MAIN = 'def main(event):\n    return {"outputFields": {}}\n'


def check(source: str, manifest: dict[str, Any] | None = None, **kw: Any) -> list[Finding]:
    path = kw.pop("path", "action.py")
    data = dict(manifest or {})
    if path.endswith(".js"):
        data.setdefault("runtime", "NODE24X")
    return check_source(source, Manifest.model_validate(data), path=path, **kw)


def codes(findings: list[Finding]) -> set[str]:
    return {f.code for f in findings}


def _inputs_source(count: int) -> str:
    reads = "\n".join(f'    x{i} = event["inputFields"]["f{i}"]' for i in range(count))
    return f'def main(event):\n{reads}\n    return {{"outputFields": {{}}}}\n'


# (code, failing source, passing source, manifest, extra keyword arguments)
CASES: list[tuple[str, str, str, dict[str, Any], dict[str, Any]]] = [
    (
        "HS003",
        OK_MAIN + "#" + "x" * MAX_SOURCE_CHARS + "\n",
        OK_MAIN + "# short\n",
        {},
        {},
    ),
    ("HS101", "def handler(event):\n    return {}\n", OK_MAIN, {}, {}),
    ("HS102", "def main(event, context):\n    return {}\n", OK_MAIN, {}, {}),
    ("HS102", "def main():\n    return {}\n", "def main(event, context=None):\n    pass\n", {}, {}),
    ("HS102", "def main(event, *, ctx):\n    pass\n", "def main(*args):\n    pass\n", {}, {}),
    ("HS103", "async def main(event):\n    return {}\n", OK_MAIN, {}, {}),
    ("HS104", "def main(event)\n    return {}\n", OK_MAIN, {}, {}),
    ("HS104", "return 1\n" + OK_MAIN, OK_MAIN, {}, {}),
    (
        "HS105",
        "def main(event):\n    match event:\n        case _:\n            return {}\n",
        "def main(event):\n    if event:\n        return {}\n",
        {},
        {},
    ),
    (
        "HS105",
        "def main(event):\n    try:\n        pass\n    except* ValueError:\n        pass\n",
        "def main(event):\n    try:\n        pass\n    except ValueError:\n        pass\n",
        {},
        {},
    ),
    (
        "HS105",
        "def main(event):\n    a = [1]\n    return a[i := 0]\n",
        "def main(event):\n    a = [1]\n    return a[(i := 0)]\n",
        {},
        {},
    ),
    (
        "HS106",
        "def helper(x: int | None) -> str:\n    return str(x)\n" + OK_MAIN,
        "from __future__ import annotations\n\n"
        "def helper(x: int | None) -> str:\n    return str(x)\n" + OK_MAIN,
        {},
        {},
    ),
    (
        "HS106",
        "def main(event):\n    kind = int | str\n    return {'outputFields': {'k': str(kind)}}\n",
        "def main(event):\n    kind = (int, str)\n    return {'outputFields': {'k': str(kind)}}\n",
        {},
        {},
    ),
    (
        "HS106",
        "def main(event):\n    isinstance(event, dict | list)\n    return {}\n",
        "def main(event):\n    isinstance(event, (dict, list))\n    return {}\n",
        {},
        {},
    ),
    (
        "HS107",
        "from typing import Self\n" + OK_MAIN,
        "from typing import Optional\n" + OK_MAIN,
        {},
        {},
    ),
    (
        "HS107",
        "import datetime\n\ndef main(event):\n    datetime.UTC\n    return {}\n",
        "try:\n    from typing import Self\nexcept ImportError:\n    Self = None\n" + OK_MAIN,
        {},
        {},
    ),
    ("HS201", "import pandas\n" + OK_MAIN, "import requests\n" + OK_MAIN, {}, {}),
    (
        "HS201",
        "import mysql\n" + OK_MAIN,
        "from mysql import connector\nimport mysql.connector\nfrom hubspot import HubSpot\n"
        "from googleapiclient.discovery import build\nimport redis, nltk\n" + OK_MAIN,
        {},
        {},
    ),
    ("HS202", "import tomllib\n" + OK_MAIN, "import json\n" + OK_MAIN, {}, {}),
    ("HS203", "import urllib3\n" + OK_MAIN, "import requests\n" + OK_MAIN, {}, {}),
    (
        "HS204",
        "from _helpers import normalize\n" + OK_MAIN,
        "from string import capwords\n" + OK_MAIN,
        {},
        {"helpers": ["_helpers"]},
    ),
    ("HS205", "from . import helpers\n" + OK_MAIN, "import os\n" + OK_MAIN, {}, {}),
    (
        "HS301",
        'import os\n\ndef main(event):\n    os.getenv("TOKEN")\n    return {}\n',
        'import os\n\ndef main(event):\n    os.getenv("TOKEN")\n    return {}\n',
        {},
        {},
    ),
    (
        "HS302",
        OK_MAIN,
        'import os\n\ndef main(event):\n    os.environ["TOKEN"]\n    return {}\n',
        {"secrets": ["TOKEN"]},
        {},
    ),
    ("HS303", _inputs_source(51), _inputs_source(50), {}, {}),
    (
        "HS304",
        'def main(event):\n    event["inputFields"]["email"]\n    return {}\n',
        'def main(event):\n    event["inputFields"]["email"]\n    return {}\n',
        {},
        {},
    ),
    (
        "HS305",
        OK_MAIN,
        'def main(event):\n    event.get("inputFields").get("email")\n    return {}\n',
        {"inputs": {"email": "email"}},
        {},
    ),
    (
        "HS108",
        'def main(event):\n    total = 1\n    return {"outputFields": {"n": totl}}\n',
        'def main(event):\n    total = 1\n    return {"outputFields": {"n": total}}\n',
        {"outputs": {"n": "number"}},
        {},
    ),
    (
        "HS401",
        'def main(event):\n    return {"outputFields": {"score": 1}}\n',
        'def main(event):\n    return {"outputFields": {"score": 1}}\n',
        {},
        {},
    ),
    (
        "HS402",
        'def main(event):\n    return {"outputfields": {"score": 1}}\n',
        'def main(event):\n    return {"outputFields": {"score": 1}}\n',
        {"outputs": {"score": "number"}},
        {},
    ),
    (
        "HS402",
        'def main(event):\n    out = {}\n    out["output_fields"] = {}\n    return out\n',
        'def main(event):\n    out = {}\n    out["outputFields"] = {}\n    return out\n',
        {},
        {},
    ),
    (
        "HS403",
        'def main(event):\n    return {"outputFields": {"score": 1}}\n',
        'def main(event):\n    return {"outputFields": {"score": 1, "tier": "a"}}\n',
        {"outputs": {"score": "number", "tier": "string"}},
        {},
    ),
    (
        "HS404",
        'def main(event):\n    return {"score": 1}\n',
        'def main(event):\n    return {"outputFields": {"score": 1}}\n',
        {"outputs": {"score": "number"}},
        {},
    ),
    # Node.js
    (
        "HS101",
        "module.exports.handler = async (event, callback) => {};\n",
        "exports.main = async (event, callback) => { callback({ outputFields: {} }); };\n",
        {},
        {"path": "action.js"},
    ),
    (
        "HS301",
        "exports.main = async (event) => { const t = process.env.TOKEN; };\n",
        "exports.main = async (event) => { const t = process.env.TOKEN; };\n",
        {},
        {"path": "action.js"},
    ),
    (
        "HS302",
        "exports.main = async (event) => { /* process.env.TOKEN */ };\n",
        "exports.main = async (event) => { const { TOKEN } = process.env; };\n",
        {"secrets": ["TOKEN"]},
        {"path": "action.js"},
    ),
    (
        "HS201",
        "const _ = require('underscore');\nexports.main = async (event) => {};\n",
        "const x = require('lodash/get');\nconst h = require('@hubspot/api-client');\n"
        "const fs = require('node:fs/promises');\nexports.main = async (event) => {};\n",
        {},
        {"path": "action.js"},
    ),
    (
        "HS402",
        "exports.main = async (event, callback) => { callback({ output_fields: {} }); };\n",
        "exports.main = async (event, callback) => { callback({ outputFields: {} }); };\n",
        {},
        {"path": "action.js"},
    ),
    (
        "HS401",
        "exports.main = async (event, cb) => { cb({ outputFields: { score: 1 } }); };\n",
        "exports.main = async (event, cb) => { cb({ outputFields: { score: 1 } }); };\n",
        {},
        {"path": "action.js"},
    ),
    (
        "HS502",
        "exports.main = async (event, callback) => { callback({ outputFields: {} }); };\n",
        "exports.main = async (event) => { return { outputFields: {} }; };\n",
        {"runtime": "NODE24X"},
        {"path": "action.js"},
    ),
]


def test_retired_node_runtimes_are_flagged() -> None:
    source = "exports.main = async (event) => { return { outputFields: {} }; };\n"
    for runtime in ("NODE16X", "NODE20X"):
        found = check(source, {"runtime": runtime}, path="action.js")
        assert "HS503" in codes(found)
        assert 'runtime = "NODE24X"' in next(f.message for f in found if f.code == "HS503")
    assert "HS503" not in codes(check(source, {"runtime": "NODE24X"}, path="action.js"))


def _passing_manifest(code: str, manifest: dict[str, Any]) -> dict[str, Any]:
    # The passing variant of these cases is the same code with the name selected/declared.
    fixes: dict[str, dict[str, Any]] = {
        "HS301": {"secrets": ["TOKEN"]},
        "HS304": {"inputs": {"email": "email"}},
        "HS401": {"outputs": {"score": "number"}},
    }
    return {**manifest, **fixes.get(code, {})}


@pytest.mark.parametrize(
    ("code", "bad", "good", "manifest", "kw"),
    CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)],
)
def test_rule_trips_on_bad_source_only(
    code: str, bad: str, good: str, manifest: dict[str, Any], kw: dict[str, Any]
) -> None:
    bad_findings = check(bad, manifest, **dict(kw))
    assert code in codes(bad_findings), bad_findings
    finding = next(f for f in bad_findings if f.code == code)
    assert finding.severity == RULES[code].severity
    js = kw.get("path", "").endswith(".js")
    good_findings = check(good, _passing_manifest(code, manifest), **dict(kw))
    assert code not in codes(good_findings), good_findings
    if not js:
        assert [f for f in good_findings if f.severity == "error"] == []


def test_every_rule_has_a_case_or_a_path_level_test() -> None:
    covered = {case[0] for case in CASES} | {"HS001", "HS002"}  # in test_check.py
    covered |= {"HS501", "HS503"}  # below
    covered |= {"HS504"}  # tests/functional/node/test_tooling.py (runs node --check)
    assert covered == set(RULES)


def test_a_clean_action_has_no_findings() -> None:
    source = (
        "import os\nimport requests\n\n"
        "def main(event):\n"
        '    fields = event.get("inputFields") or {}\n'
        '    email = fields.get("email")\n'
        '    token = os.getenv("TOKEN")\n'
        "    result = {}\n"
        '    result["domain"] = (email or "").rpartition("@")[2]\n'
        '    return {"outputFields": result}\n'
    )
    manifest = {
        "secrets": ["TOKEN"],
        "inputs": {"email": "email"},
        "outputs": {"domain": "string"},
    }
    assert check(source, manifest) == []


def test_findings_point_at_line_and_column() -> None:
    source = 'import os\n\ndef main(event):\n    x = "é"; os.getenv("TOKEN")\n    return {}\n'
    (finding,) = [f for f in check(source) if f.code == "HS301"]
    assert (finding.line, finding.col) == (4, 14)
    assert finding.to_dict() == {
        "code": "HS301",
        "severity": "error",
        "message": finding.message,
        "path": "action.py",
        "line": 4,
        "col": 14,
        "subject": "TOKEN",
    }
    assert "add it to `secrets` in action.toml" in finding.message


@pytest.mark.parametrize(
    ("path", "source"),
    [
        (
            "action.py",
            "import os\ndef main(event):\n"
            "    a = os.getenv('TOKEN_B'); b = event['inputFields']['mail']\n"
            "    return {'outputFields': {'extra': a}}\n",
        ),
        (
            "action.js",
            "exports.main = async (event) => {\n  const a = process.env.TOKEN_B;\n"
            "  const b = event.inputFields.mail;\n  return { outputFields: { extra: a } };\n};\n",
        ),
    ],
)
def test_findings_about_a_name_carry_it_as_their_subject(path: str, source: str) -> None:
    # Callers act on the subject, not on the wording: TOKEN is not TOKEN_B.
    manifest = {"secrets": ["TOKEN"], "inputs": {"email": "email"}, "outputs": {"tier": "string"}}
    subjects = {(f.code, f.subject) for f in check(source, manifest, path=path) if f.subject}
    assert subjects >= {
        ("HS301", "TOKEN_B"),
        ("HS302", "TOKEN"),
        ("HS304", "mail"),
        ("HS305", "email"),
        ("HS401", "extra"),
        ("HS403", "tier"),
    }


def test_messages_say_how_to_fix() -> None:
    # Every rule's fix is shown in the docs; every message carries its own "do this".
    for rule in RULES.values():
        assert rule.fix and rule.summary
    finding = check("import pandas\n" + OK_MAIN)[0]
    assert "requests" in finding.message and "HTTP" in finding.message


@pytest.mark.parametrize(
    "read",
    [
        'os.environ["TOKEN"]',
        'os.environ.get("TOKEN")',
        '"TOKEN" in os.environ',
        'getenv("TOKEN")',
        'environ["TOKEN"]',
        'o.getenv("TOKEN", "")',
    ],
)
def test_every_secret_read_style_is_seen(read: str) -> None:
    source = (
        "import os\nimport os as o\nfrom os import getenv, environ\n\n"
        f"def main(event):\n    {read}\n    return {{}}\n"
    )
    assert "HS301" in codes(check(source))
    assert "HS302" not in codes(check(source, {"secrets": ["TOKEN"]}))


def test_computed_secret_reads_silence_unused_secret_warnings() -> None:
    source = 'import os\n\ndef main(event):\n    name = "TOK" + "EN"\n    os.getenv(name)\n'
    assert "HS302" not in codes(check(source, {"secrets": ["TOKEN"]}))


def test_lambda_variables_are_not_secrets() -> None:
    source = 'import os\n\ndef main(event):\n    os.environ["AWS_REGION"]\n    return {}\n'
    assert "HS301" not in codes(check(source))


def test_stores_into_the_environment_are_not_reads() -> None:
    source = 'import os\n\ndef main(event):\n    os.environ["TZ_X"] = "UTC"\n    return {}\n'
    assert codes(check(source)) == set()


def test_inputs_read_through_an_alias_and_a_loop() -> None:
    aliased = 'def main(event):\n    f = event["inputFields"]\n    f["email"]\n    return {}\n'
    assert "HS304" in codes(check(aliased))
    looped = 'def main(event):\n    for k in event["inputFields"]:\n        pass\n'
    assert "HS305" not in codes(check(looped, {"inputs": {"email": "email"}}))


def test_outputs_built_in_a_variable_are_followed() -> None:
    source = (
        "def main(event):\n    out = {}\n    out['score'] = 1\n    return {'outputFields': out}\n"
    )
    assert codes(check(source, {"outputs": {"score": "number"}})) == set()
    assert "HS403" in codes(check(source, {"outputs": {"score": "number", "tier": "string"}}))
    spread = "def main(event):\n    return {'outputFields': {**event}}\n"
    assert "HS403" not in codes(check(spread, {"outputs": {"tier": "string"}}))


def test_noqa_silences_one_line() -> None:
    source = 'import os\n\ndef main(event):\n    os.getenv("TOKEN")  # noqa: HS301\n    return {}\n'
    assert "HS301" not in codes(check(source))
    other = 'import os\n\ndef main(event):\n    os.getenv("TOKEN")  # noqa: HS201\n    return {}\n'
    assert "HS301" in codes(check(other))


def test_node_checks_inputs_and_never_claims_full_coverage() -> None:
    source = (
        "exports.main = async (event) => {\n"
        "  const { email } = event.inputFields;\n"
        "  const phone = event.inputFields['phone'];\n"
        "  return { outputFields: { email, phone } };\n"
        "};\n"
    )
    manifest = {
        "inputs": {"email": "email", "phone": "phone"},
        "outputs": {"email": "string", "phone": "phone_number"},
    }
    assert [f.code for f in check(source, manifest, path="action.js")] == ["HS501"]
    findings = check(source, {}, path="action.js")
    assert {"HS304", "HS401"} <= codes(findings)
    assert next(f for f in findings if f.code == "HS304").line == 2


def test_node_actions_say_what_was_not_checked_python_ones_do_not() -> None:
    node = check("exports.main = async (event) => {};\n", path="action.js")
    assert [(f.code, f.severity) for f in node] == [("HS501", "info")]
    assert "not checked" in node[0].message
    assert "HS501" not in codes(check(OK_MAIN))


def test_the_docs_table_lists_every_rule_with_its_severity() -> None:
    docs = (Path(__file__).resolve().parents[3] / "docs" / "packaging.md").read_text()
    rows = dict(re.findall(r"^\| (HS\d{3}) \| (\w+) \|", docs, flags=re.MULTILINE))
    assert rows == {code: rule.severity for code, rule in RULES.items()}


def test_a_helper_nested_in_main_returns_what_it_likes() -> None:
    # Its `return {...}` is the helper's answer, not main's (HS404 is about main's own).
    source = (
        "def main(event):\n"
        "    def helper(x):\n"
        '        return {"value": x}\n'
        "    class Box:\n"
        "        def get(self):\n"
        '            return {"value": 2}\n'
        '    return {"outputFields": {"v": helper(1)["value"]}}\n'
    )
    assert "HS404" not in codes(check(source, {"outputs": {"v": "number"}}))
    main_returns = 'def main(event):\n    def helper():\n        pass\n    return {"v": 1}\n'
    assert "HS404" in codes(check(main_returns, {"outputs": {"v": "number"}}))


def test_a_syntax_error_does_not_hide_the_imports_above_it() -> None:
    source = (
        "import os\n"
        "import pandas\n"
        'TOKEN = os.environ["MY_TOKEN"]\n'
        "def main(event):\n"
        "    x = (1,\n"
        '    return {"outputFields": {}}\n'
    )
    found = codes(check(source))
    assert "HS104" in found  # the syntax error itself
    assert {"HS201", "HS301"} <= found  # pandas is not on HubSpot; MY_TOKEN is not selected


def test_undefined_names_are_found_conservatively() -> None:
    source = (
        "import os\n"
        "from typing import Optional\n"
        "def main(event, retries: Optional[int] = None) -> Undefined:\n"  # annotations skipped
        "    try:\n"
        '        value = os.getenv("X")\n'
        "    except KeyError as err:\n"
        "        value = str(err)\n"
        "    for i in range(2):\n"
        "        value += str(i)\n"
        '    return {"outputFields": {"v": value, "w": templte_var}}\n'
    )
    found = [f for f in check(source) if f.code == "HS108"]
    assert [f.subject for f in found] == ["templte_var"]
    assert found[0].line == 10
    star = 'from os.path import *\ndef main(event):\n    return {"outputFields": {"j": join}}\n'
    assert "HS108" not in codes(check(star))
