"""Branch actions: which arm an enrollment takes, and why (workflows contract §2.3-2.5).

- ``STATIC_BRANCH`` ("value equals"): the ``inputValue`` (a property or an earlier output,
  stringified as HubSpot passes values on: ``"true"``, ``"42"``) equals one ``branchValue``;
  exact match by default (UNCONFIRMED; ``branch_match="ignore-case"`` folds case). No value, or
  no match: the default arm, or the end when there is none.
- ``LIST_BRANCH`` ("if/then"): the first arm whose filter tree the record meets, in array
  order (UNCONFIRMED), else the default arm.
- ``AB_TEST_BRANCH``: a draw weighted by ``percentage``, from an RNG seeded with the run's
  seed, the flow, the record and the action, so a run can be repeated exactly.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from runtime.workflow import enrollment as ev
from runtime.workflow.builtins import Outcome
from runtime.workflow.filters import evaluate, property_names
from runtime.workflow.model import arms, target_of
from runtime.workflow.values import ValueContext, as_text, resolve

if TYPE_CHECKING:
    from runtime.workflow.engine import Engine
    from runtime.workflow.enrollment import Enrollment


def static_branch(engine: Engine, action: dict[str, Any], values: ValueContext) -> Outcome:
    source = action.get("inputValue") or {}
    text = as_text(resolve(source, values))
    what = _describe_value(source)
    fold = engine.options.branch_match == "ignore-case"
    for arm in action.get("staticBranches") or []:
        wanted = str(arm.get("branchValue", ""))
        if text is not None and (text == wanted or (fold and text.lower() == wanted.lower())):
            nxt = target_of(arm.get("connection"))
            return Outcome(
                ev.BRANCH_TAKEN,
                f"{what} is {text!r}: branch {wanted!r}",
                next_id=nxt,
                details={"branch": wanted, "value": text, "next": nxt},
            )
    shown = "empty" if text is None else repr(text)
    return default_arm(action, f"{what} is {shown}: no branch value matched", text)


def default_arm(action: dict[str, Any], why: str, value: Any = None) -> Outcome:
    default = [a for a in arms(action) if a.default]
    name = default[0].label if default else None
    nxt = default[0].target if default else None
    message = f"{why}: default branch {name!r}" if default else f"{why}: no default branch, ends"
    return Outcome(
        ev.BRANCH_TAKEN,
        message,
        next_id=nxt,
        details={"branch": name, "default": True, "value": value, "next": nxt},
    )


def list_branch(engine: Engine, enrollment: Enrollment, action: dict[str, Any]) -> Outcome:
    arms_ = action.get("listBranches") or []
    view = engine.records.filter_view(
        engine.flow.object_type_id,
        enrollment.object_id,
        sorted({n for arm in arms_ for n in property_names(arm.get("filterBranch"))}),
    )
    checks: list[str] = []
    notes: list[str] = []
    if view is not None:
        portal, record = view
        for index, arm in enumerate(arms_):
            name = str(arm.get("branchName") or f"branch {index + 1}")
            if not arm.get("filterBranch"):
                continue
            verdict = evaluate(portal, record, arm["filterBranch"])
            checks += [f"{name}: {c}" for c in verdict.checks]
            notes += verdict.notes
            if verdict.matched:
                nxt = target_of(arm.get("connection"))
                return Outcome(
                    ev.BRANCH_TAKEN,
                    f"branch {name!r} met",
                    next_id=nxt,
                    details={"branch": name, "checks": checks, "notes": notes, "next": nxt},
                )
    outcome = default_arm(action, "no branch met")
    outcome.details.update(checks=checks, notes=notes)
    return outcome


def ab_branch(engine: Engine, enrollment: Enrollment, action: dict[str, Any]) -> Outcome:
    choices = action.get("testBranches") or []
    if not choices:
        return Outcome(ev.BRANCH_TAKEN, "no test branches: ends here", next_id=None)
    seed = engine.options.seed
    key = f"{seed}:{engine.flow_key}:{enrollment.object_id}:{action['actionId']}"
    weights = [float(b.get("percentage") or 0) or 1.0 for b in choices]
    index = random.Random(key).choices(range(len(choices)), weights=weights)[0]
    label = arms(action)[index].label
    nxt = target_of(choices[index].get("connection"))
    return Outcome(
        ev.BRANCH_TAKEN,
        f"A/B test (seed {seed}): branch {index + 1} ({label})",
        next_id=nxt,
        details={"branch": index + 1, "next": nxt},
    )


def _describe_value(value: Any) -> str:
    if not isinstance(value, dict):
        return "the value"
    if value.get("type") == "FIELD_DATA":
        return f"output {value.get('dataKey')} of action {value.get('actionId')}"
    if value.get("type") == "OBJECT_PROPERTY":
        return f"property {value.get('propertyName')}"
    return f"the {str(value.get('type', 'value')).lower()}"
