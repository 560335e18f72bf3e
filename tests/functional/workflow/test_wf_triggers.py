"""Trigger-based enrollment: LIST_BASED criteria, never twice at once, re-enrollment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wf_support import builtin, flow, set_prop, static

from runtime.fake_hubspot import attach_memory
from runtime.workflow import Engine, load_flow
from runtime.workflow.triggers import enroll_matching


def _criteria(again: bool) -> dict[str, Any]:
    return {
        "type": "LIST_BASED", "shouldReEnroll": again,
        "unEnrollObjectsNotMeetingCriteria": False, "reEnrollmentTriggersFilterBranches": [],
        "listFilterBranch": {"filterBranchType": "OR", "filters": [], "filterBranches": [
            {"filterBranchType": "AND", "filterBranches": [], "filters": [
                {"filterType": "PROPERTY", "property": "hs_lead_status",
                 "operation": {"operationType": "ENUMERATION", "operator": "IS_ANY_OF",
                               "values": ["NEW"], "includeObjectsWithNoValueSet": False}}]}]},
    }  # fmt: skip


def _engine(hubspot: Any, tmp_path: Path, *, again: bool, served: Any) -> Engine:
    doc = flow(
        builtin("1", "0-1", {"delta": "1", "time_unit": "DAYS"}, "2"),
        set_prop("2", "firstname", static("enrolled")),
        enrollmentCriteria=_criteria(again),
    )
    return Engine(
        load_flow(doc, source="triggers"),
        portal=hubspot,
        url=served.url,
        runner=None,  # type: ignore[arg-type]  # no custom code in this flow
        code_cache=tmp_path,
    )


def test_matching_records_enroll_once(hubspot: Any, tmp_path: Path) -> None:
    new = [
        hubspot.create("contacts", {"email": f"{i}@x.com", "hs_lead_status": "NEW"})
        for i in range(3)
    ]
    hubspot.create("contacts", {"email": "open@x.com", "hs_lead_status": "OPEN"})
    with attach_memory(hubspot) as served:
        engine = _engine(hubspot, tmp_path, again=False, served=served)
        report = enroll_matching(engine)
        assert sorted(e.object_id for e in report.enrolled) == sorted(c.id for c in new)
        assert report.checked == 4
        # Still enrolled (in the delay): not enrolled again.
        engine.run(until=3600)
        second = enroll_matching(engine)
        assert second.enrolled == [] and {r for _, r in second.skipped} == {"still enrolled"}
        engine.run()
        assert all(e.status == "COMPLETED" for e in engine.enrollments.values())
        # Finished, but the flow does not re-enroll.
        third = enroll_matching(engine)
        assert third.enrolled == []
        assert {r for _, r in third.skipped} == {"enrolled before and the flow does not re-enroll"}


def test_re_enrollment_when_the_flow_allows_it(hubspot: Any, tmp_path: Path) -> None:
    c = hubspot.create("contacts", {"email": "a@x.com", "hs_lead_status": "NEW"})
    with attach_memory(hubspot) as served:
        engine = _engine(hubspot, tmp_path, again=True, served=served)
        assert len(enroll_matching(engine).enrolled) == 1
        engine.run()
        again = enroll_matching(engine)
        assert [e.object_id for e in again.enrolled] == [c.id]


def test_flows_without_list_based_criteria_are_refused(hubspot: Any, tmp_path: Path) -> None:
    import pytest

    from runtime.errors import WorkflowError

    doc = flow(set_prop("1", "firstname", static("x")), enrollmentCriteria={"type": "MANUAL"})
    engine = Engine(load_flow(doc, source="m"), portal=hubspot, url="http://127.0.0.1:9",
                    runner=None, code_cache=tmp_path)  # type: ignore[arg-type]  # fmt: skip
    with pytest.raises(WorkflowError, match="LIST_BASED"):
        enroll_matching(engine)


def test_a_record_waiting_from_an_earlier_command_is_still_enrolled(
    hubspot: Any, tmp_path: Path
) -> None:
    c = hubspot.create("contacts", {"email": "a@x.com", "hs_lead_status": "NEW"})
    with attach_memory(hubspot) as served:
        first = _engine(hubspot, tmp_path, again=True, served=served)
        enroll_matching(first)
        [waiting] = first.run(until=3600)  # in the delay: resumable later
        assert waiting.status == "WAITING" and waiting.resumable
        later = _engine(hubspot, tmp_path, again=True, served=served)
        report = enroll_matching(later, earlier=[waiting])
        assert report.enrolled == [] and report.skipped == [(c.id, "still enrolled")]
