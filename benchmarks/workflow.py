"""Benchmark: whole workflows through the engine, beside the runner running the same actions.

    python benchmarks/workflow.py [--records 1000] [--sample 150] [--concurrency 4]

The flow is the example, flows/lead_routing.json: per enrollment three custom code actions
(cold semantics: a fresh process forked from the zygote each), a value-equals branch on an
output, a set property, a one-day delay on the virtual clock and a set property from a chained
output.

Rows:
  a. throughput: enrollments per second for ``--records`` records, ``--concurrency``
     enrollments stepped at once, recorded in a journal as the CLI does. Target: >= 80/s on
     two cores.
  b. per code step, one enrollment at a time over ``--sample`` records: the engine's wall time
     per custom code step beside the runner running the same three actions one by one with
     the same inputs (no engine); the difference is the engine's own overhead per step.

The machine is shared: read the ratio more than the absolute numbers.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from runtime.fake_hubspot import FakePortal, attach_memory  # noqa: E402
from runtime.invoke import Runner  # noqa: E402
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


def throughput(records: int, concurrency: int, runner: Runner, tmp: Path) -> float:
    portal, ids = _portal(records)
    flow = open_flow(FLOW)
    with attach_memory(portal) as served, Journal(tmp / "journal.db") as journal:
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
    return records / elapsed


def per_step(sample: int, runner: Runner, tmp: Path) -> tuple[float, float]:
    """(engine ms per code step, runner ms per action), one at a time."""
    portal, ids = _portal(sample)
    flow = open_flow(FLOW)
    with attach_memory(portal) as served:
        started = time.perf_counter()
        done = run_workflow(
            flow,
            portal=portal,
            url=served.url,
            runner=runner,
            object_ids=ids,
            code_cache=tmp / "code",
        )
        engine_ms = (time.perf_counter() - started) * 1000 / (3 * sample)
        # The same three actions with the inputs the engine gave them, by the runner alone.
        code = [flow.actions[a] for a in ("1", "7", "8")]
        specs = [action_file(flow, action, tmp / "code") for action in code]
        inputs = [
            {
                "1": {
                    "email": f"lead{i}@example.com",
                    "jobtitle": ("VP Sales", "Engineer", "CEO")[i % 3],
                    "numemployees": ("1-5", "100-500", "1000+")[i % 3],
                    "hs_analytics_num_visits": None,
                },
                "7": {"phone": f"+1 415 555 {i % 10000:04d}", "country": "US"},
                "8": {
                    "tier": str(e.outputs["1"]["tier"]),
                    "score": str(e.outputs["1"]["score"]),
                    "phone": str(e.outputs["7"]["phone_e164"]),
                    "email": f"lead{i}@example.com",
                    "firstname": f"Lead{i}",
                },
            }
            for i, e in enumerate(done)
        ]
        samples: list[float] = []
        for oid, values in zip(ids, inputs, strict=True):
            for spec, key in zip(specs, ("1", "7", "8"), strict=True):
                t0 = time.perf_counter()
                result = runner.run(spec, inputs=values[key], object_id=oid, portal=served)
                samples.append((time.perf_counter() - t0) * 1000)
                assert result.status == "SUCCESS", result.error
    return engine_ms, statistics.fmean(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--sample", type=int, default=150)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, Runner() as runner:
        tmp = Path(folder)
        runner.start()
        rate = throughput(args.records, args.concurrency, runner, tmp)
        engine_ms, runner_ms = per_step(args.sample, runner, tmp)
    print()
    print(f"{'measure':<46} {'ours':>14} {'alternative':>22} {'ratio':>7}")
    print(
        f"{'a. enrollments/s, ' + str(args.records) + ' records, 3 code steps each':<46} "
        f"{rate:>12.1f}/s {'target >= 80/s':>22} {rate / 80:>6.2f}x"
    )
    print(
        f"{'b. ms per code step (engine vs runner alone)':<46} {engine_ms:>11.2f} ms "
        f"{runner_ms:>19.2f} ms {engine_ms / runner_ms:>6.2f}x"
    )
    print(f"{'   engine overhead per code step':<46} {engine_ms - runner_ms:>11.2f} ms")


if __name__ == "__main__":
    main()
