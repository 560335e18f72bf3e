"""Pipelines and their stages: state and HubSpot's rules (pipelines v3). No HTTP here.

Every portal starts with HubSpot's default pipelines (:func:`default_pipelines`); pipelines
and stages can be created, updated (``PATCH``: the fields given), replaced (``PUT``: label,
order and stages; a stage whose label is kept keeps its id, the others are new) and archived.
Rules emulated (wordings UNCONFIRMED unless the reference gives them):

- a pipeline needs a ``label``, unique among the type's live pipelines, and ``stages``; a
  stage needs a ``label``, unique in its pipeline;
- a deal stage's ``metadata`` carries ``probability``, a number from 0.0 to 1.0; a ticket
  stage's carries ``ticketState``, ``OPEN`` or ``CLOSED``;
- ids are strings of digits, allocated by the portal;
- with ``validateReferencesBeforeDelete=true``, archiving a pipeline or stage that a live
  record is in is refused; without it, records keep their (now dangling) values, as on
  HubSpot;
- the pipeline and stage properties (``pipeline``/``dealstage`` on deals, ``hs_pipeline``/
  ``hs_pipeline_stage`` elsewhere) accept the ids of the type's live pipelines and stages
  (:meth:`PipelinesBackend.options`), so a record can be put in a new stage.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from runtime.fake_hubspot.core.clock import iso_ms
from runtime.fake_hubspot.core.errors import ObjectNotFound, ValidationError
from runtime.fake_hubspot.core.object_types import ObjectType

if TYPE_CHECKING:
    from runtime.fake_hubspot.portal import FakePortal

#: A fixed creation time: the default pipelines exist before any record.
CREATED = "2020-01-01T00:00:00.000Z"
#: New pipeline and stage ids start above HubSpot's default ones.
ID_BASE = 100_000_000

_DEAL_STAGES = (
    ("appointmentscheduled", "Appointment Scheduled", "0.2", False),
    ("qualifiedtobuy", "Qualified To Buy", "0.4", False),
    ("presentationscheduled", "Presentation Scheduled", "0.6", False),
    ("decisionmakerboughtin", "Decision Maker Bought-In", "0.8", False),
    ("contractsent", "Contract Sent", "0.9", False),
    ("closedwon", "Closed Won", "1.0", True),
    ("closedlost", "Closed Lost", "0.0", True),
)
_TICKET_STAGES = (
    ("1", "New", "OPEN"),
    ("2", "Waiting on contact", "OPEN"),
    ("3", "Waiting on us", "OPEN"),
    ("4", "Closed", "CLOSED"),
)


def _stage(
    stage_id: str, label: str, order: int, metadata: dict[str, str], when: str = CREATED
) -> dict[str, Any]:
    return {
        "id": stage_id,
        "label": label,
        "displayOrder": order,
        "metadata": metadata,
        "createdAt": when,
        "updatedAt": when,
        "archived": False,
        "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
    }


def _pipeline(
    pipeline_id: str, label: str, order: int, stages: list[dict[str, Any]], when: str = CREATED
) -> dict[str, Any]:
    return {
        "id": pipeline_id,
        "label": label,
        "displayOrder": order,
        "stages": stages,
        "createdAt": when,
        "updatedAt": when,
        "archived": False,
    }


def default_pipelines() -> dict[str, list[dict[str, Any]]]:
    """HubSpot's default pipelines: deals' "Sales Pipeline" (id ``default``) and tickets'
    "Support Pipeline" (id ``0``)."""
    deal_stages = [
        _stage(i, label, n, {"probability": p, "isClosed": str(closed).lower()})
        for n, (i, label, p, closed) in enumerate(_DEAL_STAGES)
    ]
    ticket_stages = [
        _stage(i, label, n, {"ticketState": state})
        for n, (i, label, state) in enumerate(_TICKET_STAGES)
    ]
    return {
        "deals": [_pipeline("default", "Sales Pipeline", 0, deal_stages)],
        "tickets": [_pipeline("0", "Support Pipeline", 0, ticket_stages)],
    }


def property_names(type_name: str) -> tuple[str, str]:
    """The (pipeline, stage) properties of a type's records."""
    return (
        ("pipeline", "dealstage") if type_name == "deals" else ("hs_pipeline", "hs_pipeline_stage")
    )


class PipelinesBackend:
    """The pipelines of every object type of one portal."""

    def __init__(self, portal: FakePortal) -> None:
        self.portal = portal
        self.pipelines: dict[str, list[dict[str, Any]]] = {}
        self.reset()

    def reset(self) -> None:
        self.pipelines = default_pipelines()

    # -- reading ----------------------------------------------------------------------------

    def live(self, object_type: ObjectType) -> list[dict[str, Any]]:
        """The type's live pipelines, each with its live stages, in display order."""
        out = []
        for pipeline in self.pipelines.get(object_type.name, []):
            if pipeline["archived"]:
                continue
            shown = dict(pipeline)
            shown["stages"] = _ordered([s for s in pipeline["stages"] if not s["archived"]])
            out.append(shown)
        return _ordered(out)

    def get(self, object_type: ObjectType, pipeline_id: str) -> dict[str, Any]:
        """A live pipeline (its live stages).

        Raises:
            ObjectNotFound: no such live pipeline.
        """
        for pipeline in self.live(object_type):
            if pipeline["id"] == pipeline_id:
                return pipeline
        # UNCONFIRMED wording of the pipelines 404.
        raise ObjectNotFound(
            f"Unable to find pipeline {pipeline_id} for object type {object_type.type_id}"
        )

    def stage(self, object_type: ObjectType, pipeline_id: str, stage_id: str) -> dict[str, Any]:
        """A live stage of a live pipeline.

        Raises:
            ObjectNotFound: no such pipeline or stage.
        """
        stages: list[dict[str, Any]] = self.get(object_type, pipeline_id)["stages"]
        for stage in stages:
            if stage["id"] == stage_id:
                return stage
        raise ObjectNotFound(f"Unable to find stage {stage_id} in pipeline {pipeline_id}")

    def options(self, object_type: ObjectType, name: str) -> tuple[str, ...] | None:
        """The values a pipeline or stage property accepts now (``None``: not such a
        property, or a type without pipelines here)."""
        if object_type.name not in self.pipelines:
            return None
        pipeline_prop, stage_prop = property_names(object_type.name)
        live = self.live(object_type)
        if name == pipeline_prop:
            return tuple(p["id"] for p in live)
        if name == stage_prop:
            return tuple(s["id"] for p in live for s in p["stages"])
        return None

    # -- writing ----------------------------------------------------------------------------

    def _stored(self, object_type: ObjectType, pipeline_id: str) -> dict[str, Any]:
        self.get(object_type, pipeline_id)  # 404 unless live
        return next(p for p in self.pipelines[object_type.name] if p["id"] == pipeline_id)

    def _new_id(self) -> str:
        return str(ID_BASE + self.portal.allocate_id("pipelines"))

    def _stage_from(
        self, object_type: ObjectType, raw: dict[str, Any], now: str, stage_id: str | None
    ) -> dict[str, Any]:
        label = _label(raw, "stage")
        metadata = raw.get("metadata") or {}
        if not isinstance(metadata, dict):
            raise ValidationError("Invalid input JSON: metadata must be an object")
        metadata = {str(k): str(v) for k, v in metadata.items()}
        _check_metadata(object_type, label, metadata)
        order = _order(raw)
        return _stage(stage_id or self._new_id(), label, order, metadata, now)

    def create(self, object_type: ObjectType, raw: dict[str, Any]) -> dict[str, Any]:
        """Create a pipeline from a ``PipelineInput``.

        Raises:
            ValidationError: a missing or duplicate label, no stages, bad stage metadata.
        """
        now = iso_ms(self.portal.now_ms())
        label = _label(raw, "pipeline")
        self._unique_label(object_type, label, None)
        stages = self._stages(object_type, raw, now, {})
        pipeline = _pipeline(self._new_id(), label, _order(raw), stages, now)
        self.pipelines.setdefault(object_type.name, []).append(pipeline)
        return self.get(object_type, pipeline["id"])

    def _stages(
        self, object_type: ObjectType, raw: dict[str, Any], now: str, keep: dict[str, str]
    ) -> list[dict[str, Any]]:
        items = raw.get("stages")
        if not isinstance(items, list) or not items:
            raise ValidationError(
                "Invalid input JSON: some of required attributes are not set [stages]"
            )
        stages: list[dict[str, Any]] = []
        for item in items:
            if not isinstance(item, dict):
                raise ValidationError("Invalid input JSON: each stage must be an object")
            label = _label(item, "stage")
            if any(s["label"] == label for s in stages):
                raise ValidationError(f"A stage with label '{label}' appears twice")
            stages.append(self._stage_from(object_type, item, now, keep.get(label)))
        return stages

    def _unique_label(self, object_type: ObjectType, label: str, own: str | None) -> None:
        for pipeline in self.live(object_type):
            if pipeline["label"] == label and pipeline["id"] != own:
                raise ValidationError(f"A pipeline with label '{label}' already exists")

    def update(self, object_type: ObjectType, pipeline_id: str, raw: dict[str, Any]) -> None:
        """``PipelinePatchInput``: ``label``, ``displayOrder``, ``archived`` as given."""
        pipeline = self._stored(object_type, pipeline_id)
        if "label" in raw:
            label = _label(raw, "pipeline")
            self._unique_label(object_type, label, pipeline_id)
            pipeline["label"] = label
        if "displayOrder" in raw:
            pipeline["displayOrder"] = _order(raw)
        if raw.get("archived") is True:
            self.archive(object_type, pipeline_id, check_references=False)
        pipeline["updatedAt"] = iso_ms(self.portal.now_ms())

    def replace(self, object_type: ObjectType, pipeline_id: str, raw: dict[str, Any]) -> None:
        """``PipelineInput`` over an existing pipeline: its label, order and stages."""
        pipeline = self._stored(object_type, pipeline_id)
        now = iso_ms(self.portal.now_ms())
        label = _label(raw, "pipeline")
        self._unique_label(object_type, label, pipeline_id)
        keep = {s["label"]: s["id"] for s in pipeline["stages"] if not s["archived"]}
        stages = self._stages(object_type, raw, now, keep)
        pipeline.update(label=label, displayOrder=_order(raw), stages=stages, updatedAt=now)

    def archive(self, object_type: ObjectType, pipeline_id: str, *, check_references: bool) -> None:
        """Archive a pipeline.

        Raises:
            ObjectNotFound: no such live pipeline. ValidationError: records are in it and
                ``check_references`` asks to refuse that.
        """
        pipeline = self._stored(object_type, pipeline_id)
        if check_references:
            self._refuse_if_used(object_type, 0, pipeline_id)
        now = iso_ms(self.portal.now_ms())
        pipeline.update(archived=True, archivedAt=now, updatedAt=now)

    def create_stage(
        self, object_type: ObjectType, pipeline_id: str, raw: dict[str, Any]
    ) -> dict[str, Any]:
        """Add a stage (``PipelineStageInput``) to a pipeline."""
        pipeline = self._stored(object_type, pipeline_id)
        label = _label(raw, "stage")
        if any(s["label"] == label and not s["archived"] for s in pipeline["stages"]):
            raise ValidationError(f"A stage with label '{label}' already exists in {pipeline_id}")
        now = iso_ms(self.portal.now_ms())
        stage = self._stage_from(object_type, raw, now, None)
        pipeline["stages"].append(stage)
        pipeline["updatedAt"] = now
        return stage

    def _stored_stage(
        self, object_type: ObjectType, pipeline_id: str, stage_id: str
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        self.stage(object_type, pipeline_id, stage_id)  # 404 unless live
        pipeline = self._stored(object_type, pipeline_id)
        return pipeline, next(s for s in pipeline["stages"] if s["id"] == stage_id)

    def update_stage(
        self,
        object_type: ObjectType,
        pipeline_id: str,
        stage_id: str,
        raw: dict[str, Any],
        *,
        replace: bool,
    ) -> dict[str, Any]:
        """``PATCH`` (the fields given) or ``PUT`` (``label``, ``displayOrder``,
        ``metadata``) of a stage."""
        pipeline, stage = self._stored_stage(object_type, pipeline_id, stage_id)
        merged = {} if replace else {k: stage[k] for k in ("label", "displayOrder", "metadata")}
        merged.update({k: v for k, v in raw.items() if k in ("label", "displayOrder", "metadata")})
        now = iso_ms(self.portal.now_ms())
        fresh = self._stage_from(object_type, merged, now, stage_id)
        if any(
            s["label"] == fresh["label"] and s["id"] != stage_id and not s["archived"]
            for s in pipeline["stages"]
        ):
            raise ValidationError(f"A stage with label '{fresh['label']}' already exists")
        stage.update(
            label=fresh["label"],
            displayOrder=fresh["displayOrder"],
            metadata=fresh["metadata"],
            updatedAt=now,
        )
        if raw.get("archived") is True:
            self.archive_stage(object_type, pipeline_id, stage_id, check_references=False)
        pipeline["updatedAt"] = now
        return stage

    def archive_stage(
        self, object_type: ObjectType, pipeline_id: str, stage_id: str, *, check_references: bool
    ) -> None:
        """Archive a stage (refused when records are in it and ``check_references``)."""
        pipeline, stage = self._stored_stage(object_type, pipeline_id, stage_id)
        if check_references:
            self._refuse_if_used(object_type, 1, stage_id)
        now = iso_ms(self.portal.now_ms())
        stage.update(archived=True, archivedAt=now, updatedAt=now)
        pipeline["updatedAt"] = now

    def _refuse_if_used(self, object_type: ObjectType, which: int, value: str) -> None:
        name = property_names(object_type.name)[which]
        store = self.portal.objects.store(object_type)
        used = sum(
            1 for r in store.records.values() if not r.archived and r.properties.get(name) == value
        )
        if used:
            what = "pipeline" if which == 0 else "stage"
            raise ValidationError(
                f"The {what} {value} is used by {used} {object_type.name}; move them first"
            )

    # -- state ----------------------------------------------------------------------------

    def to_state(self) -> dict[str, dict[str, Any]]:
        return {
            f"{type_name}/{p['id']}": copy.deepcopy(p)
            for type_name, pipelines in self.pipelines.items()
            for p in pipelines
        }

    def load_state(self, data: dict[str, Any]) -> None:
        self.reset()
        for key, raw in data.items():
            type_name, _, pipeline_id = key.partition("/")
            pipelines = self.pipelines.setdefault(type_name, [])
            pipelines[:] = [p for p in pipelines if p["id"] != pipeline_id]
            pipelines.append(copy.deepcopy(raw))


def _ordered(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda item: int(item.get("displayOrder") or 0))


def _label(raw: dict[str, Any], what: str) -> str:
    label = raw.get("label")
    if not isinstance(label, str) or not label.strip():
        raise ValidationError("Invalid input JSON: some of required attributes are not set [label]")
    return label


def _order(raw: dict[str, Any]) -> int:
    value = raw.get("displayOrder", 0)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError("Invalid input JSON: displayOrder must be an integer")
    return value


def _check_metadata(object_type: ObjectType, label: str, metadata: dict[str, str]) -> None:
    """Deal stages carry a probability, ticket stages a state (HubSpot's pipelines guide)."""
    if object_type.name == "deals":
        text = metadata.get("probability")
        try:
            probability = float(text) if text is not None else None
        except ValueError:
            probability = None
        if probability is None or not 0.0 <= probability <= 1.0:
            raise ValidationError(
                f"Deal stage '{label}' needs metadata.probability, a number from 0.0 to 1.0"
            )
        # Closed stages are the won (1.0) and lost (0.0) ones.
        metadata.setdefault("isClosed", str(probability in (0.0, 1.0)).lower())
    elif object_type.name == "tickets" and metadata.get("ticketState") not in ("OPEN", "CLOSED"):
        raise ValidationError(f"Ticket stage '{label}' needs metadata.ticketState, OPEN or CLOSED")
