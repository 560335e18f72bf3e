"""Benchmark of the fake HubSpot portal; prints a table.

    .venv/bin/python benchmarks/fake_portal.py [--contacts 100000] [--seconds 3] [--clients 4]

Rows:

1. one ``hubspot-api-client`` call (``basic_api.get_by_id``): in-process interception, against
   the fake's loopback server, and against a minimal canned HTTP server on loopback (the
   floor of any HTTP fake); the ratio in-process / canned;
2. server throughput on loopback: client processes on keep-alive connections for N seconds
   (target ≥ 1,500 req/s);
3. search with an ``EQ`` filter on ``email`` over 100,000 contacts, median (target ≤ 20 ms);
4. memory per 100,000 contacts (tracemalloc, with five properties each);
5. search on the portal loaded from ``portal.db`` (answered from its index tables) beside the
   same search in memory: the first sorted page of 100 after a change (median of 5), paging
   through 10,000 sorted results, ``CONTAINS_TOKEN`` the first time after a change (in memory:
   before its token index exists) and repeated, and a leading-wildcard pattern;
6. the durable store beside the JSON snapshot it replaced, on the same 100,000-contact portal:
   writing it whole, opening it, and ``portal serve`` under a mix of 3 reads to 1 write from
   client processes (req/s, p99 and worst request). The snapshot store is reproduced as it
   was: requests served from memory while a thread wrote the whole ``portal.json`` (temp
   file, fsync, rename) every 2 s under the portal lock.
"""

from __future__ import annotations

import argparse
import dataclasses
import http.client
import json
import multiprocessing
import statistics
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import hubspot

from runtime.config import get_settings
from runtime.fake_hubspot import FakePortal, PortalServer, mock_hubspot, serve
from runtime.fake_hubspot.core.object_types import CONTACTS
from runtime.fake_hubspot.persistence import atomic_write, load_into, read_json
from runtime.fake_hubspot.store import PortalFile

Row = tuple[str, str, str]

CANNED = json.dumps(
    {
        "id": "1",
        "properties": {
            "createdate": "2024-01-01T00:00:00.000Z",
            "email": "ada@example.com",
            "firstname": "Ada",
            "hs_object_id": "1",
            "lastmodifieddate": "2024-01-01T00:00:00.000Z",
            "lastname": None,
        },
        "createdAt": "2024-01-01T00:00:00.000Z",
        "updatedAt": "2024-01-01T00:00:00.000Z",
        "archived": False,
    }
).encode()


class _Canned(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.wfile.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json;charset=utf-8\r\n"
            + f"Content-Length: {len(CANNED)}\r\n\r\n".encode()
            + CANNED
        )

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _timed(call: Callable[[], Any], n: int) -> float:
    """Median seconds of ``call`` over ``n`` runs (after a warm-up)."""
    for _ in range(min(20, n)):
        call()
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def client_call_latency(n: int = 300) -> tuple[float, float, float]:
    """(in-process, fake server, canned server) median seconds of one get_by_id."""
    portal = FakePortal()
    portal.rate_limits.enabled = False
    app = portal.private_app("bench", ["crm.objects.contacts.read"])
    contact = portal.create("contacts", {"email": "ada@example.com", "firstname": "Ada"})
    with mock_hubspot(portal=portal):
        api = hubspot.Client.create(access_token=app.token).crm.contacts.basic_api
        in_process = _timed(lambda: api.get_by_id(contact.id), n)
    with serve(portal) as server:
        api = hubspot.Client.create(access_token=app.token, host=server.url).crm.contacts.basic_api
        fake_server = _timed(lambda: api.get_by_id(contact.id), n)
    canned = ThreadingHTTPServer(("127.0.0.1", 0), _Canned)
    canned.daemon_threads = True
    thread = threading.Thread(target=canned.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{canned.server_address[1]}"
        api = hubspot.Client.create(access_token=app.token, host=url).crm.contacts.basic_api
        canned_s = _timed(lambda: api.get_by_id("1"), n)
    finally:
        canned.shutdown()
        canned.server_close()
    return in_process, fake_server, canned_s


def _hammer(args: tuple[int, str, str, float]) -> int:
    port, token, path, seconds = args
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Authorization": f"Bearer {token}"}
    done = 0
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            done += 1
    finally:
        conn.close()
    return done


def server_throughput(seconds: float, clients: int) -> float:
    """Requests per second answered by the loopback server (GET a contact by id)."""
    portal = FakePortal()
    portal.rate_limits.enabled = False
    app = portal.private_app("bench", ["crm.objects.contacts.read"])
    contact = portal.create("contacts", {"email": "ada@example.com"})
    path = f"/crm/v3/objects/contacts/{contact.id}"
    with serve(portal) as server, multiprocessing.get_context("spawn").Pool(clients) as pool:
        pool.map(_hammer, [(server.port, app.token, path, 0.2)] * clients)  # warm-up
        start = time.perf_counter()
        counts = pool.map(_hammer, [(server.port, app.token, path, seconds)] * clients)
        elapsed = time.perf_counter() - start
    return sum(counts) / elapsed


def build_contacts(count: int) -> tuple[FakePortal, float, float]:
    """A portal with ``count`` contacts; (portal, bytes per contact, seconds to build)."""
    portal = FakePortal()
    portal.rate_limits.enabled = False
    objects = portal.objects
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    start = time.perf_counter()
    for i in range(count):
        objects.create(
            CONTACTS,
            {
                "email": f"person{i}@example{i % 97}.com",
                "firstname": f"First{i}",
                "lastname": f"Last{i}",
                "phone": f"+1555{i:07d}",
                "lifecyclestage": "customer",
            },
        )
    elapsed = time.perf_counter() - start
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return portal, used / count, elapsed


def search_latency(portal: FakePortal, count: int, n: int = 200) -> tuple[float, float]:
    """Median seconds of an email EQ search: through dispatch, and through the client."""
    app = portal.private_app("search", ["crm.objects.contacts.read"])
    portal.rate_limits.enabled = False
    body = {
        "filterGroups": [
            {
                "filters": [
                    {
                        "propertyName": "email",
                        "operator": "EQ",
                        "value": f"person{count // 2}@example{(count // 2) % 97}.com",
                    }
                ]
            }
        ]
    }
    dispatch = _timed(
        lambda: portal.request(
            "POST", "/crm/v3/objects/contacts/search", token=app.token, json=body
        ),
        n,
    )
    with mock_hubspot(portal=portal):
        api = hubspot.Client.create(access_token=app.token).crm.contacts.search_api
        result = api.do_search(body)
        assert result.total == 1, result
        through_client = _timed(lambda: api.do_search(body), n)
    return dispatch, through_client


def search_figures(portal: FakePortal, token: str, *, in_memory: bool) -> dict[str, float]:
    """Seconds of: the first sorted page of 100 after a change, the same repeated, paging
    through 10,000 sorted results, the first CONTAINS_TOKEN search (after a change; in memory,
    with no token index yet), the same repeated."""
    count = len(portal.objects.store(CONTACTS).records)
    some = portal.records("contacts")[count // 2].id

    def call(method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = portal.request(method, path, token=token, json=body)
        assert answer.status < 300, answer.json()
        data: dict[str, Any] = answer.json()
        return data

    def page(after: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "sorts": [{"propertyName": "lastname", "direction": "DESCENDING"}],
            "limit": 100,
            "properties": ["lastname"],
        }
        if after:
            body["after"] = after
        return call("POST", "/crm/v3/objects/contacts/search", body)

    def change(n: int) -> None:
        call("PATCH", f"/crm/v3/objects/contacts/{some}", {"properties": {"lastname": f"L{n}"}})

    figures: dict[str, float] = {}
    firsts = []
    for n in range(5):
        change(n)
        start = time.perf_counter()
        page(None)
        firsts.append(time.perf_counter() - start)
    figures["sorted_first"] = statistics.median(firsts)
    figures["sorted_warm"] = _timed(lambda: page(None), 20)
    start = time.perf_counter()
    after: str | None = None
    for _ in range(100):
        after = page(after).get("paging", {}).get("next", {}).get("after")
    figures["paging"] = time.perf_counter() - start
    body = {
        "filterGroups": [
            {
                "filters": [
                    {
                        "propertyName": "firstname",
                        "operator": "CONTAINS_TOKEN",
                        "value": f"first{count // 3}",
                    }
                ]
            }
        ]
    }
    change(99)
    if in_memory:
        portal.objects.token_indexes.clear()
    start = time.perf_counter()
    found = call("POST", "/crm/v3/objects/contacts/search", body)
    figures["token_first"] = time.perf_counter() - start
    assert found["total"] == 1, found
    figures["token_warm"] = _timed(
        lambda: call("POST", "/crm/v3/objects/contacts/search", body), 20
    )
    wildcard = {
        "filterGroups": [
            {
                "filters": [
                    {
                        "propertyName": "email",
                        "operator": "CONTAINS_TOKEN",
                        "value": "*@example7.com",
                    }
                ]
            }
        ]
    }
    figures["token_wildcard"] = _timed(
        lambda: call("POST", "/crm/v3/objects/contacts/search", wildcard), 5
    )
    return figures


def search_rows(durable: dict[str, float], memory: dict[str, float], count: int) -> list[Row]:
    """Search figures, the store's index beside the in-memory search."""

    def ms(key: str) -> str:
        return f"{durable[key] * 1e3:,.1f} ms vs {memory[key] * 1e3:,.1f} ms"

    return [
        (
            f"sorted page of 100 after a change, {count:,} contacts: portal.db vs memory",
            ms("sorted_first"),
            "<= 20 ms",
        ),
        ("  the same page repeated: portal.db vs memory", ms("sorted_warm"), ""),
        (
            "page through 10,000 sorted results: portal.db vs memory",
            f"{durable['paging']:,.2f} s vs {memory['paging']:,.2f} s",
            "<= 2 s",
        ),
        (
            f"CONTAINS_TOKEN, first after a change, {count:,} contacts: portal.db vs memory",
            ms("token_first"),
            "<= 20 ms",
        ),
        ("  the same search repeated: portal.db vs memory", ms("token_warm"), ""),
        ("  CONTAINS_TOKEN '*@example7.com': portal.db vs memory", ms("token_wildcard"), ""),
    ]


def _mixed(args: tuple[int, str, list[str], float, int]) -> list[float]:
    """One client: GET a contact three times, PATCH one once; per-request seconds."""
    port, token, ids, seconds, seed = args
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    times: list[float] = []
    deadline = time.monotonic() + seconds
    i = seed
    try:
        while time.monotonic() < deadline:
            contact = ids[i % len(ids)]
            start = time.perf_counter()
            if i % 4 == 3:
                body = json.dumps({"properties": {"firstname": f"N{i}"}})
                conn.request("PATCH", f"/crm/v3/objects/contacts/{contact}", body, headers)
            else:
                conn.request("GET", f"/crm/v3/objects/contacts/{contact}", headers=headers)
            response = conn.getresponse()
            response.read()
            assert response.status == 200, response.status
            times.append(time.perf_counter() - start)
            i += 7
    finally:
        conn.close()
    return times


def _snapshot_loop(portal: FakePortal, path: str, stop: threading.Event) -> None:
    """The replaced store: the whole portal to portal.json every 2 s, under the lock."""
    while not stop.wait(2.0):
        with portal.lock:
            data = json.dumps(portal.to_state(), separators=(",", ":")).encode("utf-8")
            atomic_write(Path(path), data)


def _serve_mixed(
    portal: FakePortal, token: str, ids: list[str], seconds: float, clients: int
) -> tuple[float, float, float]:
    """(req/s, p99 s, worst s) of the mixed load against ``portal`` served on loopback."""
    with PortalServer(portal) as server, multiprocessing.get_context("spawn").Pool(clients) as pool:
        pool.map(_mixed, [(server.port, token, ids, 0.3, n) for n in range(clients)])
        start = time.perf_counter()
        runs = pool.map(_mixed, [(server.port, token, ids, seconds, n) for n in range(clients)])
        elapsed = time.perf_counter() - start
    times = sorted(t for run in runs for t in run)
    return len(times) / elapsed, times[int(len(times) * 0.99)], times[-1]


def store_rows(portal: FakePortal, seconds: float, clients: int) -> list[Row]:
    """Open, search and mixed-load figures: the SQLite store beside the JSON snapshot store
    (and, for search, the in-memory portal)."""
    count = len(portal.records("contacts"))
    app = portal.private_app("mixed", ["crm.objects.contacts.read", "crm.objects.contacts.write"])
    ids = [r.id for r in portal.records("contacts")[:: max(1, count // 1000)]]
    with tempfile.TemporaryDirectory() as tmp:
        settings = dataclasses.replace(get_settings(), home=Path(tmp) / "sqlite")
        store = PortalFile(settings)
        start = time.perf_counter()
        store.save(portal)  # a portal not loaded from the store: written whole
        write_whole = time.perf_counter() - start
        json_path = Path(tmp) / "portal.json"
        atomic_write(json_path, json.dumps(portal.to_state()).encode("utf-8"))

        start = time.perf_counter()
        loaded, _ = store.load()
        open_sqlite = time.perf_counter() - start
        start = time.perf_counter()
        from_json = FakePortal()
        state = read_json(json_path)
        assert state is not None
        load_into(from_json, state, json_path)
        open_json = time.perf_counter() - start
        del from_json, state

        loaded.rate_limits.enabled = False
        durable = search_figures(loaded, app.token, in_memory=False)
        sqlite_rps, sqlite_p99, sqlite_worst = _serve_mixed(
            loaded, app.token, ids, seconds, clients
        )
        store.close(loaded)
        del loaded

        portal.rate_limits.enabled = False
        memory = search_figures(portal, app.token, in_memory=True)
        stop = threading.Event()
        saver = threading.Thread(target=_snapshot_loop, args=(portal, str(json_path), stop))
        saver.start()
        try:
            json_rps, json_p99, json_worst = _serve_mixed(portal, app.token, ids, seconds, clients)
        finally:
            stop.set()
            saver.join()

    def pair(ours: float, theirs: float, unit: str, scale: float) -> str:
        return f"{ours * scale:,.1f} {unit} vs {theirs * scale:,.1f} {unit} ({ours / theirs:.2f}x)"

    return [
        *search_rows(durable, memory, count),
        (
            f"write a {count:,}-contact portal whole (seed, import; with its index)",
            f"{write_whole:,.1f} s",
            "",
        ),
        (
            f"open a {count:,}-contact portal: SQLite vs JSON",
            pair(open_sqlite, open_json, "s", 1),
            "<= 1 s",
        ),
        (
            f"serve, mixed 3:1 read/write, {clients} clients: SQLite vs JSON",
            pair(sqlite_rps, json_rps, "req/s", 1),
            ">= 1,500 req/s",
        ),
        ("  p99 request: SQLite vs JSON", pair(sqlite_p99, json_p99, "ms", 1e3), "<= 20 ms"),
        ("  worst request: SQLite vs JSON", pair(sqlite_worst, json_worst, "ms", 1e3), ""),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()

    in_process, fake_server, canned = client_call_latency()
    throughput = server_throughput(args.seconds, args.clients)
    portal, per_contact, build_s = build_contacts(args.contacts)
    dispatch_s, client_s = search_latency(portal, args.contacts)
    durable = store_rows(portal, args.seconds, args.clients)

    rows = [
        ("client get_by_id, in-process (mock_hubspot)", f"{in_process * 1e3:.2f} ms", ""),
        ("client get_by_id, fake portal server (loopback)", f"{fake_server * 1e3:.2f} ms", ""),
        ("client get_by_id, canned HTTP server (loopback)", f"{canned * 1e3:.2f} ms", ""),
        ("ratio in-process / canned server", f"{in_process / canned:.2f}x", "< 1x"),
        (
            f"server throughput ({args.clients} keep-alive clients)",
            f"{throughput:,.0f} req/s",
            ">= 1,500 req/s",
        ),
        (
            f"search EQ email, {args.contacts:,} contacts (dispatch)",
            f"{dispatch_s * 1e3:.2f} ms",
            "<= 20 ms",
        ),
        (
            f"search EQ email, {args.contacts:,} contacts (client)",
            f"{client_s * 1e3:.2f} ms",
            "<= 20 ms",
        ),
        (
            f"memory per {args.contacts:,} contacts",
            f"{per_contact * args.contacts / 2**20:.1f} MiB",
            "",
        ),
        (f"build {args.contacts:,} contacts (validated)", f"{build_s:.1f} s", ""),
        *durable,
    ]
    width = max(len(r[0]) for r in rows)
    value_width = max(14, *(len(r[1]) for r in rows))
    print(f"{'measure':<{width}}  {'value':>{value_width}}  target")
    print(f"{'-' * width}  {'-' * value_width}  {'-' * 14}")
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:>{value_width}}  {target}")


if __name__ == "__main__":
    main()
