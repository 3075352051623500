"""Ingest throughput: the real server against a raw-sqlite3 baseline, same run, same load.

    python tests/perf/bench_ingest.py        (BENCH_SECONDS=20 BENCH_CONNECTIONS=64 by default)

Prints events/s, p50/p99 latency, peak RSS and the ratio to the baseline, then
the same stream sent as Segment ``track`` calls to ``POST /webhooks/segment``
(a vendor route: its own signature, translation, and an alias per event),
then the batch form: 100,000 events in batches of 500, with time and
database size. Targets: ratio >= 0.5 with p99 < 50 ms.

The server runs the whole product (scoring, stage changes, Slack cards through
the outbox) against a Slack stand-in in this process, as it would against
Slack in production. The event stream is a realistic mix: BENCH_LEADS leads
sending mostly page views, with a demo or contact request now and then.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot.demo.client import signed_request
from bot.sandbox.server import FakeSlackServer
from bot.sources import segment
from storage.db import make_engine
from storage.migrate import upgrade
from tests.perf.ingest_load import SECRET, Request, measure, python, start, write_requests
from tests.support.servers import free_port

SECONDS = int(os.environ.get("BENCH_SECONDS", "20"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "64"))
BATCH_EVENTS = int(os.environ.get("BENCH_BATCH_EVENTS", "100000"))
TITLES = ["VP Marketing", "CTO", "Student", "Head of Sales", "Engineer", "Director of IT"]
#: a realistic mix per 100 events: mostly page views, a demo or contact request now and then
ACTIVITY_MIX = (
    ["page_view"] * 60 + ["email_click"] * 10 + ["content_download"] * 8 + ["pricing_view"] * 8
    + ["ad_click"] * 6 + ["webinar"] * 4 + ["newsletter_signup"] * 2 + ["demo_request"]
    + ["contact_request"]
)  # fmt: skip


LEADS = int(os.environ.get("BENCH_LEADS", "3000"))
SEGMENT_SECRET = "bench-segment-shared-secret"


def document(n: int) -> dict:
    """The n-th event of a stream where each of LEADS leads sends about ten events a run."""
    lead = (n * 7919) % LEADS
    return {
        "type": "lead.activity",
        "lead": {
            "email": f"lead{lead}@company{lead % 997}.example",
            "first_name": "Alex",
            "last_name": f"Tester{lead}",
            "job_title": TITLES[lead % len(TITLES)],
            "company": f"Company {lead % 997}",
            "country": ["DE", "US", "France", "GB"][lead % 4],
            "company_size": (lead * 37) % 5000,
        },
        "activity": {
            "type": ACTIVITY_MIX[(n * 2654435761) % len(ACTIVITY_MIX)],
            "properties": {"path": f"/p/{n % 50}"},
        },
    }


def segment_request(n: int, event: dict) -> Request:
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


def serve_leadbot(database: Path, port: int, slack_api_url: str):  # type: ignore[no-untyped-def]
    """The real server as in production: Slack is another process (here a stand-in)."""
    url = f"sqlite:///{database}"
    upgrade(make_engine(url))
    return start(
        [python(), "-m", "bot.cli.main", "serve", "--port", str(port)],
        {
            "LEADBOT_DATABASE_URL": url,
            "LEADBOT_WEBHOOK_SECRET": SECRET,
            "LEADBOT_SEGMENT_SECRET": SEGMENT_SECRET,
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": "bench-signing-secret",
            "LEADBOT_SLACK_API_URL": slack_api_url,
            "LEADBOT_LOG_LEVEL": "WARNING",
        },
        port,
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, FakeSlackServer() as slack:
        work = Path(tmp)
        requests_file = work / "requests.tsv"
        write_requests(requests_file, 400_000, document)
        segment_file = work / "segment.tsv"
        write_requests(segment_file, 400_000, document, segment_request)

        port = free_port()
        baseline = start(
            [
                python(),
                "-m",
                "uvicorn",
                "tests.perf.baseline_app:app",
                "--port",
                str(port),
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            {"BASELINE_DB": str(work / "baseline.db")},
            port,
        )
        base = measure(baseline, port, requests_file, seconds=SECONDS, connections=CONNECTIONS)
        baseline.terminate()
        baseline.wait()

        port = free_port()
        server = serve_leadbot(work / "leadbot.db", port, slack.api_url)
        real = measure(server, port, requests_file, seconds=SECONDS, connections=CONNECTIONS)
        server.terminate()
        server.wait()

        port = free_port()
        server = serve_leadbot(work / "segment.db", port, slack.api_url)
        vendor = measure(server, port, segment_file, seconds=SECONDS, connections=CONNECTIONS)
        server.terminate()
        server.wait()

        print(f"baseline (raw sqlite3 insert+commit): {base.line()}")
        print(f"leadbot ingest (POST /webhooks/generic): {real.line()}")
        print(f"leadbot ingest (POST /webhooks/segment): {vendor.line()}")
        ratio = real.events_per_s / base.events_per_s
        verdict = "met" if ratio >= 0.5 and real.p99_ms < 50 else "NOT met"
        print(f"ingest: {real.events_per_s:,.0f} events/s (ratio {ratio:.2f} vs baseline)")
        print(f"target ratio >= 0.50 with p99 < 50 ms: {verdict}")
        print(
            f"segment route: {vendor.events_per_s:,.0f} events/s "
            f"(ratio {vendor.events_per_s / base.events_per_s:.2f} vs baseline, "
            f"{vendor.events_per_s / real.events_per_s:.2f} of the generic route)"
        )

        port = free_port()
        database = work / "batch.db"
        server = serve_leadbot(database, port, slack.api_url)
        started = time.perf_counter()
        with httpx.Client(timeout=60) as client:
            for first in range(0, BATCH_EVENTS, 500):
                batch = {
                    "events": [document(n) for n in range(first, min(first + 500, BATCH_EVENTS))]
                }
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


if __name__ == "__main__":
    main()
