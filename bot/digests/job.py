"""Send a scheduled digest: read its numbers, link its leads, claim and queue it once.

The same steps serve the scheduled job, the start-up catch-up, ``/leads
digest`` (which only previews) and ``leadbot digest send``. Database reads run
in a thread; links to handoff cards are asked of Slack (``chat.getPermalink``)
and a link Slack cannot give is simply left out.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.engine import Connection

from bot.config.digests import DigestSchedule
from bot.config.rules import LeadbotConfig
from bot.core.funnel import Funnel
from bot.digests.message import DigestData, LeadLine, digest_message
from bot.digests.numbers import read_funnel
from bot.digests.schedule import Period, claim_and_enqueue, latest_period
from bot.history.insights import top_insights
from bot.leads.unit_of_work import UnitOfWork
from bot.slack.blocks import OutgoingMessage
from storage import digest_runs
from storage.reporting import handoff_messages, new_mqls_between, pending_leads
from storage.rows import LeadRow

log = logging.getLogger(__name__)

#: where a lead's handoff card is: lead id → (channel, ts)
Handoffs = Mapping[int, tuple[str, str]]


@dataclass(frozen=True)
class DigestRows:
    """Everything a digest shows, read in one transaction."""

    funnel: Funnel
    previous: Funnel | None
    new_mqls: Sequence[LeadRow]
    pending: Sequence[LeadRow]
    handoffs: Handoffs
    insights: Sequence[str] = ()


def claimant() -> str:
    """Who claimed a digest, for the ``DigestRun`` row: host and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def read_digest(
    conn: Connection, config: LeadbotConfig, schedule: DigestSchedule, period: Period, now: datetime
) -> DigestRows:
    sla = config.slack.sla
    funnel = read_funnel(conn, period.start, period.end, now=now, sla=sla)
    previous, insights = None, []
    if schedule.edition == "weekly":
        before = period.start - (period.end - period.start)
        previous = read_funnel(conn, before, period.start, now=now, sla=sla)
        insights = top_insights(conn, period.end)
    mqls = new_mqls_between(conn, period.start, period.end, limit=schedule.top)
    pending = pending_leads(conn, limit=schedule.top, oldest_first=True)
    handoffs = handoff_messages(conn, [row.id for row in pending])
    return DigestRows(funnel, previous, mqls, pending, handoffs, insights)


def build_message(
    rows: DigestRows,
    config: LeadbotConfig,
    schedule: DigestSchedule,
    period: Period,
    *,
    links: Mapping[int, str],
    now: datetime,
) -> OutgoingMessage:
    data = DigestData(
        edition=schedule.edition,
        start=period.start,
        end=period.end,
        zone=config.digests.zone_of(schedule),
        funnel=rows.funnel,
        previous=rows.previous,
        new_mqls=[LeadLine.of(r, since=r.mql_at) for r in rows.new_mqls],
        oldest_pending=[LeadLine.of(r, since=r.mql_at, url=links.get(r.id)) for r in rows.pending],
        top=schedule.top,
        insights=rows.insights,
    )
    return digest_message(data, now)


async def permalinks(client: AsyncWebClient | None, handoffs: Handoffs) -> dict[int, str]:
    """Links to the handoff cards, asked of Slack concurrently; failures are left out."""
    if client is None or not handoffs:
        return {}

    async def one(channel: str, ts: str) -> str | None:
        try:
            response = await client.chat_getPermalink(channel=channel, message_ts=ts)
        except (TimeoutError, SlackApiError, OSError, aiohttp.ClientError) as exc:
            log.info("no permalink for a handoff card: %s", exc)
            return None
        return response.get("permalink")

    ids = list(handoffs)
    found = await asyncio.gather(*(one(*handoffs[lead_id]) for lead_id in ids))
    return {lead_id: url for lead_id, url in zip(ids, found, strict=True) if url}


async def compose(
    work: UnitOfWork,
    config: LeadbotConfig,
    schedule: DigestSchedule,
    period: Period,
    client: AsyncWebClient | None,
    now: datetime,
) -> OutgoingMessage:
    """The digest for ``period``, read off the event loop, with links to the cards."""

    def read() -> DigestRows:
        with work.read() as conn:
            return read_digest(conn, config, schedule, period, now)

    rows = await asyncio.to_thread(read)
    links = await permalinks(client, rows.handoffs)
    return build_message(rows, config, schedule, period, links=links, now=now)


async def send_latest(
    work: UnitOfWork,
    config: LeadbotConfig,
    schedule: DigestSchedule,
    client: AsyncWebClient | None,
    now: datetime,
) -> Period | None:
    """Send the digest of the latest period due at ``now`` unless someone already did.

    Run at each scheduled time and once at start-up: after downtime that
    sends the latest missed digest, one per schedule, never the ones before.
    Returns the period sent, or ``None``.
    """
    period = latest_period(config.digests, schedule, now)

    def taken() -> bool:
        with work.read() as conn:
            return digest_runs.already_claimed(conn, schedule.channel, period.key)

    def claim(message: OutgoingMessage) -> bool:
        with work.begin() as tx:
            return claim_and_enqueue(
                tx,
                channel=schedule.channel,
                period=period,
                message=message,
                claimed_by=claimant(),
                now=now,
            )

    if await asyncio.to_thread(taken):
        log.info("digest already sent", extra={"channel": schedule.channel, "period": period.key})
        return None
    message = await compose(work, config, schedule, period, client, now)
    if not await asyncio.to_thread(claim, message):
        log.info("digest already sent", extra={"channel": schedule.channel, "period": period.key})
        return None
    log.info("digest queued", extra={"channel": schedule.channel, "period": period.key})
    return period
