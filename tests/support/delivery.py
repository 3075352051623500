"""Outbox workers on their own, against the Slack stand-in: build, run, fill, wait."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.delivery.policy import RetryPolicy
from bot.delivery.worker import DeliveryConfig, OutboxWorker, Sender
from bot.sandbox import FakeSlackServer
from bot.slack.sender import SlackSender
from storage import outbox
from storage.models import Outbox

#: fast enough that tests finish quickly, slow enough to exercise pacing and backoff
FAST = DeliveryConfig(
    per_second=50,
    burst=5,
    poll_interval=0.05,
    retry=RetryPolicy(base=0.05, cap=0.2, max_attempts=30),
)


def slack_sender(
    engine: Engine, slack: FakeSlackServer, token: str = "xoxb-delivery-test"
) -> SlackSender:
    client = AsyncWebClient(token=token, base_url=slack.api_url, timeout=5, retry_handlers=[])
    return SlackSender(client, engine)


def make_worker(
    engine: Engine,
    slack: FakeSlackServer,
    config: DeliveryConfig = FAST,
    *,
    sender: Sender | None = None,
    instance_id: str | None = None,
) -> OutboxWorker:
    return OutboxWorker(
        engine,
        senders={outbox.SLACK: sender or slack_sender(engine, slack)},
        config=config,
        instance_id=instance_id,
    )


@asynccontextmanager
async def running(worker: OutboxWorker) -> AsyncIterator[OutboxWorker]:
    await worker.start()
    try:
        yield worker
    finally:
        await worker.stop()


def post(engine: Engine, key: str, channel: str = "C0SALES", **kwargs: object) -> bool:
    with engine.begin() as conn:
        return outbox.enqueue_slack(
            conn,
            dedupe_key=key,
            target=channel,
            method="chat.postMessage",
            args={"channel": channel, "text": key},
            **kwargs,  # type: ignore[arg-type]
        )


def statuses(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(Outbox.dedupe_key, Outbox.status)).all())  # type: ignore[arg-type]


async def settled(engine: Engine, timeout: float = 10.0) -> dict[str, str]:
    """Wait until no row is pending or in flight; return each row's status."""
    deadline = time.monotonic() + timeout
    while True:
        found = await asyncio.to_thread(statuses, engine)
        if all(s in (outbox.DONE, outbox.DEAD) for s in found.values()):
            return found
        if time.monotonic() > deadline:
            raise TimeoutError(f"outbox not settled: {found}")
        await asyncio.sleep(0.02)


def texts(slack: FakeSlackServer, channel: str = "C0SALES") -> list[str]:
    return [m.text for m in slack.workspace.messages(channel)]
