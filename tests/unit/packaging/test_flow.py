"""The Workflows v4 CUSTOM_CODE action JSON."""

from __future__ import annotations

from pathlib import Path

from runtime.contract.manifest import load_action
from runtime.packaging import bundle_action, flow_action_json

SOURCE = (
    "import os\n\ndef main(event):\n"
    '    os.getenv("TOKEN")\n    event["inputFields"]["email"]\n'
    '    return {"outputFields": {"score": 1, "tier": "gold"}}\n'
)
MANIFEST = """
object_type = "CONTACT"
secrets = ["TOKEN"]
[inputs]
email = "email"
[outputs]
score = "number"
tier = { type = "enumeration", options = ["gold", "silver"] }
"""


def test_custom_code_action_json(tmp_path: Path) -> None:
    (tmp_path / "score.py").write_text(SOURCE, encoding="utf-8")
    (tmp_path / "score.toml").write_text(MANIFEST, encoding="utf-8")
    action = load_action(tmp_path / "score.py")
    bundle = bundle_action(action)
    assert flow_action_json(action, bundle, action_id="7") == {
        "type": "CUSTOM_CODE",
        "actionId": "7",
        "runtime": "PYTHON39",
        "sourceCode": bundle.source,
        "secretNames": ["TOKEN"],
        "inputFields": [
            {"name": "email", "value": {"type": "OBJECT_PROPERTY", "propertyName": "email"}}
        ],
        "outputFields": [
            {"name": "score", "type": "NUMBER"},
            {"name": "tier", "type": "ENUMERATION", "options": ["gold", "silver"]},
        ],
    }
    assert flow_action_json(action, bundle)["actionId"] == "1"
