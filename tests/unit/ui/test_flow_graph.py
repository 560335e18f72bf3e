"""Drawing a flow: the walk from startActionId through connections and branch arms."""

from __future__ import annotations

from runtime.ui.flow_graph import steps_of


def _next(action_id: str) -> dict[str, str]:
    return {"edgeType": "STANDARD", "nextActionId": action_id}


def test_branches_nest_their_arms_and_a_join_is_drawn_once() -> None:
    # The workflows contract's example shape: a code action, then a static branch whose arms
    # meet again at action 5; the default arm ends the enrollment.
    body = {
        "startActionId": "1",
        "actions": [
            {"type": "STATIC_BRANCH", "actionId": "2", "inputValue": {},
             "staticBranches": [{"branchValue": "enterprise", "connection": _next("3")},
                                {"branchValue": "midmarket", "connection": _next("4")}],
             "defaultBranchName": "Small business"},
            {"type": "CUSTOM_CODE", "actionId": "1", "runtime": "PYTHON39",
             "outputFields": [{"name": "tier", "type": "STRING"}], "connection": _next("2")},
            {"type": "SINGLE_CONNECTION", "actionId": "3", "actionTypeId": "0-3",
             "connection": _next("5")},
            {"type": "SINGLE_CONNECTION", "actionId": "4", "actionTypeId": "0-4",
             "connection": _next("5")},
            {"type": "SINGLE_CONNECTION", "actionId": "5", "actionTypeId": "0-5"},
        ],
    }  # fmt: skip
    steps = steps_of(body)
    assert [s.action_id for s in steps] == ["1", "2"]
    assert steps[0].summary == "PYTHON39 custom code → tier"
    arms = steps[1].arms
    assert [a.label for a in arms] == ["= enterprise", "= midmarket", "Small business"]
    assert [s.action_id for s in arms[0].steps] == ["3", "5"]
    assert [(s.action_id, s.goto) for s in arms[1].steps] == [("4", False), ("5", True)]
    assert arms[2].steps == []  # no connection: the enrollment ends


def test_unreachable_and_missing_actions_are_still_shown() -> None:
    body = {
        "startActionId": "1",
        "actions": [
            {"type": "SINGLE_CONNECTION", "actionId": "1", "connection": _next("9")},
            {"type": "SINGLE_CONNECTION", "actionId": "7"},
        ],
    }
    steps = steps_of(body)
    assert [(s.action_id, s.kind) for s in steps] == [
        ("1", "SINGLE_CONNECTION"),
        ("9", "MISSING"),
        ("7", "SINGLE_CONNECTION"),
    ]


def test_an_empty_flow_has_no_steps() -> None:
    assert steps_of({"actions": []}) == []
