"""The store across real processes: concurrent writers and writers killed with SIGKILL."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from runtime.config import get_settings
from runtime.secrets.local import LocalSecretStore

WORKER = Path(__file__).with_name("store_worker.py")


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Environment for worker processes and for this process's reader."""
    home, config = tmp_path / "home", tmp_path / "config"
    for name, value in (("HSRUN_HOME", home), ("HSRUN_CONFIG_DIR", config)):
        monkeypatch.setenv(name, str(value))
    for name in ("HSRUN_SECRETS_KEY", "HSRUN_SECRETS_PASSPHRASE", "HSRUN_SECRETS_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return dict(os.environ)


def reader() -> LocalSecretStore:
    return LocalSecretStore.from_settings(get_settings(), notice=lambda _: None)


def test_concurrent_writers_keep_every_secret(env: dict[str, str]) -> None:
    # No store and no key yet: the writers also race to create them.
    workers = [
        subprocess.Popen([sys.executable, str(WORKER), "set", f"W{n}", "8"], env=env)
        for n in range(4)
    ]
    for worker in workers:
        assert worker.wait(timeout=60) == 0

    store = reader()
    expected = {f"W{n}_{i}": f"value-of-W{n}-{i}" for n in range(4) for i in range(8)}
    assert store.get(expected) == expected
    assert len(list((Path(env["HSRUN_CONFIG_DIR"]) / "keys").iterdir())) == 1
    events, bad = store.audit.events()
    assert (len(events), bad) == (32, 0)


def test_writer_killed_mid_write_leaves_old_or_new_store(env: dict[str, str]) -> None:
    sys.path.insert(0, str(WORKER.parent))
    try:
        from store_worker import churn_value
    finally:
        sys.path.remove(str(WORKER.parent))

    rng = random.Random(1234)
    last_seen = -1
    for _ in range(6):
        worker = subprocess.Popen(
            [sys.executable, str(WORKER), "churn"], env=env, stdout=subprocess.PIPE, text=True
        )
        assert worker.stdout is not None
        # Wait for at least one complete round, then kill at a random moment.
        worker.stdout.readline()
        time.sleep(rng.uniform(0.0, 0.15))
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        worker.stdout.close()

        store = reader()  # parses and decrypts: never a half-written file
        values = store.get(["BIG", "COUNTER"])
        counter = int(values["BIG"].split(":", 1)[0])
        assert values["BIG"] == churn_value(counter)
        assert int(values["COUNTER"]) in (counter, counter - 1)
        assert counter >= 0
        last_seen = counter

    # The lock died with its holder: a new writer gets it at once and cleans the debris.
    store = reader()
    store.set("AFTER", "still-writable")
    leftovers = [p.name for p in store.path.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
    assert store.get(["AFTER"]) == {"AFTER": "still-writable"}
    assert last_seen >= 0
