"""A Slack outage while leads pour in: 500s, refused connections, 429s, posts cut off.

Every card must reach Slack exactly once, and no message may go to a channel
before the ``Retry-After`` of a 429 on that channel has passed.
"""

from __future__ import annotations

import time
from collections import Counter

import httpx
from sqlalchemy import ColumnElement, func, select
from sqlmodel import col

from storage.db import make_engine
from storage.models import Outbox
from tests.chaos.cluster import lead_event, post_events
from tests.chaos.slack_fake import FaultMode, SlackFake
from tests.chaos.slack_requests import ACCEPT

CARDS = 600
#: a message within this long before a Retry-After ends counts as a violation (clock jitter)
TOLERANCE = 0.05


def test_every_card_is_delivered_once_through_a_slack_outage(
    sqlite_url, slack: SlackFake, instances, figures
) -> None:
    instance = instances(sqlite_url, name="outage").start()
    engine = make_engine(sqlite_url)
    state = slack.state

    def outbox_count(*conditions: ColumnElement[bool]) -> int:
        with engine.connect() as conn:
            return conn.execute(
                select(func.count()).select_from(Outbox).where(*conditions)
            ).scalar_one()

    def answered(status: int, fault: str = "") -> int:
        return sum(1 for c in state.calls_of("chat.postMessage")
                   if c.status == status and c.fault.startswith(fault))  # fmt: skip

    started = time.monotonic()
    state.set_faults(FaultMode.SERVER_ERROR)
    with httpx.Client(timeout=30) as client:
        for first in range(0, CARDS, 25):
            events = [lead_event(n, prefix="outage") for n in range(first, first + 25)]
            assert post_events(instance.url, events, client) == 202
    state.wait_for(lambda: answered(500) >= 30, timeout=60, what="500s answered")

    slack.go_down()
    state.wait_for(
        lambda: outbox_count(col(Outbox.last_error).like("%onnect%")) >= 10,
        timeout=60,
        what="deliveries refused a connection",
    )
    slack.come_up()
    state.set_faults(FaultMode.RATE_LIMITED, every=2, retry_after=2)
    state.wait_for(lambda: answered(429) >= 20, timeout=60, what="429s answered")
    state.set_faults(FaultMode.CUT, every=3)
    state.wait_for(lambda: answered(200, "cut") >= 10, timeout=60, what="posts cut off")

    state.set_faults(FaultMode.NONE)
    recovered = time.monotonic()

    def cards() -> list[str]:
        return [m.button_value(ACCEPT) or "" for m in state.posted() if m.button_value(ACCEPT)]

    state.wait_for(
        lambda: len(set(cards())) >= CARDS and outbox_count(col(Outbox.status) != "done") == 0,
        timeout=240,
        what="every card delivered",
    )
    drain = time.monotonic() - recovered
    dead = outbox_count(col(Outbox.status) == "dead")
    engine.dispose()

    delivered = Counter(cards())
    duplicated = sum(delivered.values()) - len(delivered)
    keys = Counter(m.dedupe_key for m in state.posted())
    violations = _retry_after_violations(state)
    limited = answered(429)
    figures.append(
        f"Slack outage (500s, refused connections, 429s, posts cut after processing), SQLite: "
        f"{len(delivered)}/{CARDS} cards delivered, {duplicated} duplicated, drain "
        f"{drain:.1f} s after Slack recovered ({time.monotonic() - started:.0f} s in all); "
        f"{limited} answers 429, {violations} posts before Retry-After"
    )
    assert len(delivered) == CARDS and duplicated == 0
    assert max(keys.values()) == 1
    assert dead == 0
    assert violations == 0


def _retry_after_violations(state) -> int:
    """Posts to a channel sent before the Retry-After of a 429 on that channel ran out."""
    posts = state.calls_of("chat.postMessage")
    violations = 0
    for limited in (c for c in posts if c.status == 429):
        until = limited.at + limited.retry_after - TOLERANCE
        violations += sum(
            1 for c in posts if c.channel == limited.channel and limited.at < c.at < until
        )
    return violations
