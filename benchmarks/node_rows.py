"""Node.js rows of ``benchmarks/invoke.py``: each beside an alternative measured in the run.

  a. `hsrun invoke` of a trivial .js action that requires @hubspot/api-client, against the
     floor (`node -e` requiring the action and calling main) and npm's lambda-local on the
     same handler.
  b. library cold invoke overhead through the pre-started pool (wall time minus the handler's
     own runtime), without the kernel sandbox and in it (a process waits inside its own
     sandbox), two blocks of each, each run after the pool's replacement is up (as between
     enrollments), against a fresh node per run. Target: <= 10 ms median.
  c. warm invoke overhead. Target: <= 1 ms median.
  d. batch throughput, cold semantics (a fresh process per run, kernel sandbox as by
     default), for the action requiring @hubspot/api-client and for one requiring nothing,
     beside the CPU one cold Node process costs (the ceiling two cores allow).
     Target: >= 100 runs/s on 2 cores.

Needs `hsrun libs install --runtime NODE24X` (Node.js 24) and, for lambda-local, the npm
registry (installed once into .hsrun/bench/).
"""

from __future__ import annotations

import json
import os
import resource
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
PURE_JS = """\
exports.main = async (event) => ({ outputFields: { ok: true } });
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
    # Without NODE_EXTRA_CA_CERTS (a machine's proxy setting): hsrun's Node child never sees
    # it, and reading the extra certificates would slow the floor's start.
    env = {
        **{k: v for k, v in os.environ.items() if k != "NODE_EXTRA_CA_CERTS"},
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

    plain, boxed = RunOptions(isolation="process"), RunOptions(isolation="auto")
    with Runner(plain) as runner:
        for _ in range(3):
            runner.run(action, event)
            runner.run(action, event, options=boxed)
        cold: list[float] = []
        sandboxed: list[float] = []
        isolation = "?"
        # One mode after the other: the pool keeps waiting processes for the latest kind of
        # run only, so alternating modes would start a fresh node every time.
        for opts, samples in ((plain, cold), (boxed, sandboxed), (plain, cold), (boxed, sandboxed)):
            runner.run(action, event, options=opts)
            for _ in range(runs):
                time.sleep(0.3)  # the pool's replacement is up, as between enrollments
                start = time.perf_counter()
                result = runner.run(action, event, options=opts)
                samples.append((time.perf_counter() - start) * 1000 - result.runtime_ms)
                if opts is boxed:
                    isolation = result.isolation
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
                f"b. the same in the kernel sandbox ({isolation}), pool",
                f"{statistics.median(sandboxed):.2f} ms",
                f"sandbox off {statistics.median(cold):.2f} ms",
                f"{statistics.median(sandboxed) / statistics.median(cold):.2f}x",
                "<= 10 ms",
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
    pure = work / "pure_node.js"
    pure.write_text(PURE_JS)
    pure.with_suffix(".toml").write_text('runtime = "NODE24X"\n[outputs]\nok = "bool"\n')
    cores = os.cpu_count() or 1
    count = max(20, batch // 10)
    rates = {}
    for name, path in (("api-client", action), ("pure", pure)):
        with Runner(RunOptions()) as runner:
            runner.run(path, event)
            prepared = [runner.prepare(path, event) for _ in range(count)]
            start = time.perf_counter()
            done = sum(1 for _ in run_batch(runner, prepared, concurrency=2 * cores))
            rates[name] = done / (time.perf_counter() - start)
    boot = _cpu_ms([node.node, "-e", "0"], runs, env, work)
    loaded = _cpu_ms([node.node, "-e", "require('@hubspot/api-client')"], runs, env, work)
    rows.append(
        (
            "d. batch throughput, cold semantics (.js requiring @hubspot/api-client)",
            f"{rates['api-client']:.0f} runs/s",
            f"ceiling {cores * 1000 / loaded:.0f}/s ({loaded:.0f} ms CPU per process)",
            f"{rates['api-client'] * floor:.1f}x fresh node",
            ">= 100 runs/s",
        )
    )
    rows.append(
        (
            "d. the same, a .js action requiring nothing",
            f"{rates['pure']:.0f} runs/s",
            f"ceiling {cores * 1000 / boot:.0f}/s (`node -e 0` {boot:.0f} ms CPU)",
            "-",
            ">= 100 runs/s",
        )
    )
    return rows


def _cpu_ms(cmd: list[str], runs: int, env: dict[str, str], cwd: Path) -> float:
    """Median CPU time (user + system, ms) of a command: what one process costs the cores."""
    samples = []
    for i in range(runs + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if i:
            used = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            samples.append(used * 1000)
    return statistics.median(samples)


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
