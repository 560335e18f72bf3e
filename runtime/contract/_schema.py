"""The pydantic models behind the manifest and the event: the reference validation.

:class:`~runtime.contract.manifest.Manifest` and :class:`~runtime.contract.event.Event` are
plain classes that check the common, well-formed shapes themselves (importing pydantic and
building these models costs a one-shot ``hsrun invoke`` ~100 ms, most of its parent's time).
Whatever they cannot vouch for at a glance (a wrong type, an unknown key, a rule broken, a
value pydantic would coerce) comes here, so every error and every coercion is pydantic's,
worded as it always was. The rules themselves (object types, names, enumeration options) are
functions in ``manifest.py`` that both paths call: one source of truth.

Imported only on that slow path; the plain classes never import pydantic otherwise.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from runtime.contract import manifest as rules
from runtime.contract.manifest import OutputType


class OutputSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: OutputType
    options: tuple[str, ...] = ()


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    runtime: str = "PYTHON39"
    object_type: str = "CONTACT"
    secrets: tuple[str, ...] = ()
    inputs: dict[str, str] = Field(default_factory=dict)
    outputs: dict[str, OutputSpec] = Field(default_factory=dict)
    allow_hosts: tuple[str, ...] = ()

    @field_validator("runtime")
    @classmethod
    def _known_runtime(cls, value: str) -> str:
        return rules.known_runtime(value)

    @field_validator("object_type")
    @classmethod
    def _known_object_type(cls, value: str) -> str:
        return rules.known_object_type(value)

    @field_validator("secrets")
    @classmethod
    def _secret_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return rules.secret_names(value)

    @field_validator("inputs")
    @classmethod
    def _input_names(cls, value: dict[str, str]) -> dict[str, str]:
        return rules.input_names(value)

    @field_validator("outputs", mode="before")
    @classmethod
    def _short_output_form(cls, value: Any) -> Any:
        return rules.short_output_form(value)

    @field_validator("outputs")
    @classmethod
    def _enumeration_options(cls, value: dict[str, OutputSpec]) -> dict[str, OutputSpec]:
        return rules.enumeration_options(value)


class Origin(BaseModel):
    model_config = ConfigDict(extra="allow")

    portalId: int
    actionDefinitionId: int = 1


class EnrolledObject(BaseModel):
    model_config = ConfigDict(extra="allow")

    objectType: str = "CONTACT"
    objectId: int


class Event(BaseModel):
    model_config = ConfigDict(extra="allow")

    origin: Origin
    object: EnrolledObject
    inputFields: dict[str, Any] = Field(default_factory=dict)
    callbackId: str
