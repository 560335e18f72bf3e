"""Where a run's cgroup is made, on cgroup v2 with delegation and on v1, and what is written
into it: on a tree laid out as the kernel's cgroup filesystem is (this machine has one kind
only, so both are checked on a copy of their layout)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from runtime.invoke import _cgroup_fs as fs


def _proc(tmp_path: Path, text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    proc = tmp_path / "proc-self-cgroup"
    proc.write_text(text)
    monkeypatch.setattr(fs, "PROC_CGROUP", str(proc))


def _v2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, delegated: str) -> Path:
    """A cgroup v2 tree, this process in ``user.slice/hsrun.service``, the ``delegated``
    controllers enabled for ``user.slice``'s children; no v1 hierarchy."""
    root = tmp_path / "cgroup"
    (root / "user.slice" / "hsrun.service").mkdir(parents=True)
    (root / "cgroup.controllers").write_text("cpu memory pids\n")
    (root / "user.slice" / "cgroup.subtree_control").write_text(delegated + "\n")
    monkeypatch.setattr(fs, "V2_ROOTS", (str(root),))
    monkeypatch.setattr(fs, "V1_ROOT", str(tmp_path / "no-v1"))
    _proc(tmp_path, "0::/user.slice/hsrun.service\n", monkeypatch)
    return root


def _v1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own: str, *hierarchies: str) -> Path:
    """cgroup v1 ``hierarchies``, this process in ``/app`` of each (``own``: its
    ``/proc/self/cgroup``); no v2 tree."""
    root = tmp_path / "cgroup"
    for hierarchy in hierarchies:
        (root / hierarchy / "app").mkdir(parents=True)
    monkeypatch.setattr(fs, "V2_ROOTS", (str(tmp_path / "no-v2"),))
    monkeypatch.setattr(fs, "V1_ROOT", str(root))
    _proc(tmp_path, own, monkeypatch)
    return root


def test_v2_makes_a_sibling_of_its_own_cgroup_where_it_is_delegated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _v2(tmp_path, monkeypatch, "memory pids")

    made = fs.create("t1")

    folder = root / "user.slice" / "hsrun-t1"
    assert made == (2, str(folder), str(folder))
    for name in ("memory.max", "memory.swap.max", "pids.max", "cgroup.procs"):
        (folder / name).write_text("")  # the kernel makes them with the folder
    assert fs.set_limits(2, str(folder), str(folder), 128, 68)
    assert (folder / "memory.max").read_text() == str(128 * 1024 * 1024)
    assert (folder / "memory.swap.max").read_text() == "0"
    assert (folder / "pids.max").read_text() == "68"
    assert fs.join([str(folder)], 4242)
    assert (folder / "cgroup.procs").read_text() == "4242"


def test_v2_without_the_memory_controller_delegated_makes_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _v2(tmp_path, monkeypatch, "pids")
    assert fs.create("t2") is None
    assert not (root / "user.slice" / "hsrun-t2").exists()


def test_v1_makes_one_under_its_own_in_the_memory_and_pids_hierarchies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = "7:pids:/app\n4:memory:/app\n1:name=systemd:/app\n"
    root = _v1(tmp_path, monkeypatch, own, "memory", "pids")

    made = fs.create("t3")

    memory, pids = root / "memory" / "app" / "hsrun-t3", root / "pids" / "app" / "hsrun-t3"
    assert made == (1, str(memory), str(pids))
    for name in ("memory.limit_in_bytes", "cgroup.procs"):
        (memory / name).write_text("")
    (pids / "pids.max").write_text("")
    assert fs.set_limits(1, str(memory), str(pids), 64, 10)
    assert (memory / "memory.limit_in_bytes").read_text() == str(64 * 1024 * 1024)
    assert (pids / "pids.max").read_text() == "10"


def test_a_run_cgroup_left_empty_for_a_minute_is_removed_beside_a_new_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _v1(tmp_path, monkeypatch, "4:memory:/app\n", "memory")
    stale, recent, other = (root / "memory" / "app" / n for n in ("hsrun-old", "hsrun-new", "x"))
    for folder in (stale, recent, other):
        folder.mkdir()
    long_ago = time.time() - 2 * fs.STALE_AFTER_S
    for folder in (stale, other):
        os.utime(folder, (long_ago, long_ago))

    assert fs.create("t4") is not None

    assert not stale.exists()
    assert recent.exists()  # may still be waiting for its process
    assert other.exists()  # not hsrun's
