"""Which actions select which secrets, and the rows of ``hsrun secrets list``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from runtime.contract.manifest import load_manifest
from runtime.errors import ManifestError
from runtime.secrets.backend import SecretInfo

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


@dataclass(frozen=True)
class SecretRow:
    """One line of ``hsrun secrets list``: a stored secret, or one selected but not stored."""

    name: str
    stored: bool
    length: int | None
    updated_at: str | None
    used_by: list[str]


def secret_listing(infos: Iterable[SecretInfo], usage: SecretUsage) -> list[SecretRow]:
    """Stored secrets and the names actions select, merged and sorted by name."""
    by_name = {i.name: i for i in infos}
    rows: list[SecretRow] = []
    for name in sorted(set(by_name) | set(usage.by_secret)):
        info = by_name.get(name)
        changed = info.updated_at.isoformat() if info and info.updated_at else None
        rows.append(
            SecretRow(
                name=name,
                stored=info is not None,
                length=info.length if info else None,
                updated_at=changed,
                used_by=usage.by_secret.get(name, []),
            )
        )
    return rows
