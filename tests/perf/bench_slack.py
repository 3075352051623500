"""Slack delivery benchmark: throughput against Slack's per-channel limit, and latency.

1. 500 messages enqueued in one transaction across four channels, against the
   Slack stand-in enforcing ``--limit`` messages/s/channel with 429s: the
   delivery rate as a share of the limit (target close to 1.0), with zero
   duplicates and zero losses.
2. Messages enqueued one at a time, well under the limit: the latency from
   the producer's commit to Slack receiving ``chat.postMessage`` (p50 target
   < 200 ms).

Run: ``python tests/perf/bench_slack.py [--database-url postgresql+psycopg://…]``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlalchemy.engine import Engine

from bot.delivery.worker import DeliveryConfig, OutboxWorker
from bot.sandbox import FakeSlackServer, Workspace
from bot.slack.sender import SlackSender
from storage import outbox
from storage.db import make_engine
from storage.migrate import upgrade

CHANNELS = ("C0MARKETING", "C0SALES", "C0URGENT", "C0ESCALATION")
LATENCY_TARGET_MS = 200.0


def _enqueue(engine: Engine, messages: list[tuple[str, str]]) -> None:
    """Queue ``(dedupe key, channel)`` posts in one transaction, as a producer would."""
    with engine.begin() as conn:
        for key, channel in messages:
            outbox.enqueue_slack(
                conn,
                dedupe_key=key,
                target=channel,
                method="chat.postMessage",
                args={"channel": channel, "text": key},
            )


def _spread(prefix: str, count: int) -> list[tuple[str, str]]:
    return [(f"{prefix}:{n}", CHANNELS[n % len(CHANNELS)]) for n in range(count)]


def _worker(engine: Engine, slack: FakeSlackServer, config: DeliveryConfig) -> OutboxWorker:
    from slack_sdk.web.async_client import AsyncWebClient

    client = AsyncWebClient(base_url=slack.api_url, timeout=10, retry_handlers=[])
    sender = SlackSender(client, engine)
    return OutboxWorker(engine, senders={outbox.SLACK: sender}, config=config)


async def throughput(
    engine: Engine, count: int, limit: float, slack_burst: int, pace_burst: int
) -> None:
    with FakeSlackServer(Workspace.demo()) as slack:
        slack.faults.enforce_rate_limit(per_second=limit, burst=slack_burst)
        messages = _spread("burst", count)
        keys = [key for key, _ in messages]
        worker = _worker(engine, slack, DeliveryConfig(per_second=limit, burst=pace_burst))
        await worker.start()
        await asyncio.to_thread(_enqueue, engine, messages)
        worker.notify()
        try:
            await slack.workspace.wait_until(
                lambda: sum(len(slack.workspace.messages(c)) for c in CHANNELS) >= count,
                timeout=count / limit + 60,
            )
        finally:
            await worker.stop()
        posted = [m.text for c in CHANNELS for m in slack.workspace.messages(c)]
        calls = slack.workspace.calls("chat.postMessage")
    ok = sorted(c.at for c in calls if c.ok)
    per_channel = count / len(CHANNELS)
    # at the limit, Slack's burst goes at once and the rest at ``limit`` per second
    rate = (per_channel - slack_burst) / (ok[-1] - ok[0])
    duplicates = sum(n - 1 for n in Counter(posted).values())
    delivered = len(set(posted) & set(keys))
    refused = sum(1 for c in calls if c.status == 429)
    print(
        f"slack_delivery: {rate:.2f} msgs/s/channel ({rate / limit:.2f} of the limit), "
        f"{delivered}/{count} delivered, {duplicates} duplicates, {refused} answered 429"
    )


async def latency(engine: Engine, count: int, interval: float) -> None:
    with FakeSlackServer(Workspace.demo()) as slack:
        worker = _worker(engine, slack, DeliveryConfig())
        await worker.start()
        committed: dict[str, float] = {}
        try:
            for key, channel in _spread("single", count):
                await asyncio.to_thread(_enqueue, engine, [(key, channel)])
                committed[key] = time.time()
                worker.notify()
                await asyncio.sleep(interval)
            await slack.workspace.wait_for_calls("chat.postMessage", count, timeout=30)
        finally:
            await worker.stop()
        received = {c.params["text"]: c.at for c in slack.workspace.calls("chat.postMessage")}
    delays = [(received[key] - at) * 1000 for key, at in committed.items()]
    p50 = statistics.median(delays)
    p95 = statistics.quantiles(delays, n=20)[-1]
    print(
        f"slack_latency_p50: {p50:.1f} ms enqueue→chat.postMessage "
        f"({p50 / LATENCY_TARGET_MS:.2f} of the {LATENCY_TARGET_MS:.0f} ms target), "
        f"p95 {p95:.1f} ms"
    )


def _engine(url: str | None, workdir: Path) -> Engine:
    engine = make_engine(url or f"sqlite:///{workdir / 'bench.db'}")
    upgrade(engine)
    return engine


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="an empty database (default: a temporary SQLite)")
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--limit", type=float, default=10.0, help="messages/s/channel")
    parser.add_argument("--slack-burst", type=int, default=3, help="burst the stand-in allows")
    parser.add_argument(
        "--pace-burst", type=int, default=1, help="burst leadbot uses (below Slack's: no 429s)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        engine = _engine(args.database_url, Path(workdir))
        try:
            await throughput(engine, args.count, args.limit, args.slack_burst, args.pace_burst)
            await latency(engine, count=40, interval=0.3)
        finally:
            engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
