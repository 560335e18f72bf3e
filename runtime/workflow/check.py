"""``hsrun workflow check``: what would go wrong in a flow before it runs. Pure.

- ``WF101`` a ``nextActionId`` naming no action (HubSpot's API refuses the flow);
- ``WF102`` an action no path from ``startActionId`` reaches (it can never run);
- ``WF103`` ``FIELD_DATA`` reading an action that is not on *every* path to the reader: on
  the other paths the value is empty (workflows contract §3.2, UNCONFIRMED behaviour);
- ``WF104`` ``FIELD_DATA`` naming an output its custom code action does not declare;
- ``WF105`` an edge type other than ``STANDARD``/``GOTO``/``GO-TO``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from runtime.errors import WorkflowError
from runtime.workflow.model import field_data_refs, successors


@dataclass(frozen=True)
class FlowFinding:
    """One problem: its code, the action it is about, and what is wrong."""

    code: str
    action_id: str | None
    message: str
    severity: str = "error"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "actionId": self.action_id,
            "severity": self.severity,
            "message": self.message,
        }


def check_document(data: dict[str, Any]) -> list[FlowFinding]:
    """Every finding for a flow document (need not pass the API's validation)."""
    raw = [a for a in data.get("actions") or [] if isinstance(a, dict)]
    actions = {str(a.get("actionId")): a for a in raw}
    findings: list[FlowFinding] = []
    graph: dict[str, list[str]] = {}
    for action_id, action in actions.items():
        try:
            nexts = successors(action)
        except WorkflowError as exc:
            findings.append(FlowFinding("WF105", action_id, exc.message))
            nexts = []
        graph[action_id] = []
        for target in nexts:
            if target not in actions:
                findings.append(
                    FlowFinding(
                        "WF101", action_id, f"connects to action {target}, which is not in the flow"
                    )
                )
            else:
                graph[action_id].append(target)
    start = data.get("startActionId")
    start = str(start) if start is not None else None
    if start is None:
        if actions:
            findings.append(FlowFinding("WF101", None, "the flow has actions but no startActionId"))
        return findings
    if start not in actions:
        findings.append(FlowFinding("WF101", None, f"startActionId {start} names no action"))
        return findings
    reachable = _reachable(graph, start)
    for action_id in actions:
        if action_id not in reachable:
            findings.append(
                FlowFinding(
                    "WF102", action_id, "no path from the start reaches this action", "warning"
                )
            )
    dominators = _dominators(graph, start, reachable)
    for action_id, action in actions.items():
        body = {k: v for k, v in action.items() if k != "actionId"}
        for source, key in field_data_refs(body):
            producer = actions.get(source)
            if producer is None:
                findings.append(
                    FlowFinding(
                        "WF101",
                        action_id,
                        f"reads an output of action {source}, which is not in the flow",
                    )
                )
                continue
            if action_id in reachable and source not in dominators.get(action_id, set()):
                findings.append(
                    FlowFinding(
                        "WF103",
                        action_id,
                        f"reads {source}.{key}, but action {source} is not on every path to "
                        "this action: on the others the value is empty",
                        "warning",
                    )
                )
            if producer.get("type") == "CUSTOM_CODE":
                declared = {str(o.get("name")) for o in producer.get("outputFields") or []}
                if key not in declared:
                    findings.append(
                        FlowFinding(
                            "WF104",
                            action_id,
                            f"reads output {key!r} of action {source}, which declares "
                            f"{sorted(declared) or 'no outputs'}",
                        )
                    )
    return findings


def _reachable(graph: dict[str, list[str]], start: str) -> set[str]:
    seen = {start}
    stack = [start]
    while stack:
        for nxt in graph.get(stack.pop(), []):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def _dominators(graph: dict[str, list[str]], start: str, nodes: set[str]) -> dict[str, set[str]]:
    """Actions on every path from the start to each action (itself excluded)."""
    preds: dict[str, set[str]] = {n: set() for n in nodes}
    for node in nodes:
        for nxt in graph.get(node, []):
            if nxt in preds:
                preds[nxt].add(node)
    dom = {n: set(nodes) for n in nodes}
    dom[start] = {start}
    changed = True
    while changed:
        changed = False
        for node in nodes:
            if node == start:
                continue
            incoming = [dom[p] for p in preds[node]]
            new = set.intersection(*incoming) if incoming else set()
            new = new | {node}
            if new != dom[node]:
                dom[node] = new
                changed = True
    return {n: d - {n} for n, d in dom.items()}
