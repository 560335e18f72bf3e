"""``hsrun package``: write the pasteable file and its flow action JSON to a folder."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from runtime.contract.manifest import ActionManifest
from runtime.errors import PackagingError
from runtime.packaging.bundle import Bundle, bundle_action
from runtime.packaging.flow import flow_action_json


@dataclass(frozen=True)
class Packaged:
    """What ``hsrun package`` wrote."""

    bundle: Bundle
    source_path: Path  # the pasteable file
    json_path: Path  # the CUSTOM_CODE action JSON


def package_action(
    action: ActionManifest, out_dir: Path | str, *, action_id: str = "1"
) -> Packaged:
    """Bundle ``action`` and write ``<name>.py`` (or ``.js``) and ``<name>.action.json``.

    Args:
        action: The loaded action.
        out_dir: The folder to write to (created if missing).
        action_id: The ``actionId`` to put in the JSON.

    Raises:
        CheckFailedError: The action fails ``hsrun check``.
        PackagingError: It cannot be bundled, or the folder cannot be written.
    """
    bundle = bundle_action(action)
    folder = Path(out_dir)
    if folder.resolve() == action.source_path.parent.resolve():
        raise PackagingError(
            f"refusing to write into {folder}: it holds the action itself; pick another -o"
        )
    payload = flow_action_json(action, bundle, action_id)
    source_path = folder / bundle.filename
    json_path = folder / f"{action.name}.action.json"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _write_atomic(source_path, bundle.source)
        _write_atomic(json_path, json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise PackagingError(f"cannot write to {folder}: {exc.strerror or exc}") from exc
    return Packaged(bundle, source_path, json_path)


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
