"""Two app instances on one PostgreSQL database share one fair rotation."""

from __future__ import annotations

import asyncio
from collections import Counter
from contextlib import AsyncExitStack

import httpx
import pytest
from sqlalchemy import func, select

from bot.app import Features, create_app
from bot.demo.client import signed_request
from bot.sandbox import FakeSlackServer, Workspace
from storage.db import make_engine
from storage.models import RoutingEvent, RoutingOffer
from tests.support.clock import SettableClock
from tests.support.ingest import SECRET
from tests.support.routing import routed_config
from tests.support.slack import FAST, TOKEN, demo_request, serving, settings_for

WEIGHTS = {"U0ALICE": 1, "U0BOB": 2, "U0DAN": 1}
LEADS = 200
#: MQLs per request: a batch is one transaction, so the two instances' picks overlap in time
PER_REQUEST = 10


async def test_two_instances_assign_simultaneous_mqls_by_the_weights(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("several instances share a PostgreSQL database")
    config = routed_config(
        {
            "teams": [
                {
                    "name": "sales",
                    "mode": "weighted",
                    "members": [{"user": user, "weight": w} for user, w in WEIGHTS.items()],
                }
            ]
        }
    )
    async with AsyncExitStack() as stack:
        clients = []
        for _ in range(2):
            ws = Workspace.demo()
            ws.add_user("U0DAN", "dan", "Dan Ray")
            fake = FakeSlackServer(ws, token=TOKEN)
            engine = make_engine(db_url)
            app = create_app(
                settings_for(db_url, fake.start()),
                engine=engine,
                config=config,
                features=Features(slack_delivery=FAST, webhooks=False),
                clock=SettableClock(),
            )
            _, http, _ = await stack.enter_async_context(serving(app, fake, engine))
            clients.append(http)

        async def send(batch: int) -> httpx.Response:
            numbers = range(batch * PER_REQUEST, (batch + 1) * PER_REQUEST)
            events = [demo_request(f"lead{n}@company{n}.example") for n in numbers]
            headers, body = signed_request(SECRET, {"events": events})
            client = clients[batch % 2]
            return await client.post("/webhooks/generic", content=body, headers=headers)

        answers = await asyncio.gather(*(send(b) for b in range(LEADS // PER_REQUEST)))
        assert [a.status_code for a in answers] == [202] * (LEADS // PER_REQUEST)

    check = make_engine(db_url)
    with check.connect() as conn:
        offers = list(
            conn.execute(
                select(RoutingEvent.lead_id, RoutingEvent.user_id)
                .where(RoutingEvent.kind == "offered")
                .order_by(RoutingEvent.id)
            )
        )
        open_offers = conn.execute(select(func.count()).select_from(RoutingOffer)).scalar_one()
    check.dispose()
    per_lead = Counter(lead for lead, _ in offers)
    assert len(per_lead) == LEADS and set(per_lead.values()) == {1}  # never offered twice
    assert open_offers == LEADS
    counts = Counter(user for _, user in offers)
    total = sum(WEIGHTS.values())
    for user, weight in WEIGHTS.items():
        assert abs(counts[user] - LEADS * weight / total) <= 1, counts
    # picks take turns under the team lock, so together they are one rotation: B, A, D, B…
    assert [user for _, user in offers] == ["U0BOB", "U0ALICE", "U0BOB", "U0DAN"] * (LEADS // 4)
    print(f"\nfairness over {LEADS} MQLs on two instances: {dict(counts)}")
