"""Durable Slack delivery through the outbox, against the Slack stand-in over loopback HTTP."""

from __future__ import annotations

import dataclasses
import itertools
import time
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine

from bot.config.settings import load_settings
from bot.delivery.policy import Outcome
from bot.delivery.worker import DeliveryConfig
from bot.sandbox import FakeSlackServer, Workspace
from bot.slack.client import web_client
from bot.slack.sender import METADATA_EVENT, SlackSender
from storage import outbox
from storage.clock import utc_now
from storage.db import make_engine
from storage.models import Outbox, SlackMessage
from storage.slack_messages import PostedMessage, find_message
from tests.support.delivery import (
    FAST,
    make_worker,
    post,
    running,
    settled,
    slack_sender,
    statuses,
    texts,
)


@pytest.fixture
def slack() -> Iterator[FakeSlackServer]:
    with FakeSlackServer(Workspace.demo()) as server:
        yield server


async def test_only_committed_messages_are_sent_and_each_dedupe_key_once(
    engine: Engine, slack: FakeSlackServer
) -> None:
    with pytest.raises(RuntimeError), engine.begin() as conn:
        outbox.enqueue_slack(
            conn,
            dedupe_key="rolled-back",
            target="C0SALES",
            method="chat.postMessage",
            args={"channel": "C0SALES", "text": "rolled-back"},
        )
        raise RuntimeError("the producer's transaction fails")
    assert post(engine, "mql:1") is True
    assert post(engine, "mql:1") is False

    async with running(make_worker(engine, slack)) as worker:
        worker.notify()
        assert await settled(engine) == {"mql:1": "done"}
    assert texts(slack) == ["mql:1"]
    assert len(slack.workspace.calls("chat.postMessage")) == 1


async def test_the_client_the_app_runs_is_built_from_settings(
    engine: Engine, slack: FakeSlackServer
) -> None:
    post(engine, "mql:1")
    client = web_client(load_settings(slack_api_url=slack.api_url))
    worker = make_worker(engine, slack, sender=SlackSender(client, engine))
    async with running(worker):
        worker.notify()
        assert await settled(engine) == {"mql:1": "done"}
    assert texts(slack) == ["mql:1"]


async def test_a_card_its_thread_reply_and_its_update_arrive_in_order(
    engine: Engine, slack: FakeSlackServer
) -> None:
    with engine.begin() as conn:
        # the update is queued first: it must wait for the card it refers to
        outbox.enqueue_slack(
            conn,
            dedupe_key="card:1:accepted",
            target="C0SALES",
            method="chat.update",
            args={"text": "Accepted by <@U0ALICE>", "blocks": []},
            update_of="card:1",
        )
        outbox.enqueue_slack(
            conn,
            dedupe_key="card:1",
            target="C0SALES",
            method="chat.postMessage",
            args={"channel": "C0SALES", "text": "New MQL"},
            purpose="sales_handoff",
        )
        outbox.enqueue_slack(
            conn,
            dedupe_key="card:1:reply",
            target="C0SALES",
            method="chat.postMessage",
            args={"channel": "C0SALES", "text": "accepted"},
            thread_of="card:1",
        )
    async with running(make_worker(engine, slack)):
        assert set((await settled(engine)).values()) == {"done"}

    [card, reply] = slack.workspace.messages("C0SALES")
    assert card.text == "Accepted by <@U0ALICE>" and card.edited_ts
    assert reply.text == "accepted" and reply.thread_ts == card.ts
    assert card.metadata == {
        "event_type": METADATA_EVENT,
        "event_payload": {"dedupe_key": "card:1"},
    }
    with engine.connect() as conn:
        recorded = conn.execute(select(SlackMessage)).mappings().one()
        waited = outbox.find_item(conn, "card:1:accepted")
    assert (recorded["channel"], recorded["ts"], recorded["purpose"]) == (
        "C0SALES",
        card.ts,
        "sales_handoff",
    )
    assert waited is not None and waited.attempts == 1  # waiting was not an attempt


async def test_a_slack_outage_delays_messages_but_never_loses_or_doubles_them(
    engine: Engine, slack: FakeSlackServer
) -> None:
    slack.faults.server_error("chat.postMessage", times=8, status=503)
    slack.faults.ambiguous(times=2)  # stored by Slack, answered with a 500
    for n in range(6):
        post(engine, f"mql:{n}", channel=("C0SALES", "C0MARKETING")[n % 2])

    async with running(make_worker(engine, slack)):
        assert set((await settled(engine)).values()) == {"done"}

    delivered = texts(slack, "C0SALES") + texts(slack, "C0MARKETING")
    assert sorted(delivered) == [f"mql:{n}" for n in range(6)]
    failed = [c for c in slack.workspace.calls("chat.postMessage") if not c.ok]
    assert len(failed) == 10
    assert slack.workspace.calls("conversations.history")  # checked before posting again


async def test_the_ambiguous_failure_is_recorded_not_reposted(
    engine: Engine, slack: FakeSlackServer
) -> None:
    slack.faults.ambiguous()
    post(engine, "card:7", purpose="sales_handoff")
    async with running(make_worker(engine, slack)):
        await settled(engine)
    [message] = slack.workspace.messages("C0SALES")
    assert len(slack.workspace.calls("chat.postMessage")) == 1
    with engine.connect() as conn:
        assert find_message(conn, "card:7") == PostedMessage("C0SALES", message.ts)


async def test_a_429_storm_is_paced_out_without_losses_or_duplicates(
    engine: Engine, slack: FakeSlackServer
) -> None:
    slack.faults.enforce_rate_limit(per_second=10, burst=2)
    keys = [f"mql:{n}" for n in range(16)]
    for n, key in enumerate(keys):
        post(engine, key, channel=("C0SALES", "C0MARKETING")[n % 2])

    async with running(make_worker(engine, slack)):
        assert set((await settled(engine, timeout=30)).values()) == {"done"}

    assert sorted(texts(slack, "C0SALES") + texts(slack, "C0MARKETING")) == sorted(keys)
    calls = slack.workspace.calls("chat.postMessage")
    assert any(c.status == 429 for c in calls)
    with engine.connect() as conn:
        assert all(item.attempts == 1 for item in outbox.list_items(conn))  # 429s do not count


async def test_posts_to_one_channel_are_paced(engine: Engine, slack: FakeSlackServer) -> None:
    for n in range(6):
        post(engine, f"mql:{n}")
    config = DeliveryConfig(per_second=5, burst=1, poll_interval=0.05)
    async with running(make_worker(engine, slack, config)):
        await settled(engine)
    sent = [c.at for c in slack.workspace.calls("chat.postMessage")]
    gaps = [b - a for a, b in itertools.pairwise(sent)]
    assert len(sent) == 6 and min(gaps) > 0.15
    assert texts(slack) == [f"mql:{n}" for n in range(6)]


async def test_errors_that_cannot_pass_dead_letter_at_once(
    engine: Engine, slack: FakeSlackServer
) -> None:
    post(engine, "card:1", channel="C0NOPE", purpose="sales_handoff")
    post(engine, "card:1:reply", channel="C0NOPE", thread_of="card:1")
    post(engine, "orphan", thread_of="never-queued")
    async with running(make_worker(engine, slack)):
        assert await settled(engine) == {"card:1": "dead", "card:1:reply": "dead", "orphan": "dead"}
    with engine.connect() as conn:
        card, reply, orphan = (
            outbox.find_item(conn, k) for k in ("card:1", "card:1:reply", "orphan")
        )
    assert card and card.attempts == 1 and card.last_error == "HTTP 200: channel_not_found"
    assert (
        reply and reply.last_error == f"refers to 'card:1' (outbox item {card.id}), which is dead"
    )
    assert orphan and orphan.last_error == "refers to 'never-queued', which was never queued"
    assert len(slack.workspace.calls("chat.postMessage")) == 1


async def test_a_revoked_token_dead_letters_instead_of_retrying(engine: Engine) -> None:
    with FakeSlackServer(Workspace.demo(), token="xoxb-current") as slack:
        post(engine, "mql:1")
        worker = make_worker(engine, slack, sender=slack_sender(engine, slack, "xoxb-revoked"))
        async with running(worker):
            assert await settled(engine) == {"mql:1": "dead"}
        assert slack.workspace.messages("C0SALES") == []
    with engine.connect() as conn:
        [item] = outbox.list_items(conn, status=outbox.DEAD)
    assert item.last_error == "HTTP 200: invalid_auth"


def _crash_leaving_claims(engine: Engine) -> None:
    """What a dead instance leaves behind: rows in flight whose lease has run out."""
    with engine.begin() as conn:
        conn.execute(
            update(Outbox).values(  # type: ignore[arg-type]
                status=outbox.IN_FLIGHT, claimed_until=utc_now() - timedelta(seconds=1)
            )
        )


async def test_work_of_a_crashed_instance_is_taken_over_without_reposting(
    engine: Engine, slack: FakeSlackServer
) -> None:
    for n in range(3):
        post(engine, f"mql:{n}")
    # the dead instance had posted mql:0 before it could record it
    slack.workspace.post(
        "C0SALES",
        text="mql:0",
        metadata={"event_type": METADATA_EVENT, "event_payload": {"dedupe_key": "mql:0"}},
    )
    _crash_leaving_claims(engine)

    async with running(make_worker(engine, slack)):
        assert set((await settled(engine)).values()) == {"done"}
    assert texts(slack) == ["mql:0", "mql:1", "mql:2"]


async def test_a_stopped_worker_hands_its_queue_to_the_next(
    engine: Engine, slack: FakeSlackServer
) -> None:
    for n in range(8):
        post(engine, f"mql:{n}")
    slow = DeliveryConfig(per_second=4, burst=1, poll_interval=0.05)
    async with running(make_worker(engine, slack, slow)):
        await slack.workspace.wait_for_calls("chat.postMessage", 2)
    left = [s for s in statuses(engine).values() if s != outbox.DONE]
    assert left and set(left) == {outbox.PENDING}

    async with running(make_worker(engine, slack)):
        await settled(engine)
    assert texts(slack) == [f"mql:{n}" for n in range(8)]


class CountingSender:
    """A Slack sender that notes which rows it was given."""

    def __init__(self, inner: SlackSender) -> None:
        self.inner = inner
        self.keys: list[str] = []

    def paced(self, item: outbox.OutboxItem) -> bool:
        return self.inner.paced(item)

    async def send(self, item: outbox.OutboxItem) -> Outcome:
        self.keys.append(item.dedupe_key)
        return await self.inner.send(item)

    def record(
        self, conn: Connection, item: outbox.OutboxItem, result: Mapping[str, Any], now: datetime
    ) -> None:
        self.inner.record(conn, item, result, now)


async def test_two_instances_share_the_work_without_duplicates(
    db_url: str, slack: FakeSlackServer
) -> None:
    engines = [make_engine(db_url), make_engine(db_url)]
    channels = ["C0SALES", "C0MARKETING", "C0URGENT", "C0ESCALATION"]
    keys = [f"mql:{n}" for n in range(80)]
    for n, key in enumerate(keys):
        post(engines[0], key, channel=channels[n % 4])
    senders = [CountingSender(slack_sender(e, slack)) for e in engines]
    small = dataclasses.replace(FAST, capacity=8)  # neither instance can take everything
    workers = [
        make_worker(e, slack, small, sender=s, instance_id=name)
        for e, s, name in zip(engines, senders, "ab", strict=True)
    ]
    try:
        async with running(workers[0]), running(workers[1]):
            assert set((await settled(engines[0], timeout=30)).values()) == {"done"}
    finally:
        for e in engines:
            e.dispose()

    assert sorted(t for c in channels for t in texts(slack, c)) == sorted(keys)
    assert senders[0].keys and senders[1].keys
    assert sorted(senders[0].keys + senders[1].keys) == sorted(keys)


def test_any_due_agrees_with_claim_and_waits_for_no_writer(engine: Engine) -> None:
    def enqueue(key: str, **extra: Any) -> None:
        with engine.begin() as conn:
            outbox.enqueue(conn, kind="slack", dedupe_key=key, target="C0SALES",
                           payload={"method": "chat.postMessage", "args": {}}, **extra)  # fmt: skip

    def due(skip: tuple[str, ...] = ()) -> bool:
        with engine.connect() as conn:
            return outbox.any_due(conn, kinds=["slack"], now=utc_now(), skip_targets=skip)

    enqueue("later", not_before=utc_now() + timedelta(minutes=5))
    assert due() is False  # only a row for later
    enqueue("now")
    assert due(skip=("C0SALES",)) is False  # its channel is paced out
    with engine.connect() as writer, writer.begin():  # the ingest writer, mid-transaction
        enqueue_row = {"kind": "slack", "target": "C0MARKETING", "dedupe_key": "open",
                       "payload": {}, "status": "pending", "attempts": 0, "result": {},
                       "next_attempt_at": utc_now(), "created_at": utc_now()}  # fmt: skip
        writer.execute(Outbox.__table__.insert(), enqueue_row)
        started = time.monotonic()
        assert due() is True
        assert time.monotonic() - started < 1.0  # a read: no wait for the write lock
    with engine.begin() as conn:
        claimed = outbox.claim(
            conn, kinds=["slack"], now=utc_now(), lease=timedelta(seconds=30), limit=10
        )
    assert [item.dedupe_key for item in claimed] == ["now", "open"]
    assert due() is False  # claimed, their leases still running
