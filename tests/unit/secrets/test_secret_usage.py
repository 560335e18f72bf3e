from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from runtime.secrets import SecretInfo
from runtime.secrets.usage import SecretUsage, secret_listing, secret_usage


def test_actions_are_listed_per_secret_and_broken_manifests_noted(project: Path) -> None:
    actions = project / "actions"
    (actions / "archive_contact.py").write_text("def main(event):\n    pass\n")
    (actions / "archive_contact.toml").write_text('secrets = ["TEST_SECRET", "API_KEY"]\n')
    (actions / "notify.js").write_text("exports.main = () => {};\n")
    (actions / "notify.toml").write_text('secrets = ["API_KEY"]\n')
    (actions / "broken.toml").write_text("secrets = [\n")
    (actions / "typo.toml").write_text('secret = ["X"]\n')

    usage = secret_usage(project)

    assert usage.by_secret == {
        "TEST_SECRET": ["archive_contact"],
        "API_KEY": ["archive_contact", "notify"],
    }
    assert len(usage.notes) == 2
    assert usage.notes[0].startswith("skipped broken.toml: not valid TOML")
    assert usage.notes[1].startswith("skipped typo.toml: key 'secret': unknown key")


def test_no_actions_folder(tmp_path: Path) -> None:
    usage = secret_usage(tmp_path)
    assert usage.by_secret == {}
    assert usage.notes == []


def test_listing_merges_stored_and_selected_names() -> None:
    changed = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    infos = [SecretInfo("TEST_SECRET", 12, changed), SecretInfo("UNUSED", 3, None)]
    usage = SecretUsage(by_secret={"TEST_SECRET": ["archive_contact"], "API_KEY": ["notify"]})
    rows = secret_listing(infos, usage)
    assert [(r.name, r.stored, r.length, r.used_by) for r in rows] == [
        ("API_KEY", False, None, ["notify"]),
        ("TEST_SECRET", True, 12, ["archive_contact"]),
        ("UNUSED", True, 3, []),
    ]
    assert rows[1].updated_at == "2024-05-01T10:00:00+00:00"
