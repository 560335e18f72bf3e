"""Helpers for the library-folder tests: a fake folder, and an action that shows what it
imported."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

FAKE_VERSION = "2.28.2-fake"
FAKE_DIST_VERSION = "2.28.2+fake"
#: The requests of hsrun's own environment, which a fake folder must hide.
OWN_REQUESTS = metadata.version("requests")

VERSION_ACTION = """\
    import requests

    RUNS = 0


    def main(event):
        global RUNS
        RUNS += 1
        return {"outputFields": {"version": requests.__version__, "runs": RUNS}}
    """
VERSION_MANIFEST = """\
    [outputs]
    version = "string"
    runs = "number"
    """


def make_fake_libs(folder: Path) -> Path:
    """A library folder holding only a ``requests`` that says it is the fake one."""
    package = folder / "requests"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(f'__version__ = "{FAKE_VERSION}"\n')
    info = folder / f"requests-{FAKE_DIST_VERSION}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: requests\nVersion: {FAKE_DIST_VERSION}\n"
    )
    return folder
