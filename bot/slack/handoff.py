"""What each stage change posts or updates in Slack: the handoff's ``TransitionEffect``.

Runs inside the transaction of the change (``bot.leads.stage_change``) and only
enqueues outbox rows, so the messages exist exactly when the change does.

* A lead becoming an MQL: a notice in each marketing channel and the handoff
  card (Accept / Reject) in the routed sales channel, mentioning the route's
  group; hot leads also get a copy of the card in the urgent channel.
* Any later move of a lead that has cards (accepted, rejected, won, lost…):
  every card of its latest qualification is updated in place — buttons give
  way to who decided and when — and a reply in the sales card's thread keeps
  the record.

Dedupe keys are derived from the lead, the time it qualified and the
version the change produced, so a redelivered event, a retried batch or a
restart never posts twice, and a lead that qualifies again after recycling
gets fresh cards.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from bot.config.slack import SlackConfig
from bot.core.lifecycle import TransitionPlan
from bot.slack.blocks import (
    LeadCard,
    OutgoingMessage,
    decided_card,
    decision_reply,
    marketing_notice,
    sales_handoff,
)
from bot.slack.cards import build_card
from bot.slack.text import escape, mrkdwn, route_mention
from storage.models import Stage
from storage.outbox import OUTBOX, SLACK, enqueue_slack

POST, UPDATE = "chat.postMessage", "chat.update"
MARKETING, SALES, URGENT = "marketing_notice", "sales_handoff", "urgent_handoff"
CARD_PURPOSES = frozenset({MARKETING, SALES, URGENT})

_OUTCOME_ICONS = {Stage.WON: "🏆 ", Stage.LOST: "📉 "}


@dataclass(frozen=True)
class PostedCard:
    """A card queued for a lead: the dedupe key that names it, where, and what it is."""

    dedupe_key: str
    channel: str
    purpose: str


def round_key(lead: Mapping[str, Any]) -> str:
    """Names one qualification of a lead; every message about it starts with this."""
    mql_at: datetime = lead["mql_at"]
    return f"lead:{lead['id']}:mql:{int(mql_at.timestamp())}"


def cards_of(conn: Connection, lead: Mapping[str, Any]) -> list[PostedCard]:
    """The cards queued for the lead's latest qualification, whatever the config says now."""
    rows = conn.execute(
        select(OUTBOX.c.dedupe_key, OUTBOX.c.target, OUTBOX.c.payload)
        .where(
            OUTBOX.c.lead_id == lead["id"],
            OUTBOX.c.kind == SLACK,
            OUTBOX.c.dedupe_key.startswith(round_key(lead) + ":card:", autoescape=True),
        )
        .order_by(OUTBOX.c.id)
    )
    return [
        PostedCard(row.dedupe_key, row.target, row.payload["purpose"])
        for row in rows
        if row.payload.get("purpose") in CARD_PURPOSES
    ]


class SlackHandoff:
    """The ``TransitionEffect`` that keeps Slack in step with the lead lifecycle."""

    def __init__(self, config: SlackConfig) -> None:
        self.config = config

    def __call__(self, conn: Connection, lead: Mapping[str, Any], plan: TransitionPlan) -> None:
        if plan.to_stage is Stage.MQL:
            self._announce(conn, lead, plan.at)
        elif lead["mql_at"] is not None:
            self._follow_up(conn, lead, plan)

    def _announce(self, conn: Connection, lead: Mapping[str, Any], now: datetime) -> None:
        card = build_card(conn, lead)
        notice = marketing_notice(card, now)
        for channel in self.config.marketing_channels:
            _post_card(conn, lead, MARKETING, channel, notice)
        route = self.config.route_for(lead)
        handoff = _mentioning(sales_handoff(card, now), route_mention(route.mention, route.people))
        _post_card(conn, lead, SALES, route.channel, handoff)
        urgent = self.config.urgent_channel
        if card.hot and urgent and urgent != route.channel:
            _post_card(conn, lead, URGENT, urgent, handoff)

    def _follow_up(self, conn: Connection, lead: Mapping[str, Any], plan: TransitionPlan) -> None:
        cards = cards_of(conn, lead)
        if not cards:
            return
        card = build_card(conn, lead)
        decided = decided_card(card, plan.at)
        change = f"{round_key(lead)}:v{lead['version']}"
        for posted in cards:
            enqueue_slack(
                conn,
                dedupe_key=f"{change}:update:{posted.purpose}:{posted.channel}",
                target=posted.channel,
                method=UPDATE,
                args=decided.as_kwargs(),
                lead_id=lead["id"],
                update_of=posted.dedupe_key,
            )
        thread = next((c for c in cards if c.purpose == SALES), cards[0])
        enqueue_slack(
            conn,
            dedupe_key=f"{change}:reply",
            target=thread.channel,
            method=POST,
            args=_reply(card, plan).as_kwargs(),
            lead_id=lead["id"],
            thread_of=thread.dedupe_key,
        )


def card_key(lead: Mapping[str, Any], purpose: str, channel: str) -> str:
    return f"{round_key(lead)}:card:{purpose}:{channel}"


def _post_card(
    conn: Connection,
    lead: Mapping[str, Any],
    purpose: str,
    channel: str,
    message: OutgoingMessage,
) -> None:
    enqueue_slack(
        conn,
        dedupe_key=card_key(lead, purpose, channel),
        target=channel,
        method=POST,
        args={"channel": channel, **message.as_kwargs()},
        lead_id=lead["id"],
        purpose=purpose,
    )


def _mentioning(message: OutgoingMessage, mention: str) -> OutgoingMessage:
    """The handoff with the route's mention, in the notification text and on the card."""
    if not mention:
        return message
    line = {"type": "context", "elements": [{"type": "mrkdwn", "text": mention}]}
    return OutgoingMessage(f"{mention} {message.text}", [line, *message.blocks])


def _reply(card: LeadCard, plan: TransitionPlan) -> OutgoingMessage:
    """The thread reply recording a move: the decision itself, or a later outcome."""
    if plan.from_stage is Stage.MQL:
        return decision_reply(card, plan.at)
    icon = _OUTCOME_ICONS.get(plan.to_stage, "")
    text = (
        f"{icon}{escape(plan.from_stage.value)} → {escape(plan.to_stage.value)}"
        f" ({escape(str(plan.actor))})"
    )
    if plan.reason:
        text += f" — {mrkdwn(plan.reason, 500)}"
    return text_message(text)


def text_message(text: str) -> OutgoingMessage:
    """A one-section message of ready-made mrkdwn (callers escape what is untrusted)."""
    return OutgoingMessage(text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}])
