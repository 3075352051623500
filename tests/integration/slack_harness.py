"""A live leadbot with its Slack component, talking to the Slack stand-in over loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy.engine import Engine

from bot.app import create_app
from bot.config.settings import Settings
from bot.delivery.policy import RetryPolicy
from bot.delivery.worker import DeliveryConfig
from bot.demo.client import signed_request
from bot.runtime.context import AppContext
from bot.runtime.serving import ThreadedServer
from bot.sandbox import FakeSlackServer, Interactions, Message, SignedRequest, Workspace
from bot.slack.component import SlackComponent, SlackRuntime
from storage.db import make_engine
from tests.support.ingest import SECRET

TOKEN = "xoxb-leadbot-test"
SIGNING_SECRET = "test-signing-secret"
FAST = DeliveryConfig(
    per_second=50, burst=10, poll_interval=0.05, retry=RetryPolicy(base=0.05, cap=0.2)
)


@dataclass
class SlackApp:
    url: str
    ctx: AppContext
    slack: FakeSlackServer
    http: httpx.AsyncClient
    people: Interactions

    @property
    def ws(self) -> Workspace:
        return self.slack.workspace

    @property
    def runtime(self) -> SlackRuntime:
        assert self.ctx.slack is not None
        return self.ctx.slack

    async def event(self, document: Any, *, msg_id: str | None = None) -> httpx.Response:
        headers, body = signed_request(SECRET, document, msg_id=msg_id)
        return await self.http.post("/webhooks/generic", content=body, headers=headers)

    async def send(self, request: SignedRequest) -> httpx.Response:
        return await self.http.request(**request.httpx_kwargs())

    async def click(self, user: str, card: Message, action_id: str) -> httpx.Response:
        return await self.send(self.people.click(user, card.channel, card.ts, action_id))

    def cards(self, channel: str) -> list[Message]:
        return self.ws.messages(channel, include_replies=False)

    def set_clock(self, clock: Callable[[], datetime]) -> None:
        self.ctx.clock = clock


@asynccontextmanager
async def slack_app(
    db_url: str, *, slack: FakeSlackServer | None = None, **settings: Any
) -> AsyncIterator[SlackApp]:
    """``settings`` add to the test settings (a lead source's secret, say)."""
    fake = slack or FakeSlackServer(Workspace.demo(), token=TOKEN)
    engine = make_engine(db_url)
    app = create_app(
        settings_for(db_url, fake.start(), **settings),
        engine=engine,
        components=[lambda ctx: SlackComponent(ctx, delivery=FAST)],
    )
    async with serving(app, fake, engine) as (url, http, people):
        yield SlackApp(url, app.state.ctx, fake, http, people)


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
