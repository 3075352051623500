"""Scheduled jobs (APScheduler 3 ``AsyncIOScheduler``), run in the app's lifespan.

Features declare their jobs next to their behaviour and add them here:
``schedule.every(...)`` for sweeps and ``schedule.cron(...)`` for digests.
The scheduler's job store is in memory and never shared between processes:
what makes a job safe with several instances is the database (outbox dedupe
keys, digest claims), not the scheduler.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from apscheduler.job import Job
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger(__name__)

JobFunction = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class ScheduledJob:
    """A declared job as a person reads it: its name, when it runs, its next run."""

    job: Job

    @property
    def name(self) -> str:
        return str(self.job.name)

    @property
    def when(self) -> str:
        trigger = self.job.trigger
        if isinstance(trigger, IntervalTrigger):
            return f"every {_seconds(trigger.interval.total_seconds())}"
        if isinstance(trigger, CronTrigger):
            fields = {f.name: str(f) for f in trigger.fields}
            return (
                f"at {int(fields['hour']):02d}:{int(fields['minute']):02d} "
                f"on {fields['day_of_week']} ({trigger.timezone})"
            )
        return "once, at start-up"

    def next_run(self, now: datetime) -> datetime | None:
        """The first run after ``now``, or None for a job that only runs at start-up."""
        if isinstance(self.job.trigger, DateTrigger):
            return None
        upcoming = self.job.trigger.get_next_fire_time(None, now)
        return upcoming.astimezone(UTC) if upcoming else None


def _seconds(total: float) -> str:
    if total % 3600 == 0:
        return f"{int(total // 3600)} h"
    if total % 60 == 0:
        return f"{int(total // 60)} min"
    return f"{total:g} s"


class Schedule:
    def __init__(self) -> None:
        self._scheduler = AsyncIOScheduler(
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}
        )

    def every(
        self, name: str, seconds: float, job: JobFunction, *, start_now: bool = False
    ) -> None:
        """Run ``job`` every ``seconds``; ``start_now`` also runs it right after start-up."""
        self._scheduler.add_job(
            _logged(name, job),
            IntervalTrigger(seconds=seconds),
            id=name,
            name=name,
            replace_existing=True,
            **({"next_run_time": datetime.now().astimezone()} if start_now else {}),
        )

    def once(self, name: str, job: JobFunction) -> None:
        """Run ``job`` once, right after start-up (start-up itself must not wait for it)."""
        self._scheduler.add_job(
            _logged(name, job), DateTrigger(), id=name, name=name, replace_existing=True
        )

    def cron(self, name: str, job: JobFunction, *, timezone: tzinfo, **fields: str | int) -> None:
        """Run ``job`` on a cron schedule (``hour=8, minute=30, day_of_week="mon-fri"``)."""
        self._scheduler.add_job(
            _logged(name, job),
            CronTrigger(timezone=timezone, **fields),
            id=name,
            name=name,
            replace_existing=True,
        )

    def jobs(self) -> list[ScheduledJob]:
        """Every job declared, for ``leadbot schedule list``."""
        return [ScheduledJob(job) for job in self._scheduler.get_jobs()]

    def start(self) -> None:
        self._scheduler.start()

    def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)


def _logged(name: str, job: JobFunction) -> JobFunction:
    async def run() -> None:
        try:
            await job()
        except Exception:  # a failing run must not stop the next ones
            log.exception("scheduled job failed", extra={"job": name})

    return run
