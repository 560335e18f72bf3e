"""Which actions select which secrets: the "used by" column of ``hsrun secrets list``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from runtime.contract.manifest import load_manifest
from runtime.errors import ManifestError

ACTIONS_DIRNAME = "actions"
_SOURCE_SUFFIXES = (".py", ".js")


@dataclass(frozen=True)
class SecretUsage:
    """Actions by secret name, plus a note for each manifest that could not be read."""

    by_secret: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def secret_usage(project_root: Path) -> SecretUsage:
    """Scan ``actions/*.toml`` under ``project_root`` for their ``secrets = [...]``.

    A broken manifest does not stop the listing: it is skipped with a note naming it.
    """
    usage = SecretUsage()
    folder = project_root / ACTIONS_DIRNAME
    if not folder.is_dir():
        return usage
    for manifest_path in sorted(folder.glob("*.toml")):
        suffix = next(
            (s for s in _SOURCE_SUFFIXES if manifest_path.with_suffix(s).is_file()), ".py"
        )
        try:
            manifest = load_manifest(manifest_path, source_suffix=suffix)
        except ManifestError as exc:
            first = exc.problems[0] if exc.problems else "invalid"
            usage.notes.append(f"skipped {manifest_path.name}: {first}")
            continue
        except OSError as exc:
            usage.notes.append(f"skipped {manifest_path.name}: {exc.strerror or exc}")
            continue
        for name in manifest.secrets:
            usage.by_secret.setdefault(name, []).append(manifest_path.stem)
    return usage
