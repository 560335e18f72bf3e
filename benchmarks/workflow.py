"""Benchmark: whole workflows through the engine, beside the runner running the same actions.

    python benchmarks/workflow.py [--records 1000] [--sample 150] [--concurrency 4]
                                  [--isolation auto,process]

The flow is the example, flows/lead_routing.json: per enrollment three custom code actions
(cold semantics: a fresh process forked from the zygote each), a value-equals branch on an
output, a set property, a one-day delay on the virtual clock and a set property from a chained
output.

Rows, for each isolation mode (``auto``: the kernel sandbox where the machine allows it, as
``hsrun`` runs by default; ``process``: plain processes, ``HSRUN_ISOLATION=process``):
  a. throughput: enrollments per second for ``--records`` records, ``--concurrency``
     enrollments stepped at once, recorded in a journal as the CLI does. Target: >= 80/s on
     two cores. Beside it the same for ``--sample`` records one at a time: the ratio is what
     stepping enrollments at once buys.
  b. per code step, one enrollment at a time over ``--sample`` records: the engine's wall time
     per custom code step (its built-in steps, branches and journalling included) beside the
     runner running the same three actions one by one with the very events the engine built
     (no engine), journalled the same way. Best of two alternating rounds.
  c. the engine's own time per code step, measured inside one run: its wall time minus the
     time spent in ``Runner.run`` (so the machine's noise on the runs does not enter it).

The machine is shared: read the ratios more than the absolute numbers.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from runtime.fake_hubspot import FakePortal, attach_memory  # noqa: E402
from runtime.invoke import Runner, RunOptions, RunResult  # noqa: E402
from runtime.journal import Journal  # noqa: E402
from runtime.workflow import EngineOptions, open_flow, run_workflow  # noqa: E402
from runtime.workflow.code import action_file  # noqa: E402

FLOW = ROOT / "flows" / "lead_routing.json"


def _portal(records: int) -> tuple[FakePortal, list[str]]:
    portal = FakePortal()
    portal.rate_limits.enabled = False
    ids = [
        portal.create(
            "contacts",
            {
                "email": f"lead{i}@example.com",
                "firstname": f"Lead{i}",
                "jobtitle": ("VP Sales", "Engineer", "CEO")[i % 3],
                "numemployees": ("1-5", "100-500", "1000+")[i % 3],
                "phone": f"+1 415 555 {i % 10000:04d}",
                "country": "US",
            },
        ).id
        for i in range(records)
    ]
    return portal, ids


class _TimedRunner:
    """The runner, with the time spent inside ``run`` added up (and the isolation got)."""

    def __init__(self, runner: Runner) -> None:
        self.runner = runner
        self.inside = 0.0
        self.isolation: set[str] = set()

    @property
    def interrupted(self) -> bool:
        return self.runner.interrupted

    def run(self, *args: Any, **kwargs: Any) -> RunResult:
        started = time.perf_counter()
        result = self.runner.run(*args, **kwargs)
        self.inside += time.perf_counter() - started
        self.isolation.add(result.isolation or "?")
        return result


def throughput(records: int, concurrency: int, runner: Any, tmp: Path) -> tuple[float, float, int]:
    """(enrollments/s, wall s, code steps) for ``records`` records."""
    portal, ids = _portal(records)
    flow = open_flow(FLOW)
    with attach_memory(portal) as served, Journal(tmp / f"j{records}-{concurrency}.db") as journal:
        started = time.perf_counter()
        done = run_workflow(
            flow,
            portal=portal,
            url=served.url,
            runner=runner,
            object_ids=ids,
            code_cache=tmp / "code",
            options=EngineOptions(concurrency=concurrency),
            journal=journal,
        )
        elapsed = time.perf_counter() - started
    assert all(e.status == "COMPLETED" for e in done), {e.status for e in done}
    steps = sum(1 for e in done for s in e.steps if s.details.get("runId"))
    return records / elapsed, elapsed, steps


def per_step(sample: int, runner: Runner, tmp: Path, rounds: int = 2) -> tuple[float, float]:
    """(engine ms per code step, runner ms per action), one at a time, the best of
    ``rounds`` alternating rounds (the machine is shared)."""
    flow = open_flow(FLOW)
    specs = {a: action_file(flow, flow.actions[a], tmp / "code") for a in ("1", "7", "8")}
    engine_best = runner_best = float("inf")
    for round_no in range(rounds):
        portal, ids = _portal(sample)
        with attach_memory(portal) as served, Journal(tmp / f"steps{round_no}.db") as journal:
            started = time.perf_counter()
            done = run_workflow(
                flow,
                portal=portal,
                url=served.url,
                runner=runner,
                object_ids=ids,
                code_cache=tmp / "code",
                journal=journal,
            )
            engine_best = min(engine_best, (time.perf_counter() - started) * 1000 / (3 * sample))
            # The same three actions with the very events the engine built, by the runner
            # alone, journalled as the engine's steps are (the finished run only).
            work = [
                (specs[str(step.action_id)], journal.get(step.details["runId"]).event)
                for enrollment in done
                for step in enrollment.steps
                if step.details.get("runId")
            ]
            assert len(work) == 3 * sample
            started = time.perf_counter()
            for spec, event in work:
                result = runner.run(spec, event, portal=served, journal=_FinishOnly(journal))
                assert result.status == "SUCCESS", result.error
            runner_best = min(runner_best, (time.perf_counter() - started) * 1000 / len(work))
    return engine_best, runner_best


class _FinishOnly:
    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    def start(self, result: RunResult) -> None:
        pass

    def finish(self, result: RunResult) -> None:
        self.journal.finish(result)


def measure(mode: str, args: argparse.Namespace) -> list[str]:
    options = RunOptions(isolation=None if mode == "auto" else mode)
    with tempfile.TemporaryDirectory() as folder, Runner(options) as runner:
        tmp = Path(folder)
        runner.start()
        timed = _TimedRunner(runner)
        throughput(20, args.concurrency, runner, tmp)  # warm the zygote and the code cache
        rate, _, _ = throughput(args.records, args.concurrency, timed, tmp)
        got = ",".join(sorted(timed.isolation))
        one_rate, _, _ = throughput(args.sample, 1, runner, tmp)
        engine_ms, runner_ms = per_step(args.sample, runner, tmp)
        inside = _TimedRunner(runner)
        _, wall, steps = throughput(args.sample, 1, inside, tmp)
        own_ms = (wall - inside.inside) * 1000 / steps
    name = f"a. enrollments/s, {args.records} records, {args.concurrency} at once [{mode}: {got}]"
    return [
        f"{name:<62} {rate:>10.1f}/s {'target >= 80/s':>20} {rate / 80:>6.2f}x",
        f"{'   the same, ' + str(args.sample) + ' records one at a time':<62} "
        f"{one_rate:>10.1f}/s {'':>20} {rate / one_rate:>6.2f}x",
        f"{'b. ms per code step (engine vs runner alone)':<62} {engine_ms:>9.2f} ms "
        f"{runner_ms:>17.2f} ms {engine_ms / runner_ms:>6.2f}x",
        f"{'c. engine own time per code step (wall - Runner.run)':<62} {own_ms:>9.2f} ms",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--sample", type=int, default=150)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--isolation", default="auto,process")
    args = parser.parse_args()
    rows: list[str] = []
    for mode in args.isolation.split(","):
        rows += measure(mode.strip(), args)
    print()
    print(f"{'measure':<62} {'ours':>12} {'alternative':>20} {'ratio':>7}")
    for row in rows:
        print(row)


if __name__ == "__main__":
    main()
