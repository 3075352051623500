"""Routing as an app component: the sweep that moves on expired offers, and a check of names.

At start-up every Slack user the ``routing:`` section names is looked up
(``users.info``) in the background; an id Slack does not know is logged as a
warning, since leads offered to nobody real would only ever time out. The
check never holds up start-up, and a Slack outage only delays it.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.routing.moves import SWEEP_SECONDS, OfferSweep
from bot.routing.router import Router
from bot.runtime.component import Component
from bot.runtime.schedule import Schedule
from bot.runtime.services import Services
from bot.runtime.tasks import cancel

log = logging.getLogger(__name__)

#: how long to wait before asking Slack again
RETRY_SECONDS = 10
#: Slack errors that mean the id names nobody in this workspace
UNKNOWN_USER = frozenset({"user_not_found", "user_not_visible", "account_inactive"})


class RoutingComponent(Component):
    name = "routing"

    def __init__(self, services: Services, client: AsyncWebClient) -> None:
        config = services.config
        self.router = Router(config.routing, config.slack)
        self.sweep = OfferSweep(services.work, self.router, clock=services.clock)
        self._people = sorted(config.routing.people)
        self._client = client
        self._task: asyncio.Task[list[str]] | None = None
        self.unknown: list[str] = []

    def add_jobs(self, schedule: Schedule) -> None:
        if any(team.routed for team in self.router.routing.teams):
            schedule.every("routing-offer-timeouts", SWEEP_SECONDS, self.sweep.run)

    async def start(self) -> None:
        if self._people:
            self._task = asyncio.create_task(self.check_people(), name="routing-users-info")

    async def stop(self) -> None:
        await cancel(self._task)
        self._task = None

    async def check_people(self) -> list[str]:
        """Warn about every configured user id Slack does not know; returns them."""
        for user_id in self._people:
            while True:
                try:
                    await self._client.users_info(user=user_id)
                except SlackApiError as exc:
                    error = exc.response.get("error")
                    if error in UNKNOWN_USER:
                        self.unknown.append(user_id)
                        log.warning(
                            "routing names a Slack user that does not exist: %s (%s)",
                            user_id,
                            error,
                        )
                        break
                    if error == "missing_scope":
                        log.warning("cannot check routing's users: users.info needs users:read")
                        return self.unknown
                except (aiohttp.ClientError, OSError, TimeoutError):
                    pass
                else:
                    break
                await asyncio.sleep(RETRY_SECONDS)  # Slack cannot answer now: ask again later
        return self.unknown
