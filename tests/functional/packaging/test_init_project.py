"""`hsrun init` output runs: its generated test passes under pytest in a fresh project."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from runtime.packaging import check_paths, scaffold_action


def test_generated_project_passes_check_and_its_own_test(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    scaffold_action("enrich_company", project)
    assert check_paths([project / "actions"]).findings == []
    env = {**os.environ, "HSRUN_HOME": str(tmp_path / "state")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout
