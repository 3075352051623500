"""Slack latencies of a real leadbot server against the Slack stand-in on loopback.

    python tests/perf/bench_slack_clicks.py   (BENCH_CLICKS=200 BENCH_SECONDS=10 by default)

* button-click ack latency (signed ``block_actions`` → HTTP answer), p50/p99, alone
  and while wrk drives the webhook endpoint; baseline: a ``/healthz`` round trip
  measured in the same run. Target: p99 < 100 ms.
* webhook → ``chat.postMessage`` of the sales card, p50, one MQL at a time so the
  channel stays under Slack's rate limit. Target: p50 < 200 ms.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot.demo.client import signed_request
from bot.sandbox import FakeSlackServer, Interactions, SignedRequest, Workspace
from bot.slack.blocks import ACCEPT_ACTION
from storage.db import make_engine
from storage.migrate import upgrade
from tests.perf.ingest_load import SECRET, document, python, run_wrk, start, write_requests
from tests.support.servers import free_port

CLICKS = int(os.environ.get("BENCH_CLICKS", "200"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
HANDOFFS = int(os.environ.get("BENCH_HANDOFFS", "10"))
TOKEN, SIGNING_SECRET = "xoxb-bench", "bench-signing-secret"


def mql(email: str) -> dict:
    return {
        "type": "lead.activity",
        "lead": {
            "email": email,
            "job_title": "VP Sales",
            "company": "Bench GmbH",
            "company_size": 500,
            "industry": "Software",
            "country": "DE",
        },
        "activity": {"type": "demo_request"},
    }


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timed(send: Callable[[], httpx.Response], count: int) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        send().raise_for_status()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def wait_for(predicate: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting for Slack messages")
        time.sleep(0.005)


def post(client: httpx.Client, document_: dict, msg_id: str) -> None:
    headers, body = signed_request(SECRET, document_, msg_id=msg_id)
    client.post("/webhooks/generic", content=body, headers=headers).raise_for_status()


def pending_clicks(slack: FakeSlackServer, people: Interactions, count: int) -> list[SignedRequest]:
    cards = slack.workspace.messages("C0SALES", include_replies=False)
    return [
        people.click("U0ALICE", card.channel, card.ts, ACCEPT_ACTION)
        for card in (cards[n % len(cards)] for n in range(count))
    ]


def report(name: str, samples: list[float], baseline: float) -> float:
    p50, p99 = percentile(samples, 0.5), percentile(samples, 0.99)
    print(f"{name} p50: {p50:.1f} ms ({p50 / baseline:.1f}x vs baseline)")
    print(f"{name} p99: {p99:.1f} ms ({p99 / baseline:.1f}x vs baseline)")
    return p99


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, FakeSlackServer(Workspace.demo()) as slack:
        work = Path(tmp)
        url = f"sqlite:///{work / 'leadbot.db'}"
        upgrade(make_engine(url))
        port = free_port()
        server = start(
            [python(), "-m", "bot.cli.main", "serve", "--port", str(port)],
            {
                "LEADBOT_DATABASE_URL": url,
                "LEADBOT_WEBHOOK_SECRET": SECRET,
                "LEADBOT_LOG_LEVEL": "WARNING",
                "SLACK_BOT_TOKEN": TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "LEADBOT_SLACK_API_URL": slack.api_url,
            },
            port,
        )
        people = Interactions(slack.workspace, SIGNING_SECRET, response_base=slack.response_base)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
                handoff = measure_handoff(client, slack)
                # clicks are built while the cards still show their buttons; the first
                # on each card accepts it, later ones get "already decided"
                clicks = pending_clicks(slack, people, 2 * CLICKS)
                health = timed(lambda: client.get("/healthz"), CLICKS)
                baseline = statistics.median(health)
                print(f"baseline /healthz p50: {baseline:.1f} ms (1.0x)")
                alone_iter = iter(clicks[:CLICKS])
                alone = timed(lambda: client.request(**next(alone_iter).httpx_kwargs()), CLICKS)
                p99_alone = report("click ack (alone)", alone, baseline)

                requests_file = work / "requests.tsv"
                write_requests(requests_file, 200_000, document)
                load: dict = {}
                wrk = threading.Thread(
                    target=lambda: load.update(
                        run_wrk(port, requests_file, seconds=SECONDS, connections=CONNECTIONS)
                    )
                )
                wrk.start()
                time.sleep(1)
                loaded_iter = iter(clicks[CLICKS:])
                pause = max(0.0, (SECONDS - 2) / CLICKS)
                loaded = timed(
                    lambda: (time.sleep(pause), client.request(**next(loaded_iter).httpx_kwargs()))[
                        1
                    ],
                    CLICKS,
                )
                loaded = [ms - pause * 1000 for ms in loaded]
                wrk.join()
                rate = load["requests"] / (load["duration_us"] / 1e6)
                print(f"webhook load during clicks: {rate:,.0f} requests/s")
                p99_loaded = report("click ack (under webhook load)", loaded, baseline)
        finally:
            server.terminate()
            server.wait()
        p50_handoff = statistics.median(handoff)
        print(f"webhook to chat.postMessage p50: {p50_handoff:.1f} ms (target 200 ms)")
        worst = max(p99_alone, p99_loaded)
        met = worst < 100 and p50_handoff < 200
        print(f"targets (click p99 < 100 ms, handoff p50 < 200 ms): {'met' if met else 'NOT met'}")


def sales_posts(slack: FakeSlackServer) -> list[float]:
    """When each sales card was accepted by the stand-in."""
    calls = slack.workspace.calls("chat.postMessage")
    return [c.at for c in calls if c.ok and c.params.get("channel") == "C0SALES"]


def measure_handoff(client: httpx.Client, slack: FakeSlackServer) -> list[float]:
    """Seconds from sending an MQL event to its sales card reaching Slack, one at a time."""
    samples = []
    for n in range(HANDOFFS):
        before = len(sales_posts(slack))
        started = time.time()
        post(client, mql(f"handoff{n}@bench.example"), f"handoff-{n}")
        wait_for(lambda b=before: len(sales_posts(slack)) > b)
        samples.append((sales_posts(slack)[-1] - started) * 1000)
        time.sleep(1.1)  # stay under one message per second per channel
    return samples


if __name__ == "__main__":
    main()
