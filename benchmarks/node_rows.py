"""Node.js rows of ``benchmarks/invoke.py``: each beside an alternative measured in the run.

  a. `hsrun invoke` of a trivial .js action that requires @hubspot/api-client, against the
     floor (`node -e` requiring the action and calling main) and npm's lambda-local on the
     same handler.
  b. library cold invoke overhead through the pre-started pool (wall time minus the handler's
     own runtime; `process` isolation), against a fresh node per run, and the same in the
     kernel sandbox, where each run starts its own node. Target: <= 10 ms median.
  c. warm invoke overhead. Target: <= 1 ms median.
  d. batch throughput, cold semantics. Target: >= 100 runs/s on 2 cores.

Needs `hsrun libs install --runtime NODE24X` (Node.js 24) and, for lambda-local, the npm
registry (installed once into .hsrun/bench/).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from runtime.config import get_settings
from runtime.invoke import Runner, RunOptions
from runtime.invoke.batch import run_batch
from runtime.invoke.node_libs import resolve

ACTION_JS = """\
const hubspot = require('@hubspot/api-client');

exports.main = async (event) => ({ outputFields: { ok: typeof hubspot.Client === 'function' } });
"""

Row = tuple[str, str, str, str, str]


def node_rows(
    work: Path,
    event: dict[str, object],
    runs: int,
    batch: int,
    wall: Callable[[list[str], int, dict[str, str], Path], float],
    hsrun: str,
) -> list[Row]:
    """The Node.js rows, measured now."""
    node = resolve(get_settings(), "NODE24X")
    action = work / "trivial_node.js"
    action.write_text(ACTION_JS)
    action.with_suffix(".toml").write_text('runtime = "NODE24X"\n[outputs]\nok = "bool"\n')
    (work / "event.json").write_text(json.dumps(event))
    settings = get_settings()
    env = {
        **os.environ,
        "HSRUN_DAEMON": "0",
        "HSRUN_HOME": str(work / "state-node"),
        "HSRUN_CONFIG_DIR": str(work / "cfg-node"),
        "HSRUN_NODE_LIBS": str(settings.node_libs_path("NODE24X").parent),
        "NODE_PATH": node.node_path or "",
    }
    rows: list[Row] = []

    floor = wall(
        [node.node, "-e", "require('./trivial_node.js').main({}).then(() => {})"], runs, env, work
    )
    ours = wall([hsrun, "invoke", "trivial_node.js", "--event", "event.json"], runs, env, work)
    rows.append(
        (
            "a. hsrun invoke, trivial .js requiring @hubspot/api-client",
            f"{ours * 1000:.0f} ms",
            f"floor `node -e` {floor * 1000:.0f} ms",
            f"{ours / floor:.2f}x",
            "-",
        )
    )
    lambda_local = _lambda_local(work, node.node)
    if lambda_local is not None:
        ll = wall(
            [node.node, lambda_local, "-l", "trivial_node.js", "-h", "main", "-e", "event.json"],
            runs,
            env,
            work,
        )
        rows.append(
            (
                "a. the same, npm lambda-local",
                f"{ours * 1000:.0f} ms",
                f"lambda-local {ll * 1000:.0f} ms",
                f"{ours / ll:.2f}x",
                "-",
            )
        )

    boxed = RunOptions(isolation="auto")
    with Runner(RunOptions(isolation="process")) as runner:
        for _ in range(3):
            runner.run(action, event)
            runner.run(action, event, options=boxed)
        sandboxed = []
        for _ in range(runs * 2):
            start = time.perf_counter()
            result = runner.run(action, event, options=boxed)
            sandboxed.append((time.perf_counter() - start) * 1000 - result.runtime_ms)
        cold = []
        for _ in range(runs * 2):
            time.sleep(0.3)  # the pool's replacement is up, as between enrollments
            start = time.perf_counter()
            result = runner.run(action, event)
            cold.append((time.perf_counter() - start) * 1000 - result.runtime_ms)
        rows.append(
            (
                "b. library cold invoke overhead, pool (median)",
                f"{statistics.median(cold):.2f} ms",
                f"fresh node {floor * 1000:.0f} ms",
                f"{statistics.median(cold) / (floor * 1000):.3f}x",
                "<= 10 ms",
            )
        )
        rows.append(
            (
                "b. the same in the kernel sandbox (a new node per run)",
                f"{statistics.median(sandboxed):.2f} ms",
                f"pool {statistics.median(cold):.2f} ms",
                f"{statistics.median(sandboxed) / statistics.median(cold):.1f}x",
                "-",
            )
        )
        warm_opts = RunOptions(warm=True, isolation="process")
        runner.run(action, event, options=warm_opts)
        warm = []
        for _ in range(runs * 20):
            start = time.perf_counter()
            result = runner.run(action, event, options=warm_opts)
            warm.append((time.perf_counter() - start) * 1000 - result.runtime_ms)
        rows.append(
            (
                "c. library warm invoke overhead (median)",
                f"{statistics.median(warm):.2f} ms",
                f"cold via pool {statistics.median(cold):.2f} ms",
                f"{statistics.median(warm) / statistics.median(cold):.2f}x",
                "<= 1 ms",
            )
        )
        count = max(20, batch // 10)
        prepared = [runner.prepare(action, event) for _ in range(count)]
        start = time.perf_counter()
        done = sum(1 for _ in run_batch(runner, prepared, concurrency=2 * (os.cpu_count() or 1)))
        rate = done / (time.perf_counter() - start)
    rows.append(
        (
            "d. batch throughput, cold semantics (.js)",
            f"{rate:.0f} runs/s",
            f"fresh node {1 / floor:.1f}/s" if floor else "-",
            f"{rate * floor:.1f}x",
            ">= 100 runs/s",
        )
    )
    return rows


def _lambda_local(work: Path, node: str) -> str | None:
    """npm's lambda-local CLI, installed once into the state folder's bench/ folder."""
    folder = get_settings().home / "bench"
    cli = folder / "node_modules" / "lambda-local" / "build" / "cli.js"
    if cli.is_file():
        return str(cli)
    npm = shutil.which("npm")
    if npm is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [npm, "install", "--prefix", str(folder), "--no-audit", "--no-fund", "lambda-local@2"],
        capture_output=True,
        check=False,
        cwd=work,
    )
    return str(cli) if done.returncode == 0 and cli.is_file() else None
