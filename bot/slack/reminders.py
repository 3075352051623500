"""SLA reminders: an undecided MQL gets one nudge in its card's thread, then one escalation.

A sweep runs every minute (``SlackComponent.add_jobs``). Each message has a
dedupe key derived from the lead's qualification, so however many sweeps,
restarts or instances see the same overdue lead, it is queued once; a lead
that qualifies again after recycling starts a fresh clock. Decided leads
are no longer MQLs and are never picked up.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlalchemy.engine import Connection

from bot.config.slack import SlackConfig
from bot.leads.unit_of_work import UnitOfWork
from bot.runtime.clock import Clock
from bot.slack.blocks import escalation, reminder_text
from bot.slack.cards import build_card
from bot.slack.handoff import POST, SALES, cards_of, round_key
from bot.slack.text import route_mention
from storage.leads import mqls_waiting_since
from storage.outbox import enqueue_slack, existing_keys
from storage.rows import LeadRow

REMINDER, ESCALATION = "reminder", "escalation"


class Reminders:
    """The scheduled job; ``sweep`` is the synchronous work, callable with any ``now``."""

    def __init__(self, work: UnitOfWork, config: SlackConfig, *, clock: Clock) -> None:
        self._work = work
        self._config = config
        self._clock = clock

    async def run(self) -> None:
        await asyncio.to_thread(self.sweep, self._clock())

    def sweep(self, now: datetime) -> int:
        """Queue every reminder and escalation due at ``now``; how many were queued."""
        with self._work.begin() as work:
            return queue_due(work.conn, self._config, now)


def queue_due(conn: Connection, config: SlackConfig, now: datetime) -> int:
    sla = config.sla
    soonest = min(sla.reminder_after(hot=True), sla.reminder_after(hot=False))
    overdue = mqls_waiting_since(conn, now - timedelta(minutes=soonest))
    wanted = {
        _key(lead, kind): (lead, kind) for lead in overdue for kind in _due(config, lead, now)
    }
    done = existing_keys(conn, list(wanted))
    return sum(
        _queue(conn, config, lead, kind, key, now)
        for key, (lead, kind) in wanted.items()
        if key not in done
    )


def _due(config: SlackConfig, lead: LeadRow, now: datetime) -> list[str]:
    assert lead.mql_at is not None  # an MQL has qualified
    waited = now - lead.mql_at
    kinds = []
    if waited >= timedelta(minutes=config.sla.reminder_after(lead.hot)):
        kinds.append(REMINDER)
    if config.escalation_channel and waited >= timedelta(
        minutes=config.sla.escalate_after(lead.hot)
    ):
        kinds.append(ESCALATION)
    return kinds


def _key(lead: LeadRow, kind: str) -> str:
    return f"{round_key(lead)}:{kind}"


def _queue(
    conn: Connection, config: SlackConfig, lead: LeadRow, kind: str, key: str, now: datetime
) -> int:
    card = build_card(conn, lead)
    if kind == REMINDER:
        sales = next((c for c in cards_of(conn, lead) if c.purpose == SALES), None)
        if sales is None:  # never handed over in Slack: nothing to remind in
            return 0
        route = config.route_for(lead)
        message = reminder_text(card, now, mention=route_mention(route.mention, route.people))
        queued = enqueue_slack(
            conn,
            dedupe_key=key,
            target=sales.channel,
            method=POST,
            args=message.as_kwargs(),
            lead_id=lead.id,
            thread_of=sales.dedupe_key,
        )
    else:
        channel = config.escalation_channel
        assert channel is not None  # only due when there is one
        queued = enqueue_slack(
            conn,
            dedupe_key=key,
            target=channel,
            method=POST,
            args={"channel": channel, **escalation(card, now).as_kwargs()},
            lead_id=lead.id,
            purpose=ESCALATION,
        )
    return int(queued)
