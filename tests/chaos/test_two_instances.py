"""Two ``leadbot serve`` processes on one PostgreSQL: races, digests, overlapping batches."""

from __future__ import annotations

import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlmodel import col

from storage.db import make_engine
from storage.models import DigestRun, Lead, Transition
from tests.chaos.cluster import DIGEST_CHANNELS, Instance, lead_event, post_events
from tests.chaos.slack_fake import SlackFake
from tests.chaos.slack_requests import ACCEPT, click, submit_reject

RACES = 50  # of each kind


def sales_cards(slack: SlackFake) -> dict[str, tuple[str, str]]:
    """``{lead id: (channel, ts)}`` of every card with an Accept button."""
    cards = {}
    for message in slack.state.posted():
        if (lead_id := message.button_value(ACCEPT)) is not None:
            cards[lead_id] = (message.channel, message.ts)
    return cards


def race(*moves: Any) -> list[int]:
    """Run the moves at the same moment; their HTTP statuses."""
    start = threading.Barrier(len(moves))
    results: list[int] = [0] * len(moves)

    def run(index: int) -> None:
        start.wait()
        results[index] = moves[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(moves))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_decisions_digests_and_batches_across_two_instances(
    postgres_url, slack: SlackFake, instances, figures
) -> None:
    a: Instance = instances(postgres_url, name="a", digests=True)
    b: Instance = instances(postgres_url, name="b", digests=True)
    # both start at the same moment, and both catch up on the digest due at start-up
    a.launch()
    b.launch()
    a.wait_ready()
    b.wait_ready()

    with httpx.Client(timeout=30) as client:
        events = [lead_event(n) for n in range(2 * RACES)]
        for start in range(0, len(events), 20):
            assert post_events(a.url, events[start : start + 20], client) == 202
    slack.state.wait_for(
        lambda: len(sales_cards(slack)) == 2 * RACES, timeout=120, what="every card posted"
    )
    cards = sales_cards(slack)
    lead_ids = sorted(cards, key=int)

    statuses: Counter[int] = Counter()
    for index, lead_id in enumerate(lead_ids):
        channel, ts = cards[lead_id]
        alice = partial(click, a.url, "U0ALICE", channel, ts, lead_id)
        bob_moves = submit_reject if index < RACES else click
        statuses.update(race(alice, partial(bob_moves, b.url, "U0BOB", channel, ts, lead_id)))
    assert statuses == {200: 4 * RACES}

    engine = make_engine(postgres_url)

    def decisions() -> dict[int, int]:
        with engine.connect() as conn:
            rows = conn.execute(
                select(col(Transition.lead_id), func.count())
                .where(col(Transition.actor).like("slack:%"))
                .group_by(col(Transition.lead_id))
            ).all()
        return {lead_id: count for lead_id, count in rows}

    # every race ends with one decision and one "too late" answer to the loser
    slack.state.wait_for(
        lambda: len(slack.state.ephemerals) >= 2 * RACES, timeout=60, what="losers told"
    )
    decided = decisions()
    once_rejects = sum(decided.get(int(i)) == 1 for i in lead_ids[:RACES])
    once_accepts = sum(decided.get(int(i)) == 1 for i in lead_ids[RACES:])
    with engine.connect() as conn:
        stages = Counter(conn.execute(select(col(Lead.stage))).scalars())
    assert once_rejects == once_accepts == RACES, decided
    assert stages["mql"] == 0
    assert len(slack.state.ephemerals) == 2 * RACES

    # digests: exactly one per channel, also after both instances restart
    def digests_posted() -> Counter[str]:
        return Counter(m.channel for m in slack.state.posted() if m.channel in DIGEST_CHANNELS)

    slack.state.wait_for(
        lambda: len(digests_posted()) == len(DIGEST_CHANNELS), timeout=60, what="digests"
    )
    for instance in (a, b):
        instance.stop()
    seen = {i.name: i.logs.read_text().count('"digest already sent"') for i in (a, b)}
    a.launch()
    b.launch()
    a.wait_ready()
    b.wait_ready()
    slack.state.wait_for(
        lambda: all(
            i.logs.read_text().count('"digest already sent"') >= seen[i.name] + len(DIGEST_CHANNELS)
            for i in (a, b)
        ),
        timeout=60,
        what="both restarted instances tried the digests again",
    )
    with engine.connect() as conn:
        runs = conn.execute(select(func.count()).select_from(DigestRun)).scalar_one()
    assert digests_posted() == {channel: 1 for channel in DIGEST_CHANNELS}
    assert runs == len(DIGEST_CHANNELS)

    # shuffled overlapping batches on both instances: no deadlock reaches a sender
    rng = random.Random(14)
    emails = [f"overlap{i}@chaos.example" for i in range(40)]
    batches = [
        [
            {"id": f"overlap-{r}-{n}", "type": "lead.activity", "lead": {"email": email},
             "activity": {"type": "page_view"}}
            for n, email in enumerate(rng.sample(emails, 12))
        ]
        for r in range(500)
    ]  # fmt: skip
    with httpx.Client(timeout=60) as client, ThreadPoolExecutor(max_workers=8) as pool:
        answers = Counter(
            pool.map(lambda r: post_events((a, b)[r % 2].url, batches[r], client), range(500))
        )
    engine.dispose()
    assert answers == {202: 500}, answers

    posted = slack.state.posted()
    keys = Counter(m.dedupe_key for m in posted)
    figures.append(
        f"two instances, PostgreSQL: decisions exactly once {once_rejects}/{RACES} "
        f"Accept-vs-Reject and {once_accepts}/{RACES} Accept-vs-Accept"
    )
    figures.append(
        f"two instances, PostgreSQL: digests {sum(digests_posted().values())} for "
        f"{len(DIGEST_CHANNELS)} channels (started together, then both restarted)"
    )
    figures.append(
        f"two instances, PostgreSQL: shuffled overlapping batches {answers[202]}/500 "
        f"answered 202, {500 - answers[202]} errors"
    )
    assert max(keys.values()) == 1, [k for k, n in keys.items() if n > 1]
