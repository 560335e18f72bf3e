"""The flow as a graph (pure): validation, edges, and `hsrun workflow check`'s findings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from runtime.errors import WorkflowError
from runtime.workflow.check import check_document
from runtime.workflow.model import arms, load_flow, portable, target_of

ROOT = Path(__file__).resolve().parents[3]


def _flow(*actions: dict[str, Any], start: str = "1") -> dict[str, Any]:
    return {"type": "CONTACT_FLOW", "objectTypeId": "0-1", "startActionId": start,
            "actions": list(actions)}  # fmt: skip


def _set(action_id: str, nxt: str | None = None, **fields: Any) -> dict[str, Any]:
    action: dict[str, Any] = {"type": "SINGLE_CONNECTION", "actionId": action_id,
                              "actionTypeId": "0-5", "fields": fields}  # fmt: skip
    if nxt:
        action["connection"] = {"edgeType": "STANDARD", "nextActionId": nxt}
    return action


def test_the_example_flow_is_valid_and_clean() -> None:
    data = json.loads((ROOT / "flows" / "lead_routing.json").read_text())
    flow = load_flow(data, source="lead_routing.json")
    assert flow.start == "1" and len(flow.actions) == 9
    assert check_document(data) == []
    assert "hsrunSource" not in json.dumps(portable(data))


def test_all_three_edge_spellings_jump_and_others_are_refused() -> None:
    for edge in ("STANDARD", "GOTO", "GO-TO"):
        assert target_of({"edgeType": edge, "nextActionId": "7"}) == "7"
    assert target_of(None) is None
    with pytest.raises(WorkflowError, match="edgeType"):
        target_of({"edgeType": "JUMP", "nextActionId": "7"})


def test_branch_arms_list_the_default_last() -> None:
    branch = {"type": "STATIC_BRANCH", "actionId": "1",
              "staticBranches": [{"branchValue": "a", "connection": {"edgeType": "STANDARD",
                                                                     "nextActionId": "2"}},
                                 {"branchValue": "b"}],
              "defaultBranchName": "Rest",
              "defaultBranch": {"edgeType": "GOTO", "nextActionId": "3"}}  # fmt: skip
    got = [(a.label, a.target, a.default) for a in arms(branch)]
    assert got == [("a", "2", False), ("b", None, False), ("Rest", "3", True)]


def test_invalid_documents_are_refused_with_the_apis_words() -> None:
    with pytest.raises(WorkflowError, match="Some required fields were not set"):
        load_flow({"actions": []}, source="x")
    with pytest.raises(WorkflowError, match="refers to action 9"):
        load_flow(_flow(_set("1", "9")), source="x")
    with pytest.raises(WorkflowError, match="no startActionId"):
        load_flow(
            {"type": "CONTACT_FLOW", "objectTypeId": "0-1", "actions": [_set("1")]}, source="x"
        )


def test_check_findings() -> None:
    field = {"type": "FIELD_DATA", "actionId": "2", "dataKey": "tier"}
    doc = _flow(
        {"type": "STATIC_BRANCH", "actionId": "1",
         "inputValue": {"type": "OBJECT_PROPERTY", "propertyName": "email"},
         "staticBranches": [{"branchValue": "x", "connection": {"edgeType": "STANDARD",
                                                                "nextActionId": "2"}}],
         "defaultBranch": {"edgeType": "STANDARD", "nextActionId": "3"}},
        {"type": "CUSTOM_CODE", "actionId": "2", "runtime": "PYTHON39", "sourceCode": "",
         "secretNames": [], "inputFields": [],
         "outputFields": [{"name": "score", "type": "NUMBER"}],
         "connection": {"edgeType": "STANDARD", "nextActionId": "3"}},
        _set("3", "4", value=field),
        _set("4", "99"),
        _set("5"),
    )  # fmt: skip
    found = {(f.code, f.action_id) for f in check_document(doc)}
    assert ("WF101", "4") in found  # dangling nextActionId
    assert ("WF102", "5") in found  # unreachable
    assert ("WF103", "3") in found  # 2 is not on the default path to 3
    assert ("WF104", "3") in found  # 2 declares score, not tier
