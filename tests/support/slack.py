"""A live leadbot with its Slack component, talking to the Slack stand-in over loopback."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.app import Features, create_app
from bot.config.rules import LeadbotConfig
from bot.config.settings import Settings
from bot.delivery.policy import RetryPolicy
from bot.delivery.worker import DeliveryConfig
from bot.demo.client import signed_request
from bot.routing.component import RoutingComponent
from bot.runtime.services import Services
from bot.runtime.serving import ThreadedServer
from bot.sandbox import FakeSlackServer, Interactions, Message, SignedRequest, Workspace
from bot.slack.component import SlackComponent, SlackRuntime
from storage.db import make_engine
from storage.models import Lead, SlackMessage
from tests.support.clock import SettableClock
from tests.support.ingest import SECRET

TOKEN = "xoxb-leadbot-test"
SIGNING_SECRET = "test-signing-secret"
FAST = DeliveryConfig(
    per_second=50, burst=10, poll_interval=0.05, retry=RetryPolicy(base=0.05, cap=0.2)
)


@dataclass
class SlackApp:
    url: str
    services: Services
    slack: FakeSlackServer
    http: httpx.AsyncClient
    people: Interactions

    @property
    def ws(self) -> Workspace:
        return self.slack.workspace

    components: list[Any]

    @classmethod
    def of(
        cls,
        app: Any,
        url: str,
        slack: FakeSlackServer,
        http: httpx.AsyncClient,
        people: Interactions,
    ) -> Any:
        """The harness for a running ``app`` (built with a ``SettableClock``)."""
        return cls(url, app.state.services, slack, http, people, app.state.components)

    @property
    def clock(self) -> SettableClock:
        assert isinstance(self.services.clock, SettableClock)
        return self.services.clock

    @property
    def slack_component(self) -> SlackComponent:
        return next(c for c in self.components if isinstance(c, SlackComponent))

    @property
    def runtime(self) -> SlackRuntime:
        return self.slack_component.runtime

    @property
    def routing(self) -> RoutingComponent:
        return next(c for c in self.components if isinstance(c, RoutingComponent))

    async def event(self, document: Any, *, msg_id: str | None = None) -> httpx.Response:
        headers, body = signed_request(SECRET, document, msg_id=msg_id)
        return await self.http.post("/webhooks/generic", content=body, headers=headers)

    async def send(self, request: SignedRequest) -> httpx.Response:
        return await self.http.request(**request.httpx_kwargs())

    async def click(self, user: str, card: Message, action_id: str) -> httpx.Response:
        return await self.send(self.people.click(user, card.channel, card.ts, action_id))

    def cards(self, channel: str) -> list[Message]:
        return self.ws.messages(channel, include_replies=False)

    def set_clock(self, now: datetime | None) -> None:
        self.clock.set(now)


@asynccontextmanager
async def slack_app(
    db_url: str,
    *,
    slack: FakeSlackServer | None = None,
    config: LeadbotConfig | None = None,
    webhooks: DeliveryConfig | None = None,
    **settings: Any,
) -> AsyncIterator[SlackApp]:
    """A leadbot on the packaged rules, or ``config``, with Slack played by ``slack``;
    with outbound webhooks too when ``webhooks`` says how they deliver. ``settings``
    add to the test settings (a lead source's secret, say)."""
    fake = slack or FakeSlackServer(Workspace.demo(), token=TOKEN)
    engine = make_engine(db_url)
    clock = SettableClock()
    app = create_app(
        settings_for(db_url, fake.start(), **settings),
        engine=engine,
        config=config,
        features=Features(
            slack_delivery=FAST, webhooks=webhooks is not None, webhook_delivery=webhooks
        ),
        clock=clock,
    )
    async with serving(app, fake, engine) as (url, http, people):
        yield SlackApp.of(app, url, fake, http, people)


def settings_for(db_url: str, api_url: str, **settings: Any) -> Settings:
    """Settings for a leadbot on ``db_url`` whose Slack is the stand-in at ``api_url``."""
    return Settings(
        database_url=db_url,
        webhook_secret=SECRET,
        slack_bot_token=TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=api_url,
        **settings,
    )


@asynccontextmanager
async def serving(
    app: Any, fake: FakeSlackServer, engine: Engine
) -> AsyncIterator[tuple[str, httpx.AsyncClient, Interactions]]:
    """Serve ``app`` on loopback: its URL, a client for it, and people to click in Slack.

    The Slack stand-in is stopped and the engine disposed afterwards.
    """
    people = Interactions(fake.workspace, SIGNING_SECRET, response_base=fake.response_base)
    try:
        with ThreadedServer(app) as server:
            async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
                yield server.url, http, people
    finally:
        fake.stop()
        engine.dispose()


def demo_request(email: str = "jane@acme.example", **lead: Any) -> dict[str, Any]:
    """An event that makes a VP at a mid-size German software company an MQL (and hot)."""
    profile = {
        "email": email,
        "first_name": "Jane",
        "last_name": "Doe",
        "job_title": "VP Sales",
        "company": "Acme",
        "company_size": 500,
        "industry": "Software",
        "country": "DE",
        **lead,
    }
    return {
        "type": "lead.activity",
        "lead": profile,
        "activity": {"type": "demo_request", "properties": {"page": "/demo"}},
    }


def lead_row(app: SlackApp, email: str = "jane@acme.example") -> Lead:
    with app.services.engine.connect() as conn:
        return conn.execute(select(Lead.__table__).where(Lead.email == email)).one()


async def handed_over(app: SlackApp, cards: int = 3) -> None:
    """Wait until the marketing notice and the sales (and urgent) cards are recorded."""
    await app.ws.wait_for_calls("chat.postMessage", cards)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with app.services.engine.connect() as conn:
            if len(conn.execute(select(SlackMessage.id)).all()) >= cards:
                return
        await asyncio.sleep(0.02)
    raise TimeoutError("cards were posted but not recorded")
