"""``hsrun init NAME``: a new action, ready to run and test.

Writes ``actions/NAME.py`` (HubSpot's Python handler; ``NAME.js``, Node.js 24, with ``js``),
``actions/NAME.toml`` (its manifest), ``tests/events/NAME.json`` (an event in HubSpot's
shape) and ``tests/test_NAME.py`` (a test through the ``run_action`` fixture of hsrun's pytest
plugin that passes as generated).
"""

from __future__ import annotations

import json
import keyword
from pathlib import Path

from runtime.contract.libraries import PYTHON39_STDLIB_MODULES, PYTHON_LIBRARIES
from runtime.contract.manifest import OBJECT_TYPES
from runtime.contract.object_types import find, is_custom_type_id
from runtime.errors import PackagingError, UsageError

#: A text property for the generated input: a few types' most telling one, else the primary
#: display property from the object type table.
_TEXT_PROPERTY = {"COMPANY": "domain"}

_ACTION = '''\
"""{name}: a HubSpot workflow custom code action (Python 3.9).

Its inputs, outputs and secrets are declared in {name}.toml, as in HubSpot's action editor.
"""


def main(event):
    # Inputs are the properties chosen under "Properties to include in code": strings, and
    # None when the property is not set on the enrolled record.
    text = event["inputFields"].get("text") or ""
    normalized = " ".join(text.split()).lower()
    # Secrets are environment variables: select one in {name}.toml (secrets = ["TOKEN"]) and
    # read it with os.getenv("TOKEN").
    print(f"normalized {{text!r}} to {{normalized!r}}")
    return {{"outputFields": {{"normalized": normalized, "is_empty": not normalized}}}}
'''

_ACTION_JS = """\
// {name}: a HubSpot workflow custom code action (Node.js 24).
// Its inputs, outputs and secrets are declared in {name}.toml, as in HubSpot's action editor.

exports.main = async (event) => {{
  // Inputs are the properties chosen under "Properties to include in code": strings, and
  // null when the property is not set on the enrolled record.
  const text = event.inputFields.text || '';
  const normalized = text.split(/\\s+/).filter(Boolean).join(' ').toLowerCase();
  // Secrets are environment variables: select one in {name}.toml (secrets = ["TOKEN"]) and
  // read it with process.env.TOKEN.
  console.log(`normalized ${{JSON.stringify(text)}} to ${{JSON.stringify(normalized)}}`);
  // Node.js 24 has no callback: return the outputs.
  return {{ outputFields: {{ normalized, is_empty: !normalized }} }};
}};
"""

_MANIFEST = """\
# {name}: what HubSpot's action editor holds besides the code.
runtime = "{runtime}"
object_type = "{object_type}"
secrets = []                  # e.g. ["TOKEN"]: only these reach the action's environment

[inputs]                      # variable name = property of the enrolled object
text = "{property}"

[outputs]                     # name = string|number|bool|datetime|date|enumeration|phone_number
normalized = "string"
is_empty = "bool"
"""

_TEST = '''\
"""Tests for actions/{name}{ext}, run as HubSpot would by hsrun's pytest plugin."""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ACTION = ROOT / "actions" / "{name}{ext}"
EVENT = ROOT / "tests" / "events" / "{name}.json"


def test_{name}_normalizes_the_recorded_event(run_action):
    event = json.loads(EVENT.read_text(encoding="utf-8"))
    result = run_action(ACTION, event=event)
    assert result.status == "SUCCESS", result.error
    assert result.outputs == {{"normalized": "{expected}", "is_empty": False}}
    assert result.alerts == []


def test_{name}_handles_an_unset_property(run_action):
    result = run_action(ACTION, inputs={{"text": None}})
    assert result.status == "SUCCESS", result.error
    assert result.outputs == {{"normalized": "", "is_empty": True}}
'''

_SAMPLE = {
    "CONTACT": "  Jane.Doe@Example.COM ",
    "COMPANY": " Example.COM ",
    "DEAL": "  Renewal   2026 ",
    "TICKET": " Cannot   LOG in ",
}


def action_files(name: str, root: Path, *, js: bool = False) -> dict[str, Path]:
    """The files ``init`` writes for ``name`` under project ``root``."""
    return {
        "action": root / "actions" / f"{name}{'.js' if js else '.py'}",
        "manifest": root / "actions" / f"{name}.toml",
        "event": root / "tests" / "events" / f"{name}.json",
        "test": root / "tests" / f"test_{name}.py",
    }


def validate_name(name: str) -> None:
    """Refuse names that cannot be an action module.

    Raises:
        UsageError: Not an identifier, a keyword, ``_``-prefixed (a helper), or the name of a
            module the action's folder would then shadow.
    """
    if not name.isidentifier() or not name.isascii():
        raise UsageError(
            f"{name!r} is not a valid action name: use a Python identifier "
            "(letters, digits and underscores, not starting with a digit), e.g. enrich_company"
        )
    if keyword.iskeyword(name):
        raise UsageError(f"{name!r} is a Python keyword; pick another action name")
    if name.startswith("_"):
        raise UsageError(f"{name!r} starts with '_', which marks helper modules; drop the '_'")
    shadowed = {lib.imports[0].split(".")[0] for lib in PYTHON_LIBRARIES}
    if name in PYTHON39_STDLIB_MODULES or name in shadowed:
        raise UsageError(
            f"{name!r} is the name of a module actions import; a file actions/{name}.py would "
            "shadow it: pick another name"
        )


def scaffold_action(
    name: str, root: Path | str, *, object_type: str = "CONTACT", js: bool = False
) -> list[Path]:
    """Create a new action with its manifest, a recorded event and a passing test.

    Args:
        name: The action's name (a Python identifier).
        root: The project folder (``actions/`` and ``tests/`` are created in it).
        object_type: The enrolled object's type: any label a manifest accepts (CONTACT,
            MEETING, LINE_ITEM...; see ``runtime.contract.object_types``).
        js: A Node.js 24 action (``NODE24X``, ``NAME.js``) instead of a Python one.

    Returns:
        The files written, in the order above.

    Raises:
        UsageError: A bad name or object type, or one of the files exists already (named).
        PackagingError: A file cannot be written.
    """
    validate_name(name)
    kind = object_type.strip().upper()
    if kind not in OBJECT_TYPES and not is_custom_type_id(kind):
        raise UsageError(
            f"unknown object type {object_type!r}: use one of {', '.join(OBJECT_TYPES)} or a "
            "custom object id like 2-1234567"
        )
    files = action_files(name, Path(root), js=js)
    existing = [str(p) for p in files.values() if p.exists()]
    if existing:
        raise UsageError(f"not overwriting {', '.join(existing)}: remove it or pick another name")
    sample = _SAMPLE.get(kind, "  Some   Text ")
    expected = " ".join(sample.split()).lower()
    event = {
        "origin": {"portalId": 12345678, "actionDefinitionId": 1},
        "object": {"objectType": kind, "objectId": 101},
        "inputFields": {"text": sample},
        "callbackId": "ap-12345678-100000001-1-0",
    }
    texts = {
        "action": (_ACTION_JS if js else _ACTION).format(name=name),
        "manifest": _MANIFEST.format(
            name=name,
            object_type=kind,
            property=_text_property(kind),
            runtime="NODE24X" if js else "PYTHON39",
        ),
        "event": json.dumps(event, indent=2) + "\n",
        "test": _TEST.format(name=name, expected=expected, ext=".js" if js else ".py"),
    }
    written: list[Path] = []
    try:
        for key, path in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("x", encoding="utf-8", newline="\n") as handle:
                handle.write(texts[key])
            written.append(path)
    except FileExistsError as exc:
        _remove(written)
        raise UsageError(f"not overwriting {exc.filename}: it appeared while writing") from exc
    except OSError as exc:
        _remove(written)
        raise PackagingError(f"cannot write {exc.filename}: {exc.strerror}") from exc
    return written


def _text_property(kind: str) -> str:
    known = find(kind)
    if known is None:  # a custom object: its primary property is the portal's to say
        return "hs_object_id"
    return _TEXT_PROPERTY.get(kind) or known.primary_property


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
