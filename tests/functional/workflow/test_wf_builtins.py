"""Built-in actions, value types and branches, run by the engine against the fake portal.

No custom code here, so no process starts: these flows run in milliseconds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from wf_support import builtin, flow, set_prop, static, to

from runtime.errors import WorkflowError
from runtime.fake_hubspot import attach_memory
from runtime.workflow import Engine, load_flow


def test_set_property_value_types(hubspot: Any, run_workflow: Any) -> None:
    hubspot.create_property("contacts", "visits_total", type="number", fieldType="number")
    hubspot.create_property(
        "contacts", "tags", type="enumeration", fieldType="checkbox",
        options=[{"label": x, "value": x} for x in ("a", "b", "c")],
    )  # fmt: skip
    c = hubspot.create(
        "contacts", {"email": "ada@example.com", "firstname": "Ada", "visits_total": "4",
                     "tags": "a", "jobtitle": "b"},
    )  # fmt: skip
    e = run_workflow(
        flow(
            set_prop("1", "lastname", static("Hello {{ enrolled_object.firstname }}"), "2"),
            set_prop("2", "visits_total", {"type": "INCREMENT", "incrementAmount": 3}, "3"),
            set_prop("3", "tags", {"type": "STATIC_APPEND_VALUE", "staticAppendValue": "c"}, "4"),
            set_prop(
                "4",
                "tags",
                {"type": "APPEND_OBJECT_PROPERTY", "appendPropertyName": "jobtitle"},
                "5",
            ),
            set_prop("5", "company", {"type": "OBJECT_PROPERTY", "propertyName": "email"}, "6"),
            set_prop("6", "message", static("record {{ enrolled_object }}")),
        ),
        object_id=c.id,
    )
    props = hubspot.get("contacts", c.id).properties
    assert e.status == "COMPLETED" and e.path == ["1", "2", "3", "4", "5", "6"]
    assert props["lastname"] == "Hello Ada"
    assert props["visits_total"] == "7"
    assert set(props["tags"].split(";")) == {"a", "b", "c"}
    assert props["company"] == "ada@example.com"
    assert props["message"] == f"record {c.id}"


def test_timestamp_and_relative_datetime_follow_the_virtual_clock(
    hubspot: Any, run_workflow: Any
) -> None:
    hubspot.create_property("contacts", "seen_at", type="datetime", fieldType="date")
    hubspot.create_property("contacts", "call_at", type="datetime", fieldType="date")
    c = hubspot.create("contacts", {"email": "ada@example.com"})
    e = run_workflow(
        flow(
            builtin("1", "0-1", {"delta": "2", "time_unit": "DAYS"}, "2"),
            set_prop("2", "seen_at", {"type": "TIMESTAMP", "timestampType": "EXECUTION_TIME"}, "3"),
            set_prop(
                "3", "call_at",
                {"type": "RELATIVE_DATETIME",
                 "timeDelay": {"delta": 3, "timeUnit": "HOURS", "daysOfWeek": []}},
            ),
        ),
        object_id=c.id,
    )  # fmt: skip
    from runtime.fake_hubspot.core.clock import parse_instant

    props = hubspot.get("contacts", c.id).properties
    enrolled = e.steps[0].at
    seen = parse_instant(props["seen_at"]) / 1000
    assert seen == round(enrolled + 2 * 86400, 3)
    assert parse_instant(props["call_at"]) / 1000 == seen + 3 * 3600
    # The record's own timestamp follows the virtual clock too.
    assert parse_instant(hubspot.get("contacts", c.id).updated_at) / 1000 == seen


def test_an_unknown_property_fails_the_step_and_the_flow_continues(
    hubspot: Any, run_workflow: Any
) -> None:
    c = hubspot.create("contacts", {"email": "ada@example.com"})
    e = run_workflow(
        flow(
            set_prop("1", "no_such_prop", static("x"), "2"), set_prop("2", "firstname", static("A"))
        ),
        object_id=c.id,
    )
    assert e.events("1") == ["FAILED"]
    assert "no_such_prop" in e.steps[1].message
    assert hubspot.get("contacts", c.id).properties["firstname"] == "A"


def test_on_failure_stop_ends_the_enrollment(hubspot: Any, run_workflow: Any) -> None:
    c = hubspot.create("contacts", {"email": "ada@example.com"})
    e = run_workflow(
        flow(
            set_prop("1", "no_such_prop", static("x"), "2"), set_prop("2", "firstname", static("A"))
        ),
        object_id=c.id,
        on_failure="stop",
    )
    assert e.status == "STOPPED" and e.path == ["1"]
    assert "firstname" not in hubspot.get("contacts", c.id).properties


def test_set_property_on_associated_records(hubspot: Any, run_workflow: Any) -> None:
    c = hubspot.create("contacts", {"email": "ada@example.com"})
    co1 = hubspot.create("companies", {"name": "Acme"})
    co2 = hubspot.create("companies", {"name": "Globex"})
    hubspot.create("companies", {"name": "Not linked"})
    hubspot.associate("contacts", c.id, "companies", co1.id)
    hubspot.associate("contacts", c.id, "companies", co2.id)
    e = run_workflow(
        flow(
            builtin("1", "0-5", {
                "property_name": "industry", "value": static("Software"),
                "association": {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279},
            }),
        ),
        object_id=c.id,
    )  # fmt: skip
    assert e.events("1") == ["SUCCEEDED"], e.steps
    industries = {
        r.properties["name"]: r.properties.get("industry") for r in hubspot.records("companies")
    }
    assert industries == {"Acme": "Software", "Globex": "Software", "Not linked": None}


def test_create_record_task_notifications_lists_and_unknown_types(
    hubspot: Any, run_workflow: Any
) -> None:
    c = hubspot.create("contacts", {"email": "ada@example.com", "firstname": "Ada"})
    e = run_workflow(
        flow(
            builtin("1", "0-14", {
                "object_type_id": "0-3",
                "properties": [{"targetProperty": "dealname",
                                "value": static("Deal for {{ enrolled_object.firstname }}")}],
                "associations": [{"target": {"associationCategory": "HUBSPOT_DEFINED",
                                             "associationTypeId": 4},
                                  "value": {"type": "ENROLLED_OBJECT"}}],
            }, "2"),
            set_prop("2", "message",
                     {"type": "FIELD_DATA", "actionId": "1", "dataKey": "hs_object_id"}, "3"),
            builtin("3", "0-3", {"subject": "Call {{ enrolled_object.firstname }}", "body": "",
                                 "priority": "HIGH", "task_type": "CALL"}, "4"),
            builtin("4", "0-9", {"user_ids": ["1"], "delivery_method": "APP",
                                 "subject": "New lead {{ enrolled_object.email }}",
                                 "body": "b"}, "5"),
            builtin("5", "0-13", {"operation": "ADD", "list_id": "178"}, "6"),
            builtin("6", "0-4", {"content_id": "99"}),
        ),
        object_id=c.id,
    )  # fmt: skip
    assert e.status == "COMPLETED" and e.path == ["1", "2", "3", "4", "5", "6"]
    [deal] = hubspot.records("deals")
    assert deal.properties["dealname"] == "Deal for Ada"
    assert hubspot.associated("contacts", c.id, "deals") == [deal.id]
    assert hubspot.get("contacts", c.id).properties["message"] == deal.id
    assert "Call Ada" in e.steps[3].message
    assert e.steps[4].details["subject"] == "New lead ada@example.com"
    assert "recorded, not sent" in e.steps[4].message
    assert e.events("5") == ["SUCCEEDED"] and "178" in e.steps[5].message
    assert e.events("6") == ["NOT_EMULATED"]


def test_value_equals_branch_on_a_property_with_default_and_without(
    hubspot: Any, run_workflow: Any
) -> None:
    def branching(default: bool) -> dict[str, Any]:
        branch: dict[str, Any] = {
            "type": "STATIC_BRANCH", "actionId": "1",
            "inputValue": {"type": "OBJECT_PROPERTY", "propertyName": "hs_lead_status"},
            "staticBranches": [{"branchValue": "NEW", "connection": to("2")},
                               {"branchValue": "OPEN", "connection": to("3")}],
        }  # fmt: skip
        if default:
            branch.update(defaultBranchName="Others", defaultBranch=to("4", "GO-TO"))
        return flow(
            branch,
            set_prop("2", "firstname", static("lead arm")),
            set_prop("3", "firstname", static("customer arm")),
            set_prop("4", "firstname", static("default arm")),
        )

    lead = hubspot.create("contacts", {"email": "a@example.com", "hs_lead_status": "NEW"})
    other = hubspot.create("contacts", {"email": "b@example.com", "hs_lead_status": "CONNECTED"})
    empty = hubspot.create("contacts", {"email": "c@example.com"})
    assert run_workflow(branching(True), object_id=lead.id).path == ["1", "2"]
    assert run_workflow(branching(True), object_id=other.id).path == ["1", "4"]
    assert run_workflow(branching(True), object_id=empty.id).path == ["1", "4"]
    ended = run_workflow(branching(False), object_id=other.id)
    assert ended.path == ["1"] and ended.status == "COMPLETED"
    assert "no default branch" in ended.steps[1].message


def test_value_equals_matching_is_exact_unless_switched(hubspot: Any, run_workflow: Any) -> None:
    doc = flow(
        {"type": "STATIC_BRANCH", "actionId": "1",
         "inputValue": {"type": "OBJECT_PROPERTY", "propertyName": "firstname"},
         "staticBranches": [{"branchValue": "ada", "connection": to("2")}],
         "defaultBranchName": "Other", "defaultBranch": to("3")},
        set_prop("2", "lastname", static("matched")),
        set_prop("3", "lastname", static("default")),
    )  # fmt: skip
    c = hubspot.create("contacts", {"email": "a@example.com", "firstname": "Ada"})
    assert run_workflow(doc, object_id=c.id).path == ["1", "3"]
    assert run_workflow(doc, object_id=c.id, branch_match="ignore-case").path == ["1", "2"]


def test_if_then_branch_first_match_and_default(hubspot: Any, run_workflow: Any) -> None:
    def arm(name: str, nxt: str, *filters: dict[str, Any]) -> dict[str, Any]:
        return {
            "branchName": name, "connection": to(nxt),
            "filterBranch": {"filterBranchType": "OR", "filters": [], "filterBranches": [
                {"filterBranchType": "AND", "filterBranches": [], "filters": list(filters)}]},
        }  # fmt: skip

    def prop(name: str, op: str, **operation: Any) -> dict[str, Any]:
        return {"filterType": "PROPERTY", "property": name,
                "operation": {"operator": op, "includeObjectsWithNoValueSet": False,
                              **operation}}  # fmt: skip

    doc = flow(
        {"type": "LIST_BRANCH", "actionId": "1", "listBranches": [
            arm("Big", "2", prop("hs_analytics_num_visits", "IS_GREATER_THAN", value=10)),
            arm("Gmail", "3", prop("email", "CONTAINS", value="@GMAIL.")),
            arm("Also big", "4", prop("hs_analytics_num_visits", "IS_GREATER_THAN", value=5)),
         ], "defaultBranchName": "None met", "defaultBranch": to("5")},
        *(set_prop(i, "lastname", static(f"arm {i}")) for i in "2345"),
    )  # fmt: skip
    big = hubspot.create("contacts", {"email": "x@gmail.com", "hs_analytics_num_visits": "11"})
    gmail = hubspot.create("contacts", {"email": "y@gmail.com", "hs_analytics_num_visits": "2"})
    neither = hubspot.create("contacts", {"email": "z@example.com"})
    e = run_workflow(doc, object_id=big.id)
    assert e.path == ["1", "2"]  # "Also big" matches too: the first arm in order wins
    assert any("hs_analytics_num_visits IS_GREATER_THAN" in c for c in e.steps[1].details["checks"])
    assert run_workflow(doc, object_id=gmail.id).path == ["1", "3"]
    assert run_workflow(doc, object_id=neither.id).path == ["1", "5"]


def test_ab_branch_is_repeatable_with_a_seed(hubspot: Any, run_workflow: Any) -> None:
    doc = flow(
        {"type": "AB_TEST_BRANCH", "actionId": "1", "testBranches": [
            {"percentage": 50, "connection": to("2")}, {"percentage": 50, "connection": to("3")}]},
        set_prop("2", "lastname", static("A")),
        set_prop("3", "lastname", static("B")),
    )  # fmt: skip
    contacts = [hubspot.create("contacts", {"email": f"{i}@example.com"}) for i in range(12)]
    first = [run_workflow(doc, object_id=c.id, seed=7).path[1] for c in contacts]
    again = [run_workflow(doc, object_id=c.id, seed=7).path[1] for c in contacts]
    assert first == again
    assert set(first) == {"2", "3"}  # both arms are drawn over a dozen records


def test_delays_and_until_leave_the_enrollment_waiting(hubspot: Any, run_workflow: Any) -> None:
    hubspot.create_property("contacts", "renewal", type="date", fieldType="date")
    c = hubspot.create("contacts", {"email": "a@example.com"})
    doc = flow(
        builtin("1", "0-1", {"delta": "90", "time_unit": "MINUTES"}, "2"),
        # A date property takes midnight UTC only (HubSpot's INVALID_DATE otherwise).
        set_prop("2", "renewal", {"type": "RELATIVE_DATETIME",
                                  "timeDelay": {"delta": 10, "timeUnit": "DAYS",
                                                "timeOfDay": {"hour": 0, "minute": 0}}}, "3"),
        builtin("3", "0-35", {"date": {"type": "OBJECT_PROPERTY", "propertyName": "renewal"},
                              "delta": "-2", "time_unit": "DAYS",
                              "time_of_day": {"hour": 9, "minute": 0}}, "4"),
        set_prop("4", "firstname", static("reminded")),
    )  # fmt: skip
    waiting = run_workflow(doc, object_id=c.id, until="1d")
    assert waiting.status == "WAITING" and waiting.current == "4"
    assert waiting.resume_at is not None and waiting.resume_at > waiting.steps[0].at + 86400
    done = run_workflow(doc, object_id=c.id)
    assert done.status == "COMPLETED"
    reminded = next(s for s in done.steps if s.action_id == "4")
    from datetime import UTC, datetime

    at = datetime.fromtimestamp(reminded.at, UTC)
    assert (at.hour, at.minute) == (9, 0)
    assert 7 * 86400 < reminded.at - done.steps[0].at < 9 * 86400


def test_time_windows_reschedule_actions_not_delays(hubspot: Any, run_workflow: Any) -> None:
    windows = [{"day": d, "startTime": {"hour": 9, "minute": 0},
                "endTime": {"hour": 17, "minute": 0}}
               for d in ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY")]  # fmt: skip
    c = hubspot.create("contacts", {"email": "a@example.com"})
    doc = flow(
        builtin("1", "0-1", {"delta": "7", "time_unit": "DAYS"}, "2"),
        set_prop("2", "firstname", static("in hours")),
        timeWindows=windows,
        blockedDates=[{"dayOfMonth": 25, "month": "DECEMBER"}],
    )
    e = run_workflow(doc, object_id=c.id)
    from datetime import UTC, datetime

    ran = next(s for s in e.steps if s.action_id == "2" and s.event == "SUCCEEDED")
    at = datetime.fromtimestamp(ran.at, UTC)
    assert at.weekday() < 5 and 9 <= at.hour < 17
    assert (at.month, at.day) != (12, 25)


def test_a_goto_loop_is_stopped(hubspot: Any, run_workflow: Any) -> None:
    c = hubspot.create("contacts", {"email": "a@example.com"})
    doc = flow(
        set_prop("1", "firstname", static("again"), "2"),
        builtin("2", "0-1", {"delta": "1", "time_unit": "MINUTES"}),
    )
    doc["actions"][1]["connection"] = to("1", "GOTO")
    e = run_workflow(doc, object_id=c.id)
    assert e.status == "STOPPED" and len(e.path) == 1000
    assert "a loop?" in e.steps[-1].message


def test_a_record_deleted_during_a_delay_leaves_the_workflow(hubspot: Any, tmp_path: Path) -> None:
    c = hubspot.create("contacts", {"email": "a@example.com"})
    doc = flow(
        builtin("1", "0-1", {"delta": "1", "time_unit": "DAYS"}, "2"),
        set_prop("2", "firstname", static("too late")),
    )
    with attach_memory(hubspot) as served:
        engine = Engine(
            load_flow(doc, source="t"), portal=hubspot, url=served.url,
            runner=None, code_cache=tmp_path,  # type: ignore[arg-type]  # no custom code
        )  # fmt: skip
        enrollment = engine.enroll(c.id)
        engine.run(until=3600)
        assert enrollment.status == "WAITING" and enrollment.current == "2"
        hubspot.archive("contacts", c.id)
        engine.run()
    assert enrollment.status == "STOPPED" and enrollment.path == ["1"]
    assert enrollment.steps[-1].message == "unenrolled: the record was deleted"
    with pytest.raises(WorkflowError, match="no live contact"):
        engine.enroll(c.id)


def test_delay_until_event_waits_out_its_expiry(hubspot: Any, run_workflow: Any) -> None:
    c = hubspot.create("contacts", {"email": "a@example.com"})
    doc = flow(
        builtin("1", "0-29", {"event_filter_branches": [], "expiration_minutes": "120"}, "2"),
        {"type": "STATIC_BRANCH", "actionId": "2",
         "inputValue": {"type": "FIELD_DATA", "actionId": "1", "dataKey": "hs_event_criteria_met"},
         "staticBranches": [{"branchValue": "true", "connection": to("3")}],
         "defaultBranchName": "No event", "defaultBranch": to("4")},
        set_prop("3", "firstname", static("event")),
        set_prop("4", "firstname", static("no event")),
    )  # fmt: skip
    e = run_workflow(doc, object_id=c.id)
    assert e.path == ["1", "2", "4"]
    assert e.steps[2].at - e.steps[1].at == 7200
