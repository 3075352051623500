"""``leadbot digest send`` and ``leadbot schedule list``: digests from the shell.

Both run without a server. ``digest send --dry-run`` prints the Block Kit
JSON of the channel's latest due digest; without ``--dry-run`` it claims the
digest and queues it in the outbox exactly as the scheduled job does, so a
running server delivers it and no instance sends that period again.
``schedule list`` shows every job a server runs (re-scoring, reminders,
digests) with its next run, from the schedule the app itself builds.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from bot.cli.common import config_or_exit, engine_or_exit, settings_or_exit

if TYPE_CHECKING:
    from bot.config.digests import DigestSchedule
    from bot.config.rules import LeadbotConfig

digest_app = typer.Typer(help="Preview and send digests.", no_args_is_help=True)
schedule_app = typer.Typer(help="Scheduled jobs.", no_args_is_help=True)

#: like ``leadbot rules …``, these commands exit with 1 on an error
ERROR = 1


def _schedule(config: LeadbotConfig, channel: str, weekly: bool) -> DigestSchedule:
    return config.digests.schedule_for(channel, "weekly" if weekly else "daily")


@digest_app.command("send")
def send(
    channel: Annotated[str, typer.Option(help="Channel id, e.g. C0SALES")],
    weekly: Annotated[bool, typer.Option("--weekly", help="The weekly edition")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the blocks only")] = False,
) -> None:
    """Send (or with --dry-run, print) the channel's latest due digest."""
    import asyncio

    from bot.digests.job import claimant, compose
    from bot.digests.schedule import claim_and_enqueue, latest_period
    from bot.leads.unit_of_work import UnitOfWork
    from bot.slack.client import web_client

    settings = settings_or_exit(ERROR)
    config = config_or_exit(settings.config_path, ERROR)
    schedule = _schedule(config, channel, weekly)
    now = datetime.now(UTC)
    period = latest_period(config.digests, schedule, now)
    engine = engine_or_exit(settings, ERROR)
    work = UnitOfWork(engine)
    console = Console()
    try:
        client = None if dry_run else web_client(settings)
        message = asyncio.run(compose(work, config, schedule, period, client, now))
        if dry_run:
            print(json.dumps({"channel": channel, **message.as_kwargs()}, indent=2))
            return
        with work.begin() as tx:
            sent = claim_and_enqueue(
                tx,
                channel=channel,
                period=period,
                message=message,
                claimed_by=claimant(),
                now=now,
            )
    finally:
        engine.dispose()
    if sent:
        console.print(f"Queued the {period.key} digest for {escape(channel)}.")
    else:
        console.print(f"The {period.key} digest for {escape(channel)} was already sent.")


@schedule_app.command("list")
def list_jobs() -> None:
    """Every scheduled job a server runs with these settings, and its next run."""
    from bot.app import create_app

    settings = settings_or_exit(ERROR)
    config = config_or_exit(settings.config_path, ERROR)
    app = create_app(settings, engine=engine_or_exit(settings, ERROR), config=config)
    console = Console(soft_wrap=True)
    now = datetime.now(UTC)
    for job in app.state.schedule.jobs():
        upcoming = job.next_run(now)
        when = f"next run {upcoming:%a %Y-%m-%d %H:%M} UTC" if upcoming else "at start-up"
        console.print(f"{escape(job.name)}  {escape(job.when)}  {when}", highlight=False)
