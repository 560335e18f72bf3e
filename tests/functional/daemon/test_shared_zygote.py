"""The daemon's zygote: one process forking workers for several clients."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from daemon_support import gone, wait_until
from helpers import ACTIONS

from runtime.invoke import Runner, RunOptions, _process
from runtime.invoke._process import SharedZygote, Zygote


@pytest.fixture
def shared(tmp_path: Path) -> Iterator[SharedZygote]:
    zygote = SharedZygote(str(tmp_path / "zygote.sock"))
    zygote.start()
    try:
        yield zygote
    finally:
        pid = zygote.pid
        zygote.close()
        assert pid is not None and wait_until(lambda: gone(pid), 5.0)
    assert not (tmp_path / "zygote.sock").exists()


@pytest.fixture
def in_use(shared: SharedZygote) -> Iterator[SharedZygote]:
    """The shared zygote, made this process's through the public switch a daemon uses."""
    _process.use_shared_zygote(shared.address)
    try:
        yield shared
    finally:
        _process.use_shared_zygote(None)


def test_runners_fork_their_actions_from_it(in_use: SharedZygote, tmp_path: Path) -> None:
    action = tmp_path / "parent.py"
    action.write_text(
        "import os\ndef main(event):\n    return {'outputFields': {'parent': os.getppid()}}\n"
    )
    # A plain process: in the kernel sandbox the action's parent is the sandbox's init.
    with Runner(RunOptions(zygote=False, isolation="process")) as runner:
        result = runner.run(action)
    assert result.status == "SUCCESS", result.error
    assert result.outputs["parent"] == in_use.pid  # not a process of this runner's own


def test_runners_share_it_and_each_gets_its_own_answers(in_use: SharedZygote) -> None:
    statuses: list[str] = []

    def run(phone: str) -> None:
        with Runner(RunOptions(zygote=False)) as runner:
            for _ in range(3):
                result = runner.run(ACTIONS / "format_phone.py", inputs={"phone": phone})
                statuses.append(f"{result.status} {result.outputs['phone_e164']}")

    threads = [threading.Thread(target=run, args=(f"555010{n:04d}",)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(statuses) == sorted(
        f"SUCCESS +1555010{n:04d}" for n in range(3) for _ in range(3)
    )


def test_a_client_that_hangs_up_leaves_no_worker(shared: SharedZygote) -> None:
    client = Zygote(address=shared.address)
    client.start()
    child = client.spawn()
    assert not gone(child.pid)  # waiting for its job
    client.close()  # never sent the job: the zygote kills the worker it forked for us
    assert wait_until(lambda: gone(child.pid), 5.0)
    child.close()
