"""Does an event cost more when its lead already has a long history?

    python tests/perf/bench_history.py     (BENCH_HISTORY_SIZES=0,1000,10000,20000,100000)

For each size, a fresh SQLite database gets one lead with that many stored
activities (spread over the last 60 days, the ``bench_ingest`` mix), then
the real server (``leadbot serve``, Slack stand-in) receives single-event
requests for that lead one after another while other leads' events flow at
BENCH_HISTORY_RATE events/s beside them. Prints per size the busy lead's
p50/p99 latency and the writer thread's CPU per event (all events), then
the ratio of the largest size to the empty one. Target: within 1.5×.

The first event of the busy lead is not measured: on a database seeded
behind the server's back its state is built then (once), as after an upgrade.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot.demo.client import signed_request
from bot.sandbox.server import FakeSlackServer
from storage.db import make_engine
from storage.migrate import upgrade
from storage.models import Activity, Lead
from tests.perf.ingest_load import ACTIVITY_MIX, SECRET, document, python, start
from tests.support.servers import free_port

SIZES = [
    int(n) for n in os.environ.get("BENCH_HISTORY_SIZES", "0,1000,10000,20000,100000").split(",")
]
EVENTS = int(os.environ.get("BENCH_HISTORY_EVENTS", "300"))
RATE = float(os.environ.get("BENCH_HISTORY_RATE", "200"))
BUSY = "busy@history.example"


def seed(url: str, size: int) -> None:
    """One lead and ``size`` activities, written straight into a migrated database."""
    engine = make_engine(url)
    upgrade(engine)
    now = datetime.now(UTC)
    lead_table = Lead.__table__  # type: ignore[attr-defined]
    activity_table = Activity.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        lead = {"email": BUSY, "job_title": "Engineer", "company": "History Inc", "utm": {},
                "attributes": {}, "score_reasons": [], "stage": "new", "version": 1,
                "first_seen_at": now, "updated_at": now}  # fmt: skip
        lead_id = conn.execute(lead_table.insert().returning(lead_table.c.id), lead).scalar_one()
        step = timedelta(days=60) / max(size, 1)
        rows = [
            {
                "lead_id": lead_id,
                "type": ACTIVITY_MIX[(n * 2654435761) % len(ACTIVITY_MIX)],
                "occurred_at": now - step * (n + 1),
                "properties": {"path": f"/p/{n % 50}"},
            }
            for n in range(size)
        ]
        for start_at in range(0, size, 5_000):
            conn.execute(activity_table.insert(), rows[start_at : start_at + 5_000])
    engine.dispose()


def writer_numbers(client: httpx.Client, base: str) -> tuple[float, float]:
    """(writer CPU seconds, events stored) so far, from the server's /metrics."""
    cpu, events = 0.0, 0.0
    for line in client.get(f"{base}/metrics").text.splitlines():
        if line.startswith("leadbot_writer_cpu_seconds "):
            cpu = float(line.split()[1])
        elif line.startswith("leadbot_events_accepted_total"):
            events += float(line.split()[1])
    return cpu, events


class Background(threading.Thread):
    """Other leads' events at a fixed rate, for as long as the measurement runs."""

    def __init__(self, url: str, size: int) -> None:
        super().__init__(daemon=True)
        self.url, self.size, self.sent = url, size, 0
        self.stop = threading.Event()

    def run(self) -> None:
        interval = 1 / RATE
        deadline = time.perf_counter()
        with httpx.Client(timeout=30) as client:
            while not self.stop.is_set():
                n = self.size * 1_000_000 + self.sent
                headers, body = signed_request(SECRET, document(n), msg_id=f"bg_{n}")
                client.post(self.url, content=body, headers=headers).raise_for_status()
                self.sent += 1
                deadline += interval
                pause = deadline - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)


def busy_event(n: int) -> dict:
    activity = {"type": "page_view", "properties": {"path": f"/docs/{n % 7}"}}
    return {"type": "lead.activity", "lead": {"email": BUSY}, "activity": activity}


def measure(work: Path, size: int, slack_api: str) -> tuple[float, float, float]:
    """(p50 ms, p99 ms, writer CPU µs per event) with ``size`` activities stored for the lead."""
    url = f"sqlite:///{work / f'history-{size}.db'}"
    seed(url, size)
    port = free_port()
    server = start(
        [python(), "-m", "bot.cli.main", "serve", "--port", str(port)],
        {"LEADBOT_DATABASE_URL": url, "LEADBOT_WEBHOOK_SECRET": SECRET,
         "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": "bench-signing-secret",
         "LEADBOT_SLACK_API_URL": slack_api, "LEADBOT_LOG_LEVEL": "WARNING"},
        port,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    endpoint = f"{base}/webhooks/generic"
    try:
        with httpx.Client(timeout=60) as client:
            requests = [signed_request(SECRET, busy_event(n), msg_id=f"busy_{size}_{n}")
                        for n in range(EVENTS + 1)]  # fmt: skip
            client.post(endpoint, content=requests[0][1], headers=requests[0][0])
            background = Background(endpoint, size)
            background.start()
            time.sleep(1)  # the background rate settles
            cpu, stored = writer_numbers(client, base)
            latencies = []
            for headers, body in requests[1:]:
                began = time.perf_counter()
                client.post(endpoint, content=body, headers=headers).raise_for_status()
                latencies.append((time.perf_counter() - began) * 1000)
            cpu_after, stored_after = writer_numbers(client, base)
            cpu, events = cpu_after - cpu, stored_after - stored
            background.stop.set()
            background.join()
    finally:
        server.terminate()
        server.wait()
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return statistics.median(latencies), p99, cpu / events * 1e6


def main() -> None:
    results = {}
    with tempfile.TemporaryDirectory() as tmp, FakeSlackServer() as slack:
        for size in SIZES:
            results[size] = p50, p99, cpu = measure(Path(tmp), size, slack.api_url)
            print(f"history {size:>7,}: p50 {p50:5.1f} ms, p99 {p99:5.1f} ms, "
                  f"writer CPU {cpu:5.0f} µs/event", flush=True)  # fmt: skip
    first, last = results[SIZES[0]], results[SIZES[-1]]
    ratio = last[0] / first[0]
    verdict = "met" if ratio <= 1.5 else "NOT met"
    print(f"history: p50 at {SIZES[-1]:,} is {ratio:.2f}× the p50 at {SIZES[0]:,} "
          f"(writer CPU {last[2] / first[2]:.2f}×); target <= 1.5×: {verdict}")  # fmt: skip


if __name__ == "__main__":
    main()
