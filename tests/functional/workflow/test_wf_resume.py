"""Enrollments that ``--until`` left WAITING go on later, on the same virtual clock."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from helpers import ROOT, hsrun
from wf_support import builtin, code, flow, set_prop, static

from runtime.config import get_settings
from runtime.errors import WorkflowError
from runtime.fake_hubspot import PortalFile
from runtime.workflow import Enrollment

#: Prints its callbackId (the same on every retry: HubSpot re-sends the event), then reads the
#: contact through the API: a 429 there makes HubSpot retry the action.
READS_CONTACT = """
import os
import requests

def main(event):
    print("callback", event["callbackId"])
    answer = requests.get("https://api.hubapi.com/crm/v3/objects/contacts/"
                          + str(event["object"]["objectId"]),
                          headers={"Authorization": "Bearer " + os.environ["TOKEN"]})
    answer.raise_for_status()
    return {"outputFields": {"name": answer.json()["properties"]["firstname"]}}
"""
#: The first 12 API calls get a 429: attempts 1-12 fail (the 12th 24.5 h after the first),
#: the 13th, 32.5 h after the first, gets through.
TWELVE_429S = ",".join(f"429@{n}" for n in range(1, 13))


def _retry_flow() -> dict[str, Any]:
    return flow(
        code("1", READS_CONTACT, outputs={"name": "STRING"}, secrets=["TOKEN"], nxt="2"),
        set_prop("2", "message", {"type": "FIELD_DATA", "actionId": "1", "dataKey": "name"}),
    )


def _story(e: Enrollment) -> list[tuple[Any, ...]]:
    """The steps as a user reads them, times relative to enrollment (records differ)."""
    return [
        (s.action_id, s.event,
         "" if s.event == "ENROLLED" else s.message.replace(f" on {e.object_id}", " on it"),
         round(s.at - e.enrolled_at, 3), s.details.get("attempt"))
        for s in e.steps
    ]  # fmt: skip


def _token(hubspot: Any) -> str:
    return str(hubspot.private_app("wf", scopes=["crm.objects.contacts.read"]).token)


def test_a_three_day_retry_story_split_in_two_ends_as_the_uninterrupted_one(
    hubspot: Any, run_workflow: Any
) -> None:
    secrets = {"TOKEN": _token(hubspot)}
    whole_c = hubspot.create("contacts", {"email": "whole@example.com", "firstname": "Ada"})
    split_c = hubspot.create("contacts", {"email": "split@example.com", "firstname": "Ada"})
    whole = run_workflow(_retry_flow(), object_id=whole_c.id, secrets=secrets, inject=TWELVE_429S)
    assert whole.status == "COMPLETED"
    assert whole.events("1") == ["RETRY_SCHEDULED"] * 12 + ["SUCCEEDED"]

    split = run_workflow(
        _retry_flow(), object_id=split_c.id, secrets=secrets, inject=TWELVE_429S, until="1d"
    )
    assert split.status == "WAITING" and split.current == "1"
    assert split.events("1") == ["RETRY_SCHEDULED"] * 11
    assert split.resume_at == split.enrolled_at + 88260  # attempt 12: 24.5 h after the first
    assert "message" not in hubspot.get("contacts", split_c.id).properties

    assert split.resume() is split
    assert split.status == "COMPLETED"
    assert _story(split) == _story(whole)
    assert split.path == whole.path == ["1", "2"]
    assert split.outputs == whole.outputs == {"1": {"name": "Ada"}}
    assert split.output_types == whole.output_types
    assert hubspot.get("contacts", split_c.id).properties["message"] == "Ada"
    # Every attempt, before and after the resume, was sent the very same event.
    logs = [s.details["logs"] for s in split.steps if s.action_id == "1" and "logs" in s.details]
    callbacks = {line.split("callback ")[1].split()[0] for line in logs}
    assert len(logs) == 13 and len(callbacks) == 1
    [succeeded] = [s for s in split.steps if s.event == "SUCCEEDED" and s.action_id == "1"]
    assert succeeded.details["attempt"] == 13


def test_a_delay_resumed_ends_when_the_delay_does(hubspot: Any, run_workflow: Any) -> None:
    c = hubspot.create("contacts", {"email": "ada@example.com"})
    doc = flow(
        set_prop("1", "firstname", static("before"), "2"),
        builtin("2", "0-1", {"delta": "3", "time_unit": "DAYS"}, "3"),
        set_prop("3", "firstname", static("after")),
    )
    e = run_workflow(doc, object_id=c.id, until="2h")
    assert e.status == "WAITING" and e.current == "3"
    assert e.resume_at == e.enrolled_at + 3 * 86400
    assert hubspot.get("contacts", c.id).properties["firstname"] == "before"

    e.resume(until="1d")  # the clock moves on one more day: still in the delay
    assert e.status == "WAITING" and e.resume_at == e.enrolled_at + 3 * 86400
    assert e.pending is not None and e.pending["clock"] == e.enrolled_at + 2 * 3600 + 86400

    e.resume()
    assert e.status == "COMPLETED" and e.path == ["1", "2", "3"]
    [last] = [s for s in e.steps if s.action_id == "3"]
    assert last.at == e.enrolled_at + 3 * 86400
    assert e.finished_at == last.at and e.pending is None
    assert hubspot.get("contacts", c.id).properties["firstname"] == "after"


def test_resuming_a_finished_enrollment_is_a_clear_error(hubspot: Any, run_workflow: Any) -> None:
    c = hubspot.create("contacts", {"email": "ada@example.com"})
    e = run_workflow(flow(set_prop("1", "firstname", static("x"))), object_id=c.id)
    assert e.status == "COMPLETED"
    with pytest.raises(WorkflowError, match=r"is COMPLETED: it has finished; only an enrollment"):
        e.resume()
    loose = Enrollment.from_dict(e.to_dict())  # read back from JSON: no fixture behind it
    with pytest.raises(WorkflowError, match="hsrun workflow resume"):
        loose.resume()


# -- through the CLI, with the journal in between --------------------------------------


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "flows").mkdir()
    shutil.copy(ROOT / "flows" / "lead_routing.json", tmp_path / "flows")
    shutil.copytree(ROOT / "actions", tmp_path / "actions")
    (tmp_path / "flows" / "retry.json").write_text(json.dumps(_retry_flow()))
    monkeypatch.chdir(tmp_path)
    assert hsrun("portal", "seed", "--demo")[0] == 0
    code_, _, err = hsrun(
        "portal", "apps", "create", "reader", "--scopes", "crm.objects.contacts.read",
        "--save-secret", "TOKEN",
    )  # fmt: skip
    assert code_ == 0, err
    return tmp_path


def _contacts() -> list[str]:
    """Two demo contacts with the same first name (the story's output)."""
    portal, _ = PortalFile(get_settings()).load()
    ids = [c.id for c in portal.records("contacts")][:2]
    for record_id in ids:
        portal.update("contacts", record_id, {"firstname": "Ada"})
    PortalFile(get_settings()).save(portal)
    return ids


def _enrollment(out: str) -> dict[str, Any]:
    [found] = json.loads(out)
    return dict(found)


def test_the_retry_story_split_across_two_commands(project: Path) -> None:
    first, second = _contacts()[:2]
    code_, out, err = hsrun(
        "workflow", "run", "flows/retry.json", "--object-id", first, "--inject", TWELVE_429S,
        "--json",
    )  # fmt: skip
    assert code_ == 0, err
    whole = Enrollment.from_dict(_enrollment(out))

    code_, out, err = hsrun(
        "workflow", "run", "flows/retry.json", "--object-id", second, "--inject", TWELVE_429S,
        "--until", "1d", "--json",
    )  # fmt: skip
    assert code_ == 0, err
    waiting = _enrollment(out)
    assert waiting["status"] == "WAITING"
    # A new command: the portal answers 429 once more (the 12th attempt), then lets it by.
    code_, out, err = hsrun("workflow", "resume", "--inject", "429@1", "--json")
    assert code_ == 0, err
    resumed = Enrollment.from_dict(_enrollment(out))
    assert resumed.id == waiting["id"] and resumed.status == "COMPLETED"
    assert _story(resumed) == _story(whole)
    code_, out, _ = hsrun("workflow", "show", resumed.id, "--json")
    assert json.loads(out)["status"] == "COMPLETED"


def test_resume_by_id_and_what_it_refuses(project: Path) -> None:
    contact = _contacts()[0]
    code_, out, err = hsrun(
        "workflow", "run", "flows/lead_routing.json", "--object-id", contact, "--until", "2h",
        "--json",
    )  # fmt: skip
    assert code_ == 0, err
    waiting = _enrollment(out)
    assert waiting["status"] == "WAITING" and waiting["current"] == "7"  # after the 1-day delay
    code_, out, err = hsrun("workflow", "resume", waiting["id"][:8])
    assert code_ == 0, err
    assert "COMPLETED" in out and "9. Set property (message)" in out
    code_, _, err = hsrun("workflow", "resume", waiting["id"])
    assert code_ == 2
    assert "is COMPLETED: it has finished; only an enrollment left WAITING" in err
    code_, _, err = hsrun("workflow", "resume")
    assert code_ == 0 and "No WAITING enrollments to resume" in err


def test_ctrl_c_before_a_resumed_enrollment_moved_leaves_it_waiting(hubspot: Any) -> None:
    from runtime.fake_hubspot import attach_memory
    from runtime.invoke import Runner
    from runtime.workflow import load_flow, resume_workflow, run_workflow

    c = hubspot.create("contacts", {"email": "ada@example.com"})
    doc = load_flow(
        flow(
            builtin("1", "0-1", {"delta": "1", "time_unit": "DAYS"}, "2"),
            set_prop("2", "firstname", static("after")),
        ),
        source="the test's flow",
    )
    with attach_memory(hubspot) as served, Runner() as runner:
        parts = {"portal": hubspot, "url": served.url, "code_cache": Path("unused")}
        [e] = run_workflow(doc, runner=runner, object_ids=[c.id], until_s=3600, **parts)
        assert e.status == "WAITING"
        runner.interrupt()  # Ctrl-C, before the resumed enrollment's time came
        resume_workflow(doc, [e], runner=runner, **parts)
        assert e.status == "WAITING" and e.resumable and e.current == "2"
        with Runner() as fresh:
            resume_workflow(doc, [e], runner=fresh, **parts)
    assert e.status == "COMPLETED"
    assert hubspot.get("contacts", c.id).properties["firstname"] == "after"
