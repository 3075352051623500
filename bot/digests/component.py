"""Scheduled digests as an app component.

Each digest schedule becomes a cron job in its own time zone, and one job at
start-up catches up on the latest digest missed while the app was down. It
asks Slack for links to cards through the Slack feature's client.
"""

from __future__ import annotations

import functools

from slack_sdk.web.async_client import AsyncWebClient

from bot.config.digests import DigestSchedule
from bot.digests.job import send_latest
from bot.digests.schedule import cron_fields
from bot.runtime.component import Component
from bot.runtime.schedule import Schedule
from bot.runtime.services import Services

CATCH_UP_JOB = "digest:catch-up"


class DigestsComponent(Component):
    name = "digests"

    def __init__(self, services: Services, client: AsyncWebClient) -> None:
        self._services = services
        self._client = client

    def add_jobs(self, schedule: Schedule) -> None:
        digests = self._services.config.digests
        for item in digests.schedules:
            schedule.cron(
                item.job_name,
                functools.partial(self.send, item),
                timezone=digests.zone_of(item),
                **cron_fields(item),
            )
        if digests.schedules:
            schedule.once(CATCH_UP_JOB, self.catch_up)

    async def send(self, item: DigestSchedule) -> None:
        """Send ``item``'s latest due digest, unless an instance already did."""
        services = self._services
        await send_latest(services.work, services.config, item, self._client, services.clock())

    async def catch_up(self) -> None:
        for item in self._services.config.digests.schedules:
            await self.send(item)
