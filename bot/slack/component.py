"""The Slack feature as an app component: Bolt, the outbox worker, the handoff effect, the SLA job.

Slack traffic arrives at ``POST /slack/events`` (Bolt's Starlette adapter,
signature checked with the signing secret) or, with ``SLACK_APP_TOKEN``,
over Socket Mode. Everything leadbot *sends* goes through the outbox worker
started here, woken after every commit that may have queued work.

The Web API base URL is ``LEADBOT_SLACK_API_URL``; with no bot token and that
URL left at Slack's, the app talks to the Slack stand-in it serves itself at
``/sandbox/api/``. This module is wiring, like ``bot.app``: it is the one
place in ``bot/`` that hands the Bolt app to the listeners in ``handlers/``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.engine import Engine
from starlette.routing import BaseRoute, Route

from bot.config.settings import SLACK_API_URL, Settings
from bot.config.slack import SlackConfig
from bot.delivery.worker import DeliveryConfig, OutboxWorker, create_worker
from bot.leads.forget import ErasureEffect
from bot.leads.stage_change import TransitionEffect
from bot.runtime.component import Component
from bot.runtime.context import AppContext
from bot.runtime.schedule import Schedule
from bot.slack.deciders import DeciderCheck
from bot.slack.erasure import redact_slack_messages
from bot.slack.handoff import SlackHandoff
from bot.slack.reminders import Reminders
from bot.slack.sender import REQUEST_TIMEOUT
from handlers.slack import actions as slack_actions

log = logging.getLogger(__name__)

T = TypeVar("T")

EVENTS_PATH = "/slack/events"
#: how often undecided MQLs are checked against the SLA
SLA_SWEEP_SECONDS = 60


@dataclass
class SlackRuntime:
    """What Slack listeners share: the Bolt app, the Web API client, the database, the rules."""

    app: AsyncApp
    client: AsyncWebClient
    worker: OutboxWorker
    engine: Engine
    config: SlackConfig
    deciders: DeciderCheck
    reminders: Reminders
    clock: Callable[[], datetime]
    #: the stage-change effects of every component (filled when the app is built)
    effects: Sequence[TransitionEffect] = field(default_factory=list)
    #: what every component does when a lead is erased (filled when the app is built)
    erasure_effects: Sequence[ErasureEffect] = field(default_factory=list)
    #: run after a commit that may have queued outbox rows (wakes the worker)
    after_commit: Sequence[Callable[[], None]] = field(default_factory=list)

    async def run_db(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run synchronous database work in a thread, so the event loop never waits on it."""
        return await asyncio.to_thread(fn, *args, **kwargs)

    def is_admin(self, user_id: str) -> bool:
        return user_id in self.config.admins


def web_client(settings: Settings) -> AsyncWebClient:
    """The client for both listeners and delivery.

    Its own retry handlers are off: retries are the outbox's job, and a
    transparent retry of ``chat.postMessage`` could post twice.
    """
    if settings.sandbox and settings.slack_api_url == SLACK_API_URL:
        token, base_url = settings.sandbox_bot_token(), f"{settings.base_url}/sandbox/api/"
    else:
        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
        base_url = settings.slack_api_url
    return AsyncWebClient(
        token=token, base_url=base_url, timeout=REQUEST_TIMEOUT, retry_handlers=[]
    )


class SlackComponent(Component):
    name = "slack"

    def __init__(self, ctx: AppContext, *, delivery: DeliveryConfig | None = None) -> None:
        self._settings = ctx.settings
        client = web_client(ctx.settings)
        app = AsyncApp(
            signing_secret=ctx.settings.effective_signing_secret(),
            client=client,
            request_verification_enabled=True,
        )
        worker = create_worker(ctx.settings, ctx.engine, client=client, config=delivery)
        ctx.after_commit.append(worker.notify)
        config = ctx.config.slack
        self.runtime = SlackRuntime(
            app=app,
            client=client,
            worker=worker,
            engine=ctx.engine,
            config=config,
            deciders=DeciderCheck(config.deciders, client),
            reminders=Reminders(ctx.engine, config, clock=lambda: ctx.clock(), wake=worker.notify),
            clock=lambda: ctx.clock(),
            effects=ctx.effects,
            erasure_effects=ctx.erasure_effects,
            after_commit=ctx.after_commit,
        )
        ctx.slack = self.runtime
        self._effect = SlackHandoff(config)
        self._requests = AsyncSlackRequestHandler(app)
        self._socket: AsyncSocketModeHandler | None = None
        slack_actions.register(app, self.runtime)

    def routes(self) -> Sequence[BaseRoute]:
        return [Route(EVENTS_PATH, self._requests.handle, methods=["POST"])]

    def effects(self) -> Sequence[TransitionEffect]:
        return [self._effect]

    def erasure_effects(self) -> Sequence[ErasureEffect]:
        return [redact_slack_messages]

    def add_jobs(self, schedule: Schedule) -> None:
        schedule.every("slack-sla-reminders", SLA_SWEEP_SECONDS, self.runtime.reminders.run)

    async def start(self) -> None:
        await self.runtime.worker.start()
        if self._settings.socket_mode and self._settings.slack_app_token is not None:
            token = self._settings.slack_app_token.get_secret_value()
            self._socket = AsyncSocketModeHandler(self.runtime.app, token)
            await self._socket.connect_async()
            log.info("Slack Socket Mode connected")

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        await self.runtime.worker.stop()
