"""Slash commands and scheduled digests as an app component.

Comes after the Slack component, whose Bolt app and Web API client it uses.
Each digest schedule becomes a cron job in its own time zone, and one job at
start-up catches up on the latest digest missed while the app was down.
"""

from __future__ import annotations

import functools

from bot.config.digests import DigestSchedule
from bot.digests.job import send_latest
from bot.digests.schedule import cron_fields
from bot.runtime.component import Component
from bot.runtime.context import AppContext
from bot.runtime.schedule import Schedule
from handlers.slack import commands as slack_commands

CATCH_UP_JOB = "digest:catch-up"


class CommandsComponent(Component):
    name = "commands"

    def __init__(self, ctx: AppContext) -> None:
        if ctx.slack is None:
            raise RuntimeError("the commands component needs the Slack component before it")
        self._ctx = ctx
        self._slack = ctx.slack
        slack_commands.register(ctx.slack.app, ctx.slack, ctx.config)

    def add_jobs(self, schedule: Schedule) -> None:
        digests = self._ctx.config.digests
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
        await send_latest(
            self._ctx.engine,
            self._ctx.config,
            item,
            client=self._slack.client,
            now=self._ctx.clock(),
            wake=self._ctx.after_commit,
        )

    async def catch_up(self) -> None:
        for item in self._ctx.config.digests.schedules:
            await self.send(item)
