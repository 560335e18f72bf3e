"""Pipelines v3 writes: pipelines and stages created, changed and archived, and records put in
the new stages (the pipeline and stage properties accept what the portal's pipelines hold)."""

from __future__ import annotations

from typing import Any

from hubspot.crm.pipelines import PipelineInput, PipelinePatchInput, PipelineStageInput

from runtime.fake_hubspot import FakePortal, PortalFile

BASE = "/crm/v3/pipelines/deals"


def _stage(label: str, probability: str, order: int = 0) -> dict[str, Any]:
    return {"label": label, "displayOrder": order, "metadata": {"probability": probability}}


def test_a_new_deal_pipeline_takes_deals_in_its_stages(api: Any, client: Any, app: Any) -> None:
    pipelines = client.crm.pipelines.pipelines_api
    created = pipelines.create(
        "deals",
        PipelineInput(
            label="Renewals",
            display_order=1,
            stages=[_stage("Due", "0.5", 0), _stage("Renewed", "1.0", 1)],
        ),
    )
    assert created.id.isdigit() and created.label == "Renewals" and not created.archived
    due, renewed = created.stages
    assert (due.label, due.metadata, renewed.metadata["isClosed"]) == (
        "Due",
        {"probability": "0.5", "isClosed": "false"},
        "true",
    )
    listed = [p.label for p in pipelines.get_all("deals").results]
    assert listed == ["Sales Pipeline", "Renewals"]
    deal = api.call(
        "POST",
        "/crm/v3/objects/deals",
        app,
        json={"properties": {"dealname": "Acme", "pipeline": created.id, "dealstage": due.id}},
    )
    assert deal.status_code == 201, deal.text
    stage = client.crm.pipelines.pipeline_stages_api.create(
        "deals",
        created.id,
        PipelineStageInput(label="Lost", display_order=2, metadata={"probability": "0.0"}),
    )
    moved = api.call(
        "PATCH",
        f"/crm/v3/objects/deals/{deal.json()['id']}",
        app,
        json={"properties": {"dealstage": stage.id}},
    )
    assert moved.status_code == 200
    unknown = api.call(
        "POST",
        "/crm/v3/objects/deals",
        app,
        json={"properties": {"dealname": "X", "dealstage": "no-such-stage"}},
    )
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["code"] == "INVALID_OPTION"


def test_pipeline_validation_is_hubspot_shaped(api: Any, app: Any) -> None:
    def post(body: dict[str, Any], path: str = BASE) -> Any:
        return api.call("POST", path, app, json=body)

    assert post({"label": "No stages", "displayOrder": 0, "stages": []}).status_code == 400
    no_probability = post(
        {"label": "P", "displayOrder": 0, "stages": [{"label": "S", "displayOrder": 0}]}
    )
    assert no_probability.status_code == 400
    assert "probability" in no_probability.json()["message"]
    duplicate = post({"label": "Sales Pipeline", "displayOrder": 0, "stages": [_stage("A", "0.1")]})
    assert duplicate.status_code == 400 and "already exists" in duplicate.json()["message"]
    ticket = post(
        {"label": "T", "displayOrder": 0, "stages": [{"label": "Open", "metadata": {}}]},
        "/crm/v3/pipelines/tickets",
    )
    assert ticket.status_code == 400 and "ticketState" in ticket.json()["message"]
    assert api.call("GET", f"{BASE}/424242", app).status_code == 404


def test_patch_put_and_archive(api: Any, client: Any, app: Any) -> None:
    pipelines = client.crm.pipelines.pipelines_api
    made = pipelines.create(
        "deals",
        PipelineInput(
            label="Upsell", display_order=2, stages=[_stage("Open", "0.3"), _stage("Won", "1.0", 1)]
        ),
    )
    renamed = pipelines.update("deals", made.id, PipelinePatchInput(label="Upsell 2026"))
    assert renamed.label == "Upsell 2026" and [s.label for s in renamed.stages] == ["Open", "Won"]
    kept = {s.label: s.id for s in renamed.stages}
    replaced = pipelines.replace(
        "deals",
        made.id,
        PipelineInput(
            label="Upsell", display_order=2, stages=[_stage("Won", "1.0"), _stage("Lost", "0.0", 1)]
        ),
    )
    ids = {s.label: s.id for s in replaced.stages}
    assert ids["Won"] == kept["Won"] and ids["Lost"] not in kept.values()
    deal = api.portal.create(
        "deals", {"dealname": "D", "pipeline": made.id, "dealstage": ids["Won"]}
    )
    refused = api.call("DELETE", f"{BASE}/{made.id}?validateReferencesBeforeDelete=true", app)
    assert refused.status_code == 400 and "used by 1 deals" in refused.json()["message"]
    stage_path = f"{BASE}/{made.id}/stages/{ids['Lost']}"
    assert api.call("DELETE", stage_path, app).status_code == 204
    assert api.call("GET", stage_path, app).status_code == 404
    assert api.call("DELETE", f"{BASE}/{made.id}", app).status_code == 204
    assert [p.label for p in pipelines.get_all("deals").results] == ["Sales Pipeline"]
    assert api.portal.get("deals", deal.id)["pipeline"] == made.id  # records keep their values


def test_pipelines_survive_the_store() -> None:
    from runtime.config import get_settings

    store = PortalFile(get_settings())
    portal, _ = store.load()
    app = portal.private_app("p", ["crm.objects.deals.write", "crm.objects.deals.read"])
    portal.rate_limits.enabled = False
    made = portal.request(
        "POST",
        BASE,
        token=app.token,
        json={"label": "Kept", "displayOrder": 1, "stages": [_stage("One", "0.1")]},
    ).json()
    store.close(portal)
    again, _ = store.load()
    try:
        labels = [p["label"] for p in again.request("GET", BASE, token=app.token).json()["results"]]
        assert labels == ["Sales Pipeline", "Kept"]
        assert (
            again.create("deals", {"dealname": "x", "pipeline": made["id"]})["pipeline"]
            == made["id"]
        )
    finally:
        store.close(again)
    assert FakePortal().backends["pipelines"].to_state().keys() == {"deals/default", "tickets/0"}
