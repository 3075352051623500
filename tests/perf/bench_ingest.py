"""Ingest throughput: the real server against a raw-sqlite3 baseline, same run, same load.

    python tests/perf/bench_ingest.py        (BENCH_SECONDS=20 BENCH_CONNECTIONS=64 by default)

Prints events/s, p50/p99 latency, peak RSS, server CPU per event and the
ratio to the baseline for: SQLite at saturation (wrk, closed loop); the same
stream sent as Segment ``track`` calls to ``POST /webhooks/segment`` (a vendor
route: its own signature, translation and an alias per event); SQLite in
an open loop at half that rate (p50/p99 of service, not of queueing);
PostgreSQL with one instance, then two instances sharing the load (one wrk
per instance, connections split evenly), where the CPU of the database's
backends is added to each event's; and the batch form (100,000 events in
batches of 500) with time and database size. Targets: ratio >= 0.35 with
p99 < 100 ms at saturation, p99 < 50 ms in the open loop.

The server runs the whole product (scoring, stage changes, Slack cards through
the outbox) against a Slack stand-in in this process, as it would against
Slack in production. The event stream is a realistic mix: BENCH_LEADS leads
sending mostly page views, with a demo or contact request now and then.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot.demo.client import signed_request
from bot.sandbox.server import FakeSlackServer
from bot.sources import segment
from tests.perf import postgres_load
from tests.perf.ingest_load import (
    CONNECTIONS,
    SECRET,
    SEGMENT_SECRET,
    LoadResult,
    Request,
    document,
    generic_request,
    measure,
    process_cpu,
    python,
    serve_leadbot,
    start,
    write_requests,
)
from tests.perf.open_loop import open_loop
from tests.support.servers import free_port

SECONDS = int(os.environ.get("BENCH_SECONDS", "20"))
#: signed requests per phase (signatures expire after five minutes, so each phase signs its own)
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "150000"))
BATCH_EVENTS = int(os.environ.get("BENCH_BATCH_EVENTS", "100000"))


def signed(work: Path, name: str, first: int = 0, request: Any = generic_request) -> Path:
    path = work / f"{name}.tsv"
    write_requests(path, REQUESTS, lambda n: document(first + n), request)
    return path


def segment_request(n: int, event: dict[str, Any]) -> Request:
    """The same event as Segment's Webhooks destination sends a ``track`` call."""
    lead, activity = event["lead"], event["activity"]
    message = {
        "type": "track",
        "messageId": f"seg_{n}",
        "userId": f"user-{lead['email']}",
        "event": activity["type"],
        "properties": activity["properties"],
        "context": {
            "traits": {
                "email": lead["email"],
                "firstName": lead["first_name"],
                "lastName": lead["last_name"],
                "title": lead["job_title"],
                "company": {"name": lead["company"], "employee_count": lead["company_size"]},
                "address": {"country": lead["country"]},
            }
        },
    }
    body = json.dumps(message, separators=(",", ":")).encode()
    return "/webhooks/segment", segment.sign(body, SEGMENT_SECRET, datetime.now(UTC)), body


def report(label: str, result: LoadResult, base: LoadResult, cpu_us: float) -> None:
    ratio = result.events_per_s / base.events_per_s
    print(f"{label}: {result.line()}, CPU {cpu_us:,.0f} µs/event, ratio {ratio:.2f}", flush=True)


def run_baseline(work: Path) -> LoadResult:
    port = free_port()
    baseline = start(
        [python(), "-m", "uvicorn", "tests.perf.baseline_app:app", "--port", str(port),
         "--no-access-log", "--log-level", "warning"],
        {"BASELINE_DB": str(work / "baseline.db")},
        port,
    )  # fmt: skip
    try:
        return measure(baseline, port, signed(work, "baseline"), seconds=SECONDS,
                       connections=CONNECTIONS)  # fmt: skip
    finally:
        baseline.terminate()
        baseline.wait()


def run_sqlite(
    work: Path, slack: str, name: str, rate: float | None, request: Any = generic_request
) -> tuple[LoadResult, float]:
    """At saturation (``rate`` None) or in an open loop at ``rate``; and CPU µs per event.

    ``request`` says which route the stream is sent to (the generic one, or a vendor's).
    """
    port = free_port()
    server = serve_leadbot(f"sqlite:///{work / name}.db", port, slack)
    requests = signed(work, name, request=request)
    try:
        cpu = process_cpu(server.pid)
        if rate is None:
            result = measure(server, port, requests, seconds=SECONDS, connections=CONNECTIONS)
        else:
            result = open_loop(server.pid, port, requests, rate=rate, seconds=SECONDS)
        cpu = process_cpu(server.pid) - cpu
    finally:
        server.terminate()
        server.wait()
    return result, cpu / (result.events_per_s * SECONDS) * 1e6


def run_postgres(work: Path, slack: str, instances: int) -> tuple[LoadResult, float, float]:
    """Both instances at saturation: (load, server CPU µs/event, database CPU µs/event)."""
    with postgres_load.database() as url:
        ports = [free_port() for _ in range(instances)]
        servers = [serve_leadbot(url, port, slack) for port in ports]
        files = [signed(work, f"pg{instances}_{i}", first=i * REQUESTS) for i in ports]
        try:
            app_cpu = [process_cpu(server.pid) for server in servers]
            db_cpu = postgres_load.backend_cpu(url)
            share = CONNECTIONS // instances

            def load(job: tuple[subprocess.Popen[bytes], int, Path]) -> LoadResult:
                return measure(*job, seconds=SECONDS, connections=share)

            with ThreadPoolExecutor(instances) as pool:
                results = list(pool.map(load, zip(servers, ports, files, strict=True)))
            db = postgres_load.cpu_between(db_cpu, postgres_load.backend_cpu(url))
            app = sum(process_cpu(s.pid) - c for s, c in zip(servers, app_cpu, strict=True))
        finally:
            for server in servers:
                server.terminate()
                server.wait()
    combined = LoadResult(
        events_per_s=sum(r.events_per_s for r in results),
        p50_ms=max(r.p50_ms for r in results),
        p99_ms=max(r.p99_ms for r in results),
        errors=sum(r.errors for r in results),
        peak_rss_mb=max(r.peak_rss_mb for r in results),
    )
    events = combined.events_per_s * SECONDS
    return combined, app / events * 1e6, db / events * 1e6


def run_batches(work: Path, slack: str) -> None:
    port = free_port()
    database = work / "batch.db"
    server = serve_leadbot(f"sqlite:///{database}", port, slack)
    started = time.perf_counter()
    with httpx.Client(timeout=60) as client:
        for first in range(0, BATCH_EVENTS, 500):
            batch = {"events": [document(n) for n in range(first, min(first + 500, BATCH_EVENTS))]}
            headers, body = signed_request(SECRET, batch, msg_id=f"batch_{first}")
            response = client.post(
                f"http://127.0.0.1:{port}/webhooks/generic", content=body, headers=headers
            )
            response.raise_for_status()
    elapsed = time.perf_counter() - started
    server.terminate()
    server.wait()
    size = sum(p.stat().st_size for p in work.glob("batch.db*")) / 1e6
    rate = BATCH_EVENTS / elapsed
    print(f"batch: {BATCH_EVENTS:,} events in {elapsed:.1f} s ({rate:,.0f} events/s)")
    print(f"batch: database {size:.0f} MB")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, FakeSlackServer() as slack:
        work = Path(tmp)
        base = run_baseline(work)
        print(f"baseline (raw sqlite3 insert+commit): {base.line()}", flush=True)
        real, cpu = run_sqlite(work, slack.api_url, "leadbot", None)
        report("leadbot ingest (SQLite)", real, base, cpu)
        ratio = real.events_per_s / base.events_per_s
        verdict = "met" if ratio >= 0.35 and real.p99_ms < 100 else "NOT met"
        print(f"ingest: {real.events_per_s:,.0f} events/s (ratio {ratio:.2f} vs baseline)")
        print(f"target ratio >= 0.35 with p99 < 100 ms: {verdict}", flush=True)

        vendor, cpu = run_sqlite(work, slack.api_url, "segment", None, segment_request)
        report("leadbot ingest through POST /webhooks/segment (SQLite)", vendor, base, cpu)
        print(f"segment route: {vendor.events_per_s / real.events_per_s:.2f} of the generic route")

        rate = real.events_per_s / 2
        steady, cpu = run_sqlite(work, slack.api_url, "open_loop", rate)
        report(f"open loop at {rate:,.0f}/s (SQLite)", steady, base, cpu)
        verdict = "met" if steady.p99_ms < 50 and not steady.errors else "NOT met"
        print(f"target open-loop p99 < 50 ms: {verdict}", flush=True)

        problem = postgres_load.reachable()
        if problem is not None:
            print(f"postgresql: skipped ({problem})")
        for instances in (1, 2) if problem is None else ():
            result, app, db = run_postgres(work, slack.api_url, instances)
            print(
                f"leadbot ingest (PostgreSQL, {instances} instance{'s' * (instances > 1)}): "
                f"{result.line()}, ratio {result.events_per_s / base.events_per_s:.2f}; "
                f"CPU per event: servers {app:,.0f} µs + database {db:,.0f} µs",
                flush=True,
            )
        run_batches(work, slack.api_url)


if __name__ == "__main__":
    main()
