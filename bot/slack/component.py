"""The Slack feature: Bolt, the Web API client, the outbox worker, the SLA job.

Slack traffic arrives at ``POST /slack/events`` (Bolt's Starlette adapter,
signature checked with the signing secret) or, with ``SLACK_APP_TOKEN``,
over Socket Mode. Everything leadbot *sends* goes through the outbox worker
started here, which the doorbell wakes after every commit. The listeners
(``handlers/slack``) are attached to ``runtime.bolt`` by ``create_app``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from starlette.routing import BaseRoute, Route

from bot.config.rules import LeadbotConfig
from bot.config.slack import SlackConfig
from bot.delivery.worker import DeliveryConfig, OutboxWorker
from bot.leads.effects import Effects
from bot.runtime.component import Component
from bot.runtime.schedule import Schedule
from bot.runtime.services import Services
from bot.slack.client import web_client
from bot.slack.deciders import DeciderCheck
from bot.slack.erasure import redact_slack_messages
from bot.slack.handoff import SlackHandoff
from bot.slack.identity import BotIdentity
from bot.slack.offers import SlackOffers
from bot.slack.reminders import Reminders
from bot.slack.sender import SlackSender
from storage.outbox import SLACK

log = logging.getLogger(__name__)

T = TypeVar("T")

EVENTS_PATH = "/slack/events"
#: how often undecided MQLs are checked against the SLA
SLA_SWEEP_SECONDS = 60


def effects(config: LeadbotConfig) -> Effects:
    """What the Slack feature does inside lead transactions: cards follow the lead and its offer."""
    handoff = SlackHandoff(config.slack, config.routing)
    return Effects(
        transition=(handoff,),
        rescore=(handoff.rescored,),
        erasure=(redact_slack_messages,),
        offer=(SlackOffers(config),),
    )


@dataclass(frozen=True)
class SlackRuntime:
    """What Slack listeners share: the Bolt app, the Web API client, who decides, the services."""

    bolt: AsyncApp
    client: AsyncWebClient
    deciders: DeciderCheck
    services: Services

    @property
    def config(self) -> SlackConfig:
        return self.services.config.slack

    def is_admin(self, user_id: str) -> bool:
        return user_id in self.config.admins

    async def run_db(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run synchronous database work in a thread, so the event loop never waits on it."""
        return await asyncio.to_thread(fn, *args, **kwargs)


class SlackComponent(Component):
    name = "slack"

    def __init__(self, services: Services, *, delivery: DeliveryConfig | None = None) -> None:
        """``delivery`` (pacing, retries) is what tests shorten."""
        settings = self._settings = services.settings
        client = web_client(settings)
        self.identity = BotIdentity(client)
        bolt = AsyncApp(
            signing_secret=settings.effective_signing_secret(),
            # Bolt gives each request a copy of this client with the token authorize returns
            client=web_client(settings, with_token=False),
            authorize=self.identity.authorizer(),
            request_verification_enabled=True,
        )
        self.worker = OutboxWorker(
            services.engine,
            senders={SLACK: SlackSender(client, services.engine)},
            doorbell=services.doorbell,
            config=delivery,
        )
        self.reminders = Reminders(services.work, services.config.slack, clock=services.clock)
        config = services.config
        deciders = DeciderCheck(config.slack.deciders, client, also=config.routing.members)
        self.runtime = SlackRuntime(bolt, client, deciders, services)
        self._requests = AsyncSlackRequestHandler(bolt)
        self._socket: AsyncSocketModeHandler | None = None

    def routes(self) -> Sequence[BaseRoute]:
        return [Route(EVENTS_PATH, self._requests.handle, methods=["POST"])]

    def add_jobs(self, schedule: Schedule) -> None:
        schedule.every("slack-sla-reminders", SLA_SWEEP_SECONDS, self.reminders.run)

    async def start(self) -> None:
        await self.worker.start()
        await self.identity.start()
        if self._settings.socket_mode and self._settings.slack_app_token is not None:
            token = self._settings.slack_app_token.get_secret_value()
            self._socket = AsyncSocketModeHandler(self.runtime.bolt, token)
            await self._socket.connect_async()  # type: ignore[no-untyped-call]  # untyped in Bolt
            log.info("Slack Socket Mode connected")

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]  # untyped in Bolt
            self._socket = None
        await self.identity.stop()
        await self.worker.stop()
