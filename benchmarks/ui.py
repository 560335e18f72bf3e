"""Benchmark: the dashboard's pages beside the CLI commands that print the same data.

    python benchmarks/ui.py [--runs 1000] [--calls 3000] [--repeat 9]

A state folder is filled through the library (runs recorded in the journal, API calls
answered by the portal and kept in its call log, the demo records), then ``hsrun ui`` is
started as a real process and each page is fetched over loopback with its cookie; the
alternative is the one-shot command a user would otherwise run for the same answer (a fresh
``hsrun`` process each time, no daemon). Medians.

The machine is shared: read the ratio more than the absolute numbers.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from runtime.config import get_settings  # noqa: E402
from runtime.contract.record import LogLine, RunResult  # noqa: E402
from runtime.fake_hubspot import PortalFile, demo_dataset, seed_portal  # noqa: E402
from runtime.journal import Journal  # noqa: E402


def _fill(runs: int, calls: int) -> None:
    settings = get_settings()
    now = time.time()
    with Journal(settings.journal_path) as journal:
        for i in range(runs):
            result = RunResult(
                run_id=f"{i:012x}",
                action="actions/format_phone.py" if i % 2 else "actions/lead_score.py",
                status="SUCCESS" if i % 7 else "FAILED",
                event={"inputFields": {"phone": "(555) 010-2233"}},
                callback_id=f"ap-1-{i}-1-0",
                started_at=now - i,
                outputs={"phone_e164": "+15550102233"},
                logs=[LogLine(now - i, "stdout", f"formatted number {i}")],
            )
            journal.finish(result)
    store = PortalFile(settings)
    with store.transaction() as portal:
        seed_portal(portal, demo_dataset())
        token = portal.apps.create("bench", ["crm.objects.contacts.read"]).token
        for i in range(calls):
            portal.request("GET", f"/crm/v3/objects/contacts/{1 + i % 50}", token=token)


def _median_ms(action: Callable[[], None], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hsrun-bench-ui-") as tmp:
        env = {
            **os.environ,
            "HSRUN_HOME": str(Path(tmp) / "home"),
            "HSRUN_CONFIG_DIR": str(Path(tmp) / "config"),
            "HSRUN_DAEMON": "0",
        }
        os.environ.update(env)
        _fill(args.runs, args.calls)
        server = subprocess.Popen(
            [sys.executable, "-m", "runtime", "ui", "--no-open", "--port", "0"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.stdout is not None
            url = next(line[6:].strip() for line in server.stdout if line.startswith("Open: "))
            base = re.sub(r"/\?token=.*", "", url)
            session = requests.Session()
            session.get(url, timeout=60)

            def page(path: str) -> Callable[[], None]:
                def get() -> None:
                    answer = session.get(base + path, timeout=60)
                    answer.raise_for_status()

                return get

            def cli(*argv: str) -> Callable[[], None]:
                def run() -> None:
                    subprocess.run(
                        [sys.executable, "-m", "runtime", *argv],
                        cwd=ROOT,
                        env=env,
                        check=True,
                        capture_output=True,
                    )

                return run

            rows = [
                ("runs, newest 100", "/runs", ("history", "--limit", "100", "--json")),
                (
                    "runs with FAILED status",
                    "/runs?status=FAILED",
                    ("history", "--status", "FAILED", "--limit", "100", "--json"),
                ),
                ("a run's page", "/runs/000000000001", ("show", "000000000001", "--json")),
                (
                    f"call log, 4xx of {args.calls}",
                    "/apps/logs?status=4xx",
                    ("portal", "logs", "--status", "4xx", "--limit", "0", "--json"),
                ),
                ("private apps", "/apps", ("portal", "apps", "list", "--json")),
            ]
            print(f"{args.runs} runs, {args.calls} calls; medians of {args.repeat}")
            print(f"| {'what':<26} | {'hsrun ui page':>14} | {'hsrun CLI':>10} | ratio |")
            print(f"|{'-' * 28}|{'-' * 16}|{'-' * 12}|-------|")
            for label, path, argv in rows:
                ours = _median_ms(page(path), args.repeat)
                theirs = _median_ms(cli(*argv), max(3, args.repeat // 3))
                print(
                    f"| {label:<26} | {ours:>11.1f} ms | {theirs:>7.0f} ms | "
                    f"{ours / theirs:>5.2f} |"
                )
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
