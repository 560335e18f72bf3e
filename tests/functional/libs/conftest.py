"""Library folders for the runner: a tiny fake one (offline) and a real install (network)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from libs_support import VERSION_ACTION, VERSION_MANIFEST, make_fake_libs


@pytest.fixture(autouse=True)
def _in_a_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test works in a project of its own: the library set belongs to the project
    (``.hsrun/libs`` beside ``pyproject.toml``), never to this repository's."""
    (tmp_path / "pyproject.toml").write_text("")
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def fake_libs(tmp_path: Path) -> Path:
    """A fake library folder in tmp_path (not the project's: see ``project_fake_libs``)."""
    return make_fake_libs(tmp_path / "fake-libs")


@pytest.fixture
def project_fake_libs() -> Path:
    """The fake library set where ``hsrun libs install`` puts the real one, in this test's
    state folder: the runner picks it up by itself."""
    from runtime.config import get_settings

    return make_fake_libs(get_settings().libs_path)


@pytest.fixture
def version_action(tmp_path: Path) -> Path:
    """An action returning the ``requests.__version__`` it imported, and how many runs its
    process has served (warm runs count up)."""
    folder = tmp_path / "actions"
    folder.mkdir()
    path = folder / "version.py"
    path.write_text(textwrap.dedent(VERSION_ACTION))
    path.with_suffix(".toml").write_text(textwrap.dedent(VERSION_MANIFEST))
    return path


@pytest.fixture
def write_action(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write ``name.py`` with ``source`` into tmp_path/actions; returns its path."""

    def write(name: str, source: str) -> Path:
        folder = tmp_path / "actions"
        folder.mkdir(exist_ok=True)
        path = folder / f"{name}.py"
        path.write_text(textwrap.dedent(source))
        return path

    return write


@pytest.fixture(scope="session")
def installed_libs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """HubSpot's core libraries, really installed from the package index: once a session.

    Fails (never skips) when the index cannot be reached: CI machines can reach it, and a
    silent skip would hide that the versions were never checked. Deselect with
    ``-m "not network"``.
    """
    from dataclasses import replace

    from runtime.config import get_settings
    from runtime.errors import HsrunError
    from runtime.invoke.libraries import install

    project = tmp_path_factory.mktemp("hubspot-libs")
    settings = replace(get_settings(), project_root=project, home=project / ".hsrun")
    try:
        return install(settings).folder
    except HsrunError as exc:
        pytest.fail(f"installing HubSpot's libraries from the package index failed: {exc}")
