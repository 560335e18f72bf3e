"""The suite's markers select what they say they select."""

from __future__ import annotations

import subprocess
import sys

from helpers import ROOT


def _collected(*args: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return {line.split("::")[-1] for line in done.stdout.splitlines() if "::" in line}


def test_slow_selects_the_tests_that_run_a_real_limit() -> None:
    slow = _collected("-m", "slow", "tests/functional/invoke/test_hostile.py")
    assert {
        "test_timeout_kills_the_process_and_keeps_its_logs",
        "test_memory_bomb_is_killed_at_the_limit",
        "test_fork_bomb_is_stopped_and_leaves_nothing_behind",
    } <= slow
    fast = _collected("-m", "not slow", "tests/functional/invoke/test_hostile.py")
    assert fast and not fast & slow
