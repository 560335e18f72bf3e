"""The action manifest: a TOML file beside the action declaring what HubSpot's editor would.

``actions/archive_contact.py`` has ``actions/archive_contact.toml``::

    runtime = "PYTHON39"          # default from the file extension
    object_type = "CONTACT"       # type of the enrolled object
    secrets = ["TEST_SECRET"]     # only these reach the action's environment
    allow_hosts = ["api.example.com"]   # outbound hosts besides HubSpot's

    [inputs]                      # variable name = property of the enrolled object
    email = "email"

    [outputs]                     # name = type
    archived = "bool"
    tier = { type = "enumeration", options = ["gold", "silver"] }

The manifest is optional. Unknown keys are errors, so a typo never silently does nothing.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from runtime.contract.limits import DEFAULT_RUNTIME_BY_SUFFIX, MAX_INPUTS, RUNTIMES
from runtime.contract.object_types import ENROLLABLE_LABELS, find, is_custom_type_id
from runtime.errors import ActionNotFoundError, ManifestError

OutputType = Literal["string", "number", "bool", "datetime", "date", "enumeration", "phone_number"]
OUTPUT_TYPES: tuple[str, ...] = OutputType.__args__  # type: ignore[attr-defined]

#: Object types a workflow can enroll (HubSpot's names as in ``event.object.objectType``).
OBJECT_TYPES = ENROLLABLE_LABELS

#: Environment-variable-safe: letters, digits, underscore, not starting with a digit.
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\Z")
NAME_RULE = "letters, digits and underscores, not starting with a digit"


class OutputSpec(BaseModel):
    """One declared data output."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: OutputType
    options: tuple[str, ...] = ()

    def api_type(self) -> str:
        """The spelling used by the Workflows v4 API (``STRING``, ``BOOL``, ...)."""
        return self.type.upper()


class Manifest(BaseModel):
    """What HubSpot's action editor holds besides the source code."""

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
        if value not in RUNTIMES:
            raise ValueError(f"expected one of {', '.join(RUNTIMES)}, got {value!r}")
        return value

    @field_validator("object_type")
    @classmethod
    def _known_object_type(cls, value: str) -> str:
        # The label as HubSpot's editor and event spell it (``LINE_ITEM``), any case; a custom
        # object by its type id. A plural or a type id of a standard type gets a hint.
        if is_custom_type_id(value):
            return value.strip()
        upper = value.strip().upper()
        if upper in OBJECT_TYPES:
            return upper
        known = find(value)
        if known is not None and known.enrollable:
            hint = f" (did you mean {known.label!r}?)"
        elif known is not None:
            hint = f" (workflows cannot enroll {known.name})"
        else:
            hint = ""
        raise ValueError(
            f"expected one of {', '.join(OBJECT_TYPES)} or a custom object id like "
            f"'2-1234567', got {value!r}{hint}"
        )

    @field_validator("secrets")
    @classmethod
    def _secret_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for name in value:
            if not NAME_RE.match(name):
                raise ValueError(f"secret name {name!r} is not allowed: use {NAME_RULE}")
        if len(set(value)) != len(value):
            raise ValueError("a secret is listed twice")
        return value

    @field_validator("inputs")
    @classmethod
    def _input_names(cls, value: dict[str, str]) -> dict[str, str]:
        if len(value) > MAX_INPUTS:
            raise ValueError(f"{len(value)} inputs; HubSpot allows at most {MAX_INPUTS}")
        for name in value:
            if not NAME_RE.match(name):
                raise ValueError(f"input name {name!r} is not allowed: use {NAME_RULE}")
        return value

    @field_validator("outputs", mode="before")
    @classmethod
    def _short_output_form(cls, value: Any) -> Any:
        # `name = "string"` is shorthand for `name = { type = "string" }`.
        if isinstance(value, dict):
            return {k: {"type": v} if isinstance(v, str) else v for k, v in value.items()}
        return value

    @field_validator("outputs")
    @classmethod
    def _enumeration_options(cls, value: dict[str, OutputSpec]) -> dict[str, OutputSpec]:
        for name, spec in value.items():
            if spec.type == "enumeration" and not spec.options:
                raise ValueError(f"output {name!r} is an enumeration without options")
            if spec.type != "enumeration" and spec.options:
                raise ValueError(f"output {name!r} has options but is not an enumeration")
        return value


class ActionManifest(BaseModel):
    """An action file with its (possibly defaulted) manifest."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    source_path: Path
    manifest_path: Path | None
    manifest: Manifest

    @property
    def name(self) -> str:
        return self.source_path.stem

    @property
    def is_python(self) -> bool:
        return self.manifest.runtime.startswith("PYTHON")


def manifest_path_for(source: Path) -> Path:
    return source.with_suffix(".toml")


def load_manifest(path: Path, *, source_suffix: str = ".py") -> Manifest:
    """Parse and validate one manifest file; errors name the file, the key and the rule."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(str(path), [f"not valid TOML: {exc}"]) from exc
    except UnicodeDecodeError as exc:
        raise ManifestError(str(path), ["not UTF-8 text"]) from exc
    except RecursionError:
        raise ManifestError(str(path), ["nested too deeply to be a manifest"]) from None
    except OSError as exc:
        raise ManifestError(str(path), [f"cannot be read: {exc.strerror}"]) from exc
    data.setdefault("runtime", DEFAULT_RUNTIME_BY_SUFFIX.get(source_suffix, "PYTHON39"))
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        raise ManifestError(str(path), [_describe(err) for err in exc.errors()]) from exc


def _describe(err: Any) -> str:
    key = ".".join(str(p) for p in err["loc"]) or "(top level)"
    if err["type"] == "extra_forbidden":
        return f"key '{key}': unknown key"
    if err["type"] == "literal_error":
        return f"key '{key}': expected one of {'|'.join(OUTPUT_TYPES)}, got {err['input']!r}"
    msg = str(err["msg"]).removeprefix("Value error, ")
    return f"key '{key}': {msg}"


def load_action(source: Path | str) -> ActionManifest:
    """Find an action and its manifest; a missing manifest means HubSpot's defaults."""
    path = Path(source)
    alternatives = [path.with_suffix(sfx) for sfx in DEFAULT_RUNTIME_BY_SUFFIX]
    hint = next((f" (did you mean {alt}?)" for alt in alternatives if alt.is_file()), "")
    if path.is_dir():
        raise ActionNotFoundError(
            f"{path} is a folder: name one action file (hsrun check takes folders)"
        )
    if not path.is_file():
        raise ActionNotFoundError(f"action file not found: {path}{hint}")
    if path.suffix not in DEFAULT_RUNTIME_BY_SUFFIX:
        raise ActionNotFoundError(f"{path} is not an action: an action is a .py or .js file{hint}")
    try:
        os.fsencode(str(path)).decode("utf-8")
    except UnicodeDecodeError:
        raise ActionNotFoundError(
            f"{str(path)!r}: the file name is not UTF-8; rename it (HubSpot names actions in UTF-8)"
        ) from None
    if path.is_symlink() and path.resolve().suffix != path.suffix:
        raise ActionNotFoundError(
            f"{path} is a link to {path.resolve()}, which is not a {path.suffix} file"
        )
    mpath = manifest_path_for(path)
    if os.path.lexists(mpath) and not mpath.is_file():
        # A folder, a FIFO or a device (/dev/zero) is never read: reading could block or
        # never end.
        raise ManifestError(str(mpath), ["not a regular file: a manifest is a .toml file"])
    if mpath.is_file():
        manifest = load_manifest(mpath, source_suffix=path.suffix)
        return ActionManifest(source_path=path, manifest_path=mpath, manifest=manifest)
    manifest = Manifest(runtime=DEFAULT_RUNTIME_BY_SUFFIX.get(path.suffix, "PYTHON39"))
    return ActionManifest(source_path=path, manifest_path=None, manifest=manifest)


def undeclared_input_warning(name: str, declared: Mapping[str, str]) -> str | None:
    """The warning for ``--input NAME=...`` when the manifest declares inputs but not NAME,
    with the closest declared name (a typo is the usual cause), or None when it is declared
    or the manifest declares none."""
    if not declared or name in declared:
        return None
    import difflib

    close = difflib.get_close_matches(name, list(declared), n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return (
        f"--input {name} is not declared under [inputs] in the manifest{hint}; "
        "HubSpot only passes the properties chosen in the action's editor"
    )
