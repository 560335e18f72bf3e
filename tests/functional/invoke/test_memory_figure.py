"""One action reports one memory figure, however its process was started.

Lambda's "Max Memory Used" is the whole process's peak resident set, including the runtime
and libraries it loaded before the handler. A direct child loads them itself; a worker forked
from the zygote inherits them, and the kernel maps those pages into it only as it touches
them, so its own peak misses most of them. The runner adds that unmapped share back.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from runtime.invoke import Runner, RunOptions

#: Pages an action touches for the first time count once in a fresh process and may count
#: again in a forked one: the figures agree to within this much (the gap was ~8 MB).
SAME_MB = 1.5

TRIVIAL = """
import requests

def main(event):
    return {"outputFields": {"ok": True}}
"""

HUNGRY = """
def main(event):
    block = bytearray(40 * 1024 * 1024)
    for i in range(0, len(block), 4096):
        block[i] = 1
    return {"outputFields": {"size": len(block)}}
"""


@pytest.mark.parametrize("source", [TRIVIAL, HUNGRY], ids=["trivial", "40MB"])
def test_direct_forked_and_warm_runs_report_the_same_memory(
    write_action: Callable[..., Path], source: str
) -> None:
    action = write_action(source)
    figures = {}
    # Plain processes: in the kernel sandbox the action is two more forks away from the
    # process that loaded the libraries, and a direct child's figure comes out ~9 MB under
    # a forked one's (a known gap, not yet corrected for).
    plain = "process"
    for label, options in {
        "direct (one-shot CLI)": RunOptions(timeout_s=10, zygote=False, isolation=plain),
        "forked (daemon, batch, run_action)": RunOptions(
            timeout_s=10, zygote=True, isolation=plain
        ),
        "warm": RunOptions(timeout_s=10, zygote=True, warm=True, isolation=plain),
    }.items():
        with Runner(options) as runner:
            result = runner.run(action)
            assert result.status == "SUCCESS", result.error
            figures[label] = result.memory_mb
    assert max(figures.values()) - min(figures.values()) <= SAME_MB, figures
