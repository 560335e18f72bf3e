"""A workflow's action graph as nested steps, for drawing (pure: no I/O, no HTTP).

Contract (workflows §1): ``actions[]`` is unordered; execution starts at ``startActionId`` and
follows each action's ``connection.nextActionId``; branch actions have one ``connection`` per
arm plus an optional ``defaultBranch``; an action or arm without a connection ends the
enrollment. Where arms meet again, the second visit is drawn as a "go to" step rather than
copying the rest of the flow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Arm:
    """One way out of a branch action."""

    label: str
    steps: list[Step] = field(default_factory=list)


@dataclass
class Step:
    """One action in the drawing (or a jump to one already drawn)."""

    action_id: str
    kind: str
    summary: str
    arms: list[Arm] = field(default_factory=list)
    goto: bool = False


def _next(connection: Any) -> str | None:
    if isinstance(connection, dict) and connection.get("nextActionId") is not None:
        return str(connection["nextActionId"])
    return None


def _summary(action: dict[str, Any]) -> str:
    kind = str(action.get("type", "?"))
    if kind == "CUSTOM_CODE":
        outputs = ", ".join(str(o.get("name")) for o in action.get("outputFields", []))
        return f"{action.get('runtime', '')} custom code" + (f" → {outputs}" if outputs else "")
    if kind == "WEBHOOK":
        return f"{action.get('method', 'POST')} {action.get('webhookUrl', '')}"
    if action.get("actionTypeId"):
        return f"action type {action['actionTypeId']}"
    return kind.replace("_", " ").lower()


def _arms(action: dict[str, Any]) -> list[tuple[str, str | None]]:
    kind = action.get("type")
    arms: list[tuple[str, str | None]] = []
    if kind == "STATIC_BRANCH":
        for arm in action.get("staticBranches", []):
            arms.append((f"= {arm.get('branchValue', '')}", _next(arm.get("connection"))))
    elif kind == "LIST_BRANCH":
        for i, arm in enumerate(action.get("listBranches", []), start=1):
            arms.append((str(arm.get("branchName") or f"branch {i}"), _next(arm.get("connection"))))
    elif kind == "AB_TEST_BRANCH":
        for i, arm in enumerate(action.get("testBranches", []), start=1):
            label = f"{arm['percentage']}%" if arm.get("percentage") is not None else f"arm {i}"
            arms.append((label, _next(arm.get("connection"))))
    else:
        return []
    if "defaultBranch" in action or action.get("defaultBranchName"):
        arms.append(
            (str(action.get("defaultBranchName") or "None met"), _next(action.get("defaultBranch")))
        )
    return arms


def steps_of(
    body: dict[str, Any], *, label: Callable[[dict[str, Any]], str] | None = None
) -> list[Step]:
    """The flow's steps from ``startActionId``, branches as nested arms; ``label`` names an
    action (default: its type and what it does)."""
    describe = label or _summary
    actions = {str(a.get("actionId")): a for a in body.get("actions", []) if isinstance(a, dict)}
    seen: set[str] = set()

    def walk(action_id: str | None, depth: int) -> list[Step]:
        steps: list[Step] = []
        while action_id is not None:
            action = actions.get(action_id)
            if action is None:
                steps.append(Step(action_id, "MISSING", "no action with this id", goto=True))
                break
            if action_id in seen or depth > 50:
                steps.append(Step(action_id, str(action.get("type")), "go to", goto=True))
                break
            seen.add(action_id)
            step = Step(action_id, str(action.get("type", "?")), describe(action))
            steps.append(step)
            arms = _arms(action)
            if arms:
                step.arms = [Arm(label, walk(target, depth + 1)) for label, target in arms]
                break
            action_id = _next(action.get("connection"))
        return steps

    start = body.get("startActionId")
    drawn = walk(str(start) if start is not None else None, 0)
    # Actions no path reaches are still shown, so nothing in the flow is hidden.
    for action_id in actions:
        if action_id not in seen:
            drawn.extend(walk(action_id, 0))
    return drawn
