"""Socket Mode end to end: leadbot dials the stand-in's WebSocket and answers envelopes on it.

With ``SLACK_APP_TOKEN`` set, Slack traffic comes over a WebSocket the app
opens itself (no public URL). The stand-in speaks Slack's protocol to the
real ``slack_sdk`` client: ``apps.connections.open``, ``hello``, envelopes
and their acknowledgements.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import select

from bot.app import Features, create_app
from bot.config.settings import Settings
from bot.sandbox import FakeSlackServer, Workspace
from bot.slack.blocks import ACCEPT_ACTION
from storage.db import make_engine
from storage.models import Lead
from tests.support.clock import SettableClock
from tests.support.ingest import SECRET
from tests.support.slack import FAST, TOKEN, SlackApp, demo_request, serving

APP_TOKEN = "xapp-1-A0LEADBOT-1-sandbox"


@asynccontextmanager
async def socket_mode_app(db_url: str) -> AsyncIterator[SlackApp]:
    fake = FakeSlackServer(Workspace.demo(), token=TOKEN)
    settings = Settings(
        database_url=db_url,
        webhook_secret=SECRET,
        slack_bot_token=TOKEN,
        slack_app_token=APP_TOKEN,  # and no signing secret: nothing comes over HTTP
        slack_api_url=fake.start(),
    )
    engine = make_engine(db_url)
    app = create_app(
        settings,
        engine=engine,
        features=Features(slack_delivery=FAST, webhooks=False),
        clock=SettableClock(),
    )
    async with serving(app, fake, engine) as (url, http, people):
        await fake.workspace.wait_until(lambda: fake.socket_mode.connected)
        yield SlackApp.of(app, url, fake, http, people)


async def envelope_ack(app: SlackApp, request: Any) -> dict[str, Any]:
    return await asyncio.wrap_future(app.slack.socket_mode.deliver(request))


async def test_the_app_connects_with_its_app_token_and_decides_over_the_socket(db_url) -> None:
    async with socket_mode_app(db_url) as app:
        (opened,) = app.ws.calls("apps.connections.open")
        assert opened.error is None

        assert (await app.event(demo_request())).status_code == 202
        await app.ws.wait_for_calls("chat.postMessage", 3)
        (card,) = app.cards("C0SALES")

        click = app.people.click("U0ALICE", "C0SALES", card.ts, ACCEPT_ACTION)
        ack = await envelope_ack(app, click)
        assert ack["envelope_id"]
        await app.ws.wait_for_calls("chat.update", 3)
        with app.services.engine.connect() as conn:
            lead = conn.execute(select(Lead.stage, Lead.owner_id)).one()
        assert tuple(lead) == ("sql", "U0ALICE")
        assert "Accepted by <@U0ALICE>" in str(app.cards("C0SALES")[0].blocks)


async def test_a_slash_command_is_answered_in_the_envelope_ack(db_url) -> None:
    async with socket_mode_app(db_url) as app:
        ack = await envelope_ack(app, app.people.command("U0ALICE", "C0SALES", "/leads", "pendng"))
        assert "Did you mean `pending`?" in ack["payload"]["text"]
