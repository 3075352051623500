"""SLA reminders: an undecided MQL gets one nudge in its card's thread, then one escalation.

A sweep runs every minute (``SlackComponent.add_jobs``). Each message has a
dedupe key derived from the lead's qualification, so however many sweeps,
restarts or instances see the same overdue lead, it is queued once; a lead
that qualifies again after recycling starts a fresh clock. Decided leads
are no longer MQLs and are never picked up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from bot.config.slack import SlackConfig
from bot.slack.blocks import escalation, reminder_text
from bot.slack.cards import build_card
from bot.slack.handoff import POST, SALES, cards_of, round_key
from bot.slack.text import route_mention
from storage.models import Lead, Stage
from storage.outbox import OUTBOX, enqueue_slack

_lead = Lead.__table__  # type: ignore[attr-defined]
REMINDER, ESCALATION = "reminder", "escalation"


class Reminders:
    """The scheduled job; ``sweep`` is the synchronous work, callable with any ``now``."""

    def __init__(
        self,
        engine: Engine,
        config: SlackConfig,
        *,
        clock: Callable[[], datetime],
        wake: Callable[[], None],
    ) -> None:
        self._engine = engine
        self._config = config
        self._clock = clock
        self._wake = wake

    async def run(self) -> None:
        if await asyncio.to_thread(self.sweep, self._clock()):
            self._wake()

    def sweep(self, now: datetime) -> int:
        """Queue every reminder and escalation due at ``now``; how many were queued."""
        with self._engine.begin() as conn:
            return queue_due(conn, self._config, now)


def queue_due(conn: Connection, config: SlackConfig, now: datetime) -> int:
    sla = config.sla
    soonest = min(sla.reminder_after(hot=True), sla.reminder_after(hot=False))
    overdue = list(
        conn.execute(
            select(_lead)
            .where(
                _lead.c.stage == Stage.MQL.value,
                _lead.c.mql_at <= now - timedelta(minutes=soonest),
            )
            .order_by(_lead.c.mql_at)
        ).mappings()
    )
    wanted = {
        (lead["id"], kind): lead for lead in overdue for kind in _due_kinds(config, lead, now)
    }
    keys = {_key(lead, kind): (lead, kind) for (_, kind), lead in wanted.items()}
    done = _existing(conn, list(keys))
    queued = 0
    for key, (lead, kind) in keys.items():
        if key not in done:
            queued += _queue(conn, config, lead, kind, key, now)
    return queued


def _due_kinds(config: SlackConfig, lead: Mapping[str, Any], now: datetime) -> list[str]:
    waited = now - lead["mql_at"]
    hot = bool(lead["hot"])
    kinds = []
    if waited >= timedelta(minutes=config.sla.reminder_after(hot)):
        kinds.append(REMINDER)
    if config.escalation_channel and waited >= timedelta(minutes=config.sla.escalate_after(hot)):
        kinds.append(ESCALATION)
    return kinds


def _key(lead: Mapping[str, Any], kind: str) -> str:
    return f"{round_key(lead)}:{kind}"


def _existing(conn: Connection, keys: list[str], chunk: int = 500) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), chunk):
        part = keys[start : start + chunk]
        found.update(
            conn.execute(select(OUTBOX.c.dedupe_key).where(OUTBOX.c.dedupe_key.in_(part))).scalars()
        )
    return found


def _queue(
    conn: Connection,
    config: SlackConfig,
    lead: Mapping[str, Any],
    kind: str,
    key: str,
    now: datetime,
) -> int:
    card = build_card(conn, lead)
    if kind == REMINDER:
        sales = next((c for c in cards_of(conn, lead) if c.purpose == SALES), None)
        if sales is None:  # never handed over in Slack: nothing to remind in
            return 0
        route = config.route_for(lead)
        message = reminder_text(card, now, mention=route_mention(route.mention, route.people))
        target, extra = sales.channel, {"thread_of": sales.dedupe_key}
        args = message.as_kwargs()
    else:
        assert config.escalation_channel is not None
        message = escalation(card, now)
        target, extra = config.escalation_channel, {"purpose": ESCALATION}
        args = {"channel": target, **message.as_kwargs()}
    queued = enqueue_slack(
        conn, dedupe_key=key, target=target, method=POST, args=args, lead_id=lead["id"], **extra
    )
    return int(queued)
