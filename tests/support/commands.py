"""A live leadbot with Slack, slash commands and digests, and a dataset with known numbers.

The dataset (``seed``) around Monday 2026-11-23 08:00 UTC; the window
Friday 20 Nov 08:00 → Monday 23 Nov 08:00 holds:

* 4 new leads (webinar 2, ads 2); 3 new MQLs (Ada hot, Ben, Cy);
* Ada accepted by Alice after 20 min and won for 1000; Ben disqualified
  (``competitor``) after 10 h; Dee, an MQL since 10 Nov, recycled
  (``not ready``) after 12 days; Cy still pending since Friday 10:00;
* so: MQL → SQL 1 of 3 decided, median time to decision 10 h, SLA breaches
  3 (Ben and Dee decided late, Cy still waiting), value per webinar lead 500.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import insert
from sqlalchemy.engine import Engine

from bot.app import Features, create_app
from bot.config.digests import DigestsConfig
from bot.config.rules import LeadbotConfig, load_config
from bot.config.slack import SlackConfig
from bot.sandbox import Ephemeral, FakeSlackServer, Message, Workspace
from storage.db import make_engine
from storage.models import Event, Lead, SlackMessage, Transition
from tests.support.clock import SettableClock
from tests.support.slack import FAST, TOKEN, SlackApp, serving, settings_for

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
ADMIN = "U0CAROL"
#: in no user group and no admin: may look, not decide
OUTSIDER = "U0DAN"


def config_with(**digests: Any) -> LeadbotConfig:
    """The packaged rules with Carol as admin and the given ``digests:`` section."""
    base = load_config(None)
    slack = SlackConfig.model_validate({**base.slack.model_dump(), "admins": [ADMIN]})
    return base.model_copy(
        update={"slack": slack, "digests": DigestsConfig.model_validate(digests)}
    )


@dataclass
class CommandsApp(SlackApp):
    async def command(
        self, text: str, *, user: str = "U0ALICE", channel: str = "C0SALES"
    ) -> httpx.Response:
        request = self.people.command(user, channel, "/leads", text)
        return await self.http.request(**request.httpx_kwargs())

    async def answer(self, text: str, *, user: str = "U0ALICE") -> Ephemeral:
        """Run a command and wait for its private answer through the response URL."""
        before = len(self.ws.ephemerals(user=user))
        response = await self.command(text, user=user)
        assert response.status_code == 200, response.text
        await wait_until(lambda: len(self.ws.ephemerals(user=user)) > before)
        return self.ws.ephemerals(user=user)[-1]

    def posted(self, channel: str = "C0SALES") -> list[Message]:
        return self.cards(channel)


async def wait_until(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.02)


def build_app(db_url: str, api_url: str, config: LeadbotConfig, engine: Engine) -> Any:
    return create_app(
        settings_for(db_url, api_url),
        engine=engine,
        config=config,
        features=Features(slack_delivery=FAST, webhooks=False),
        clock=SettableClock(NOW),
    )


@asynccontextmanager
async def commands_app(
    db_url: str, *, config: LeadbotConfig | None = None, fake: FakeSlackServer | None = None
) -> AsyncIterator[CommandsApp]:
    fake = fake or FakeSlackServer(Workspace.demo(), token=TOKEN)
    fake.workspace.add_user(OUTSIDER, "dan", "Dan Ray")
    api_url = fake.start() if fake.port is None else fake.api_url
    engine = make_engine(db_url)
    app = build_app(db_url, api_url, config or config_with(), engine)
    async with serving(app, fake, engine) as (url, http, people):
        yield CommandsApp.of(app, url, fake, http, people)


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def _lead(lead_id: int, first: str, source: str | None, seen: datetime, **extra: Any) -> dict:
    row = {
        "id": lead_id,
        "email": f"{first.lower()}@{(source or 'direct')}.example",
        "first_name": first,
        "last_name": "Tester",
        "company": f"{first} GmbH",
        "source": source,
        "campaign": "autumn" if source == "webinar" else None,
        "utm": {},
        "attributes": {"note": "private"},
        "stage": "new",
        "fit_score": 30,
        "engagement_score": 30,
        "score": 60,
        "hot": False,
        "score_reasons": [{"kind": "fit", "label": "Target country", "points": 30}],
        "first_seen_at": seen,
        "updated_at": seen,
        "version": 1,
    }
    return {**row, **extra}


def seed(engine: Engine, ws: Workspace | None = None) -> dict[str, int]:
    """Write the dataset of the module docstring; returns the lead ids by first name."""
    leads = [
        _lead(
            1,
            "Ada",
            "webinar",
            _at(21, 10),
            stage="won",
            hot=True,
            owner_id="U0ALICE",
            mql_at=_at(21, 11),
            decided_at=_at(21, 11, 20),
            closed_at=_at(22, 10),
            deal_amount=1000.0,
            deal_currency="EUR",
            version=4,
        ),
        _lead(
            2,
            "Ben",
            "webinar",
            _at(21, 9),
            stage="disqualified",
            mql_at=_at(21, 10),
            decided_at=_at(21, 20),
            version=3,
        ),
        _lead(3, "Cy", "ads", _at(20, 9), stage="mql", mql_at=_at(20, 10), version=2),
        _lead(4, "Eve", "ads", _at(22, 7)),
        _lead(
            5,
            "Dee",
            "ads",
            _at(10, 7),
            stage="recycled",
            mql_at=_at(10, 8),
            decided_at=_at(22, 8),
            version=3,
        ),
        _lead(6, "Fay", None, _at(2, 7)),
        _lead(
            7,
            "Gus",
            "ads",
            _at(12, 9),
            stage="sql",
            owner_id="U0BOB",
            mql_at=_at(12, 9, 30),
            decided_at=_at(12, 9, 40),
            version=3,
        ),
    ]
    moves = [
        (1, "new", "mql", "rules", None, _at(21, 11), 2),
        (1, "mql", "sql", "slack:U0ALICE", None, _at(21, 11, 20), 3),
        (1, "sql", "won", "source:crm", None, _at(22, 10), 4),
        (2, "new", "mql", "rules", None, _at(21, 10), 2),
        (2, "mql", "disqualified", "slack:U0BOB", "competitor", _at(21, 20), 3),
        (3, "new", "mql", "rules", None, _at(20, 10), 2),
        (5, "new", "mql", "rules", None, _at(10, 8), 2),
        (5, "mql", "recycled", "slack:U0BOB", "not ready", _at(22, 8), 3),
        (7, "new", "mql", "rules", None, _at(12, 9, 30), 2),
        (7, "mql", "sql", "slack:U0BOB", None, _at(12, 9, 40), 3),
    ]
    with engine.begin() as conn:
        conn.execute(insert(Lead.__table__), [_complete(row) for row in leads])
        conn.execute(
            insert(Transition.__table__),
            [
                dict(
                    zip(
                        ("lead_id", "from_stage", "to_stage", "actor", "reason", "at", "version"),
                        m,
                        strict=True,
                    ),
                    note="called twice" if m[4] else None,
                )
                for m in moves
            ],
        )
        conn.execute(
            insert(Event.__table__).values(
                source="generic",
                external_id="evt-ada",
                type="lead.activity",
                received_at=_at(21, 10),
                payload={"lead": {"email": "ada@webinar.example", "first_name": "Ada"}},
                lead_id=1,
            )
        )
        if ws is not None:
            card = ws.post("C0SALES", text="MQL: Cy")
            conn.execute(
                insert(SlackMessage.__table__).values(
                    lead_id=3,
                    purpose="sales_handoff",
                    channel="C0SALES",
                    ts=card.ts,
                    dedupe_key="handoff:3",
                    created_at=_at(20, 10),
                )
            )
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SELECT setval('lead_id_seq', 100)")
    return {row["first_name"]: row["id"] for row in leads}


def _complete(row: dict) -> dict:
    optional = ("owner_id", "mql_at", "decided_at", "closed_at", "deal_amount", "deal_currency")
    return {name: row.get(name) for name in optional} | row


def since(hours: float) -> datetime:
    return NOW - timedelta(hours=hours)
