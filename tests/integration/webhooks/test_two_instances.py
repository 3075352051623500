"""Two app instances on one PostgreSQL, receiving overlapping batches in different orders.

Each instance's writer takes the leads of a batch in one transaction. Rows
locked in the order events happen to arrive deadlock as soon as two
batches touch the same leads in different orders; leadbot locks them in
one global order and retries a transaction PostgreSQL aborted anyway.
"""

from __future__ import annotations

import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from storage.models import Activity, Event, Lead
from tests.support.ingest import live_app

REQUESTS = 500
EMAILS = [f"lead{i}@example.com" for i in range(40)]
#: the same events reach both instances, so some requests are duplicates of one another
BATCH = 12


def _batch(rng: random.Random, index: int) -> dict[str, Any]:
    emails = rng.sample(EMAILS, BATCH)  # overlapping sets, each in its own order
    return {
        "events": [
            {
                "id": f"evt-{index}-{n}",
                "type": "lead.activity",
                "lead": {"email": email, "company": f"Company {n}"},
                "activity": {"type": "page_view", "properties": {"n": n}},
            }
            for n, email in enumerate(emails)
        ]
    }


@pytest.fixture
def postgres_url(postgres_database: str) -> str:
    from tests.support.postgres import truncate_all

    truncate_all(postgres_database)
    return postgres_database


def test_shuffled_overlapping_batches_on_two_instances_never_fail(postgres_url) -> None:
    rng = random.Random(14)
    batches = [_batch(rng, i) for i in range(REQUESTS)]
    with ExitStack() as stack:
        apps = [stack.enter_context(live_app(postgres_url)) for _ in range(2)]

        def send(index: int) -> int | str:
            try:
                return apps[index % 2].post(batches[index]).status_code
            except httpx.HTTPError as exc:  # a server error may also end the connection
                return type(exc).__name__

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = Counter(pool.map(send, range(REQUESTS)))
        with apps[0].engine.connect() as conn:
            events = conn.execute(select(func.count()).select_from(Event)).scalar_one()
            activities = conn.execute(select(func.count()).select_from(Activity)).scalar_one()
            leads = conn.execute(select(func.count()).select_from(Lead)).scalar_one()
    assert statuses == {202: REQUESTS}, statuses
    assert events == activities == REQUESTS * BATCH
    assert leads == len(EMAILS)
