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
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

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

# -- the rules -----------------------------------------------------------------------------
# Each takes a value of the right type and returns it (normalised) or raises ValueError with
# the message a user reads after "key '<name>': ". The plain classes below and the pydantic
# models in ``_schema.py`` both call them.


def known_runtime(value: str) -> str:
    if value not in RUNTIMES:
        raise ValueError(f"expected one of {', '.join(RUNTIMES)}, got {value!r}")
    return value


def known_object_type(value: str) -> str:
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


def secret_names(value: tuple[str, ...]) -> tuple[str, ...]:
    for name in value:
        if not NAME_RE.match(name):
            raise ValueError(f"secret name {name!r} is not allowed: use {NAME_RULE}")
    if len(set(value)) != len(value):
        raise ValueError("a secret is listed twice")
    return value


def input_names(value: dict[str, str]) -> dict[str, str]:
    if len(value) > MAX_INPUTS:
        raise ValueError(f"{len(value)} inputs; HubSpot allows at most {MAX_INPUTS}")
    for name in value:
        if not NAME_RE.match(name):
            raise ValueError(f"input name {name!r} is not allowed: use {NAME_RULE}")
    return value


def short_output_form(value: Any) -> Any:
    # `name = "string"` is shorthand for `name = { type = "string" }`.
    if isinstance(value, dict):
        return {k: {"type": v} if isinstance(v, str) else v for k, v in value.items()}
    return value


class _Declared(Protocol):
    """An output as declared (this module's ``OutputSpec`` or the pydantic model's)."""

    @property
    def type(self) -> str: ...

    @property
    def options(self) -> tuple[str, ...]: ...


_Spec = TypeVar("_Spec", bound=_Declared)


def enumeration_options(value: dict[str, _Spec]) -> dict[str, _Spec]:
    for name, spec in value.items():
        if spec.type == "enumeration" and not spec.options:
            raise ValueError(f"output {name!r} is an enumeration without options")
        if spec.type != "enumeration" and spec.options:
            raise ValueError(f"output {name!r} has options but is not an enumeration")
    return value


# -- the models ----------------------------------------------------------------------------


class _Frozen:
    """A frozen record of ``_FIELDS``: compared, hashed and shown as a pydantic model is."""

    _FIELDS: tuple[str, ...] = ()

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._FIELDS)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen: {name} cannot be set")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash((type(self), *self._values()))

    def __repr__(self) -> str:
        pairs = zip(self._FIELDS, self._values(), strict=True)
        shown = ", ".join(f"{name}={value!r}" for name, value in pairs)
        return f"{type(self).__name__}({shown})"

    def _set(self, **values: Any) -> None:
        for name, value in values.items():
            object.__setattr__(self, name, value)


class OutputSpec(_Frozen):
    """One declared data output."""

    _FIELDS = ("type", "options")
    type: OutputType
    options: tuple[str, ...]

    def __init__(self, **data: Any) -> None:
        plain = _plain_output(data)
        if plain is None:
            from runtime.contract import _schema

            model = _schema.OutputSpec.model_validate(data)  # raises pydantic's error
            plain = (model.type, model.options)
        self._set(type=plain[0], options=plain[1])

    def api_type(self) -> str:
        """The spelling used by the Workflows v4 API (``STRING``, ``BOOL``, ...)."""
        return self.type.upper()


class Manifest(_Frozen):
    """What HubSpot's action editor holds besides the source code.

    Keywords as the manifest's keys (``runtime``, ``object_type``, ``secrets``, ``inputs``,
    ``outputs``, ``allow_hosts``); a bad one raises pydantic's ``ValidationError`` (see
    ``_schema.py``).
    """

    _FIELDS = ("runtime", "object_type", "secrets", "inputs", "outputs", "allow_hosts")
    runtime: str
    object_type: str
    secrets: tuple[str, ...]
    inputs: dict[str, str]
    outputs: dict[str, OutputSpec]
    allow_hosts: tuple[str, ...]

    def __init__(self, **data: Any) -> None:
        plain = _plain_manifest(data)
        if plain is None:
            plain = _reference_manifest(data)
        self._set(**dict(zip(self._FIELDS, plain, strict=True)))

    @classmethod
    def model_validate(cls, data: Any) -> Manifest:
        """The manifest a decoded TOML table declares (the pydantic model's spelling);
        raises pydantic's ``ValidationError`` for a bad one."""
        plain = _plain_manifest(data) if type(data) is dict else None
        return cls._of(plain if plain is not None else _reference_manifest(data))

    @classmethod
    def _of(cls, values: tuple[Any, ...]) -> Manifest:
        made = cls.__new__(cls)
        made._set(**dict(zip(cls._FIELDS, values, strict=True)))
        return made


class ActionManifest(_Frozen):
    """An action file with its (possibly defaulted) manifest."""

    _FIELDS = ("source_path", "manifest_path", "manifest")
    source_path: Path
    manifest_path: Path | None
    manifest: Manifest

    def __init__(
        self,
        *,
        source_path: Path | str,
        manifest_path: Path | str | None,
        manifest: Manifest | Mapping[str, Any],
    ) -> None:
        self._set(
            source_path=Path(source_path),
            manifest_path=None if manifest_path is None else Path(manifest_path),
            manifest=manifest
            if isinstance(manifest, Manifest)
            else Manifest.model_validate(manifest),
        )

    @property
    def name(self) -> str:
        return self.source_path.stem

    @property
    def is_python(self) -> bool:
        return self.manifest.runtime.startswith("PYTHON")


_MANIFEST_KEYS = frozenset(Manifest._FIELDS)
_OUTPUT_KEYS = frozenset(OutputSpec._FIELDS)


def _strings(value: Any) -> tuple[str, ...] | None:
    """A list or tuple of plain strings as a tuple; None for anything else."""
    if type(value) in (list, tuple) and all(type(item) is str for item in value):
        return tuple(value)
    return None


def _plain_output(data: Mapping[str, Any]) -> tuple[str, tuple[str, ...]] | None:
    """An output's (type, options) when ``data`` is plainly well-formed, else None."""
    kind = data.get("type")
    options = _strings(data.get("options", ()))
    if not _OUTPUT_KEYS.issuperset(data) or type(kind) is not str or kind not in OUTPUT_TYPES:
        return None
    return (kind, options) if options is not None else None


def _plain_manifest(data: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """The manifest's field values when ``data`` is plainly well-formed (plain types, known
    keys, every rule kept), else None: then pydantic decides, and words any error."""
    if not _MANIFEST_KEYS.issuperset(data):
        return None
    runtime = data.get("runtime", "PYTHON39")
    object_type = data.get("object_type", "CONTACT")
    secrets = _strings(data.get("secrets", ()))
    allow_hosts = _strings(data.get("allow_hosts", ()))
    inputs = data.get("inputs", {})
    outputs = _plain_outputs(data.get("outputs", {}))
    if (
        type(runtime) is not str
        or type(object_type) is not str
        or secrets is None
        or allow_hosts is None
        or outputs is None
        or type(inputs) is not dict
        or not all(type(k) is str and type(v) is str for k, v in inputs.items())
    ):
        return None
    try:
        return (
            known_runtime(runtime),
            known_object_type(object_type),
            secret_names(secrets),
            input_names(dict(inputs)),
            enumeration_options(outputs),
            allow_hosts,
        )
    except ValueError:
        return None


def _plain_outputs(value: Any) -> dict[str, OutputSpec] | None:
    if type(value) is not dict:
        return None
    outputs: dict[str, OutputSpec] = {}
    for name, spec in short_output_form(value).items():
        if type(name) is not str:
            return None
        if type(spec) is OutputSpec:
            outputs[name] = spec
            continue
        plain = _plain_output(spec) if type(spec) is dict else None
        if plain is None:
            return None
        made = OutputSpec.__new__(OutputSpec)
        made._set(type=plain[0], options=plain[1])
        outputs[name] = made
    return outputs


def _reference_manifest(data: Any) -> tuple[Any, ...]:
    """The field values pydantic's model gives ``data``; raises its ``ValidationError``."""
    from runtime.contract import _schema

    if isinstance(data, Mapping) and isinstance(data.get("outputs"), dict):
        outputs = {
            k: {"type": v.type, "options": v.options} if isinstance(v, OutputSpec) else v
            for k, v in data["outputs"].items()
        }
        data = {**data, "outputs": outputs}
    model = _schema.Manifest.model_validate(data)
    specs = {name: OutputSpec(type=o.type, options=o.options) for name, o in model.outputs.items()}
    return (model.runtime, model.object_type, model.secrets, model.inputs, specs, model.allow_hosts)


def manifest_path_for(source: Path) -> Path:
    return source.with_suffix(".toml")


def load_manifest(path: Path, *, source_suffix: str = ".py") -> Manifest:
    """Parse and validate one manifest file; errors name the file, the key and the rule."""
    import tomllib  # here: an action without a manifest never needs it

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
    plain = _plain_manifest(data)
    if plain is not None:  # well-formed: pydantic is not imported
        return Manifest._of(plain)
    from pydantic import ValidationError

    try:
        return Manifest._of(_reference_manifest(data))
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


def input_pairs(pairs: list[str], declared: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """``--input NAME=VALUE`` pairs as a mapping, and a warning for each name the manifest
    does not declare (:func:`undeclared_input_warning`).

    Raises:
        UsageError: a pair without ``=`` or without a name.
    """
    values = name_value_pairs(pairs, "--input takes NAME=VALUE")
    warnings = [w for w in (undeclared_input_warning(n, declared) for n in values) if w]
    return values, warnings


def name_value_pairs(pairs: list[str], usage: str) -> dict[str, str]:
    """``NAME=VALUE`` command-line pairs as a mapping (the value may hold ``=`` itself).

    Raises:
        UsageError: ``usage``, and the pair, for a pair without ``=`` or without a name.
    """
    from runtime.errors import UsageError

    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"{usage}, got {pair!r}")
        values[name.strip()] = value
    return values


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
