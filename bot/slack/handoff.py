"""What each change of a lead posts or updates in Slack: the handoff's effects.

They run inside the transaction of the change (``bot.leads.qualify``) and
only enqueue outbox rows, so the messages exist exactly when the change does.

* A lead becoming an MQL: a notice in each marketing channel and the handoff
  card (Accept / Reject) in the routed sales channel, mentioning the route's
  group; hot leads also get a copy of the card in the urgent channel.
* An undecided MQL whose score or hotness changes (new activity, decay):
  its cards are updated in place, and a lead turning hot gets its urgent
  copy then. Only the newest version of a card is sent: an update still
  waiting in the outbox is superseded by the next, so a burst of activity
  costs one Slack call per card.
* Any later move of a lead that has cards (accepted, rejected, won, lost…):
  every card of its latest qualification is updated in place — buttons give
  way to who decided and when — and a reply in the sales card's thread keeps
  the record, with the answers to the qualification questions when Accept
  asked them.
* A lead of a routed team (``routing:``) is offered to one rep: the sales
  card names them instead of mentioning the group (``bot.slack.offer_cards``)
  and they get a copy in a direct message; ``bot.slack.offers`` follows the
  offer as it moves on.

Dedupe keys are derived from the lead, the time it qualified and the
version the change produced, so a redelivered event, a retried batch or a
restart never posts twice, and a lead that qualifies again after recycling
gets fresh cards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Connection

from bot.config.routing import RoutingConfig
from bot.config.slack import SlackConfig
from bot.core.lifecycle import TransitionPlan
from bot.slack.blocks import (
    LeadCard,
    OutgoingMessage,
    decided_card,
    decision_reply,
    marketing_notice,
    text_message,
)
from bot.slack.cards import build_card
from bot.slack.offer_cards import direct_message, routing_state, sales_message
from bot.slack.qualification import with_answers
from bot.slack.text import escape, mrkdwn
from storage.enums import Stage
from storage.outbox import SLACK, enqueue_slack, items_with_prefix, supersede_pending
from storage.rows import LeadRow

POST, UPDATE = "chat.postMessage", "chat.update"
MARKETING, SALES, URGENT = "marketing_notice", "sales_handoff", "urgent_handoff"
#: the copy of an offered lead's card in the rep's direct messages (target: their user id)
OFFER_DM = "offer_dm"
CARD_PURPOSES = frozenset({MARKETING, SALES, URGENT, OFFER_DM})

_OUTCOME_ICONS = {Stage.WON: "🏆 ", Stage.LOST: "📉 "}
SUPERSEDED = "not sent: a newer version of the card replaced it"


@dataclass(frozen=True)
class PostedCard:
    """A card queued for a lead: the dedupe key that names it, where, and what it is."""

    dedupe_key: str
    channel: str
    purpose: str


def round_key(lead: LeadRow) -> str:
    """Names one qualification of a lead; every message about it starts with this."""
    assert lead.mql_at is not None, "only a lead that qualified has cards"
    return f"lead:{lead.id}:mql:{int(lead.mql_at.timestamp())}"


def card_key(lead: LeadRow, purpose: str, channel: str) -> str:
    return f"{round_key(lead)}:card:{purpose}:{channel}"


def cards_of(conn: Connection, lead: LeadRow) -> list[PostedCard]:
    """The cards queued for the lead's latest qualification, whatever the config says now."""
    rows = items_with_prefix(conn, lead_id=lead.id, kind=SLACK, prefix=round_key(lead) + ":card:")
    return [
        PostedCard(row.dedupe_key, row.target, row.payload["purpose"])
        for row in rows
        if row.payload.get("purpose") in CARD_PURPOSES
    ]


class SlackHandoff:
    """The effects that keep Slack in step with a lead's stage and score."""

    def __init__(self, config: SlackConfig, routing: RoutingConfig | None = None) -> None:
        self.config = config
        self.routing = routing or RoutingConfig()

    def __call__(self, conn: Connection, lead: LeadRow, plan: TransitionPlan) -> None:
        """The ``TransitionEffect``: announce a new MQL, or record a decision on its cards."""
        if plan.to_stage is Stage.MQL:
            self._announce(conn, lead, plan.at)
        elif lead.mql_at is not None:
            self._follow_up(conn, lead, plan)

    def rescored(self, conn: Connection, before: LeadRow, after: LeadRow, now: datetime) -> None:
        """The ``RescoreEffect``: an undecided MQL's cards follow its score and hotness."""
        if after.stage != Stage.MQL.value or after.mql_at is None:
            return
        if (before.score, before.hot) == (after.score, after.hot):
            return
        cards = cards_of(conn, after)
        if not cards:
            return
        card = build_card(conn, after)
        route = self.config.route_for(after)
        state = routing_state(conn, after, self.routing)
        versions = {
            MARKETING: marketing_notice(card, now),
            SALES: sales_message(card, route, state, now),
        }
        versions[URGENT] = versions[SALES]
        if state is not None and state.offer is not None:
            versions[OFFER_DM] = direct_message(card, state, now)
        stamp = f"{int(now.timestamp() * 1000)}"
        for posted in cards:
            holder = state.offer.user_id if state and state.offer else None
            if posted.purpose == OFFER_DM and posted.channel != holder:
                continue  # an earlier rep's copy says how their offer ended
            prefix = f"{posted.dedupe_key}:rescored:"
            supersede_pending(conn, lead_id=after.id, prefix=prefix, note=SUPERSEDED, now=now)
            enqueue_slack(
                conn,
                dedupe_key=prefix + stamp,
                target=posted.channel,
                method=UPDATE,
                args=versions[posted.purpose].as_kwargs(),
                lead_id=after.id,
                update_of=posted.dedupe_key,
            )
        urgent = self.config.urgent_channel
        if after.hot and urgent and urgent != route.channel:
            post_card(conn, after, URGENT, urgent, versions[SALES])

    def _announce(self, conn: Connection, lead: LeadRow, now: datetime) -> None:
        card = build_card(conn, lead)
        notice = marketing_notice(card, now)
        for channel in self.config.marketing_channels:
            post_card(conn, lead, MARKETING, channel, notice)
        route = self.config.route_for(lead)
        handoff = sales_message(card, route, routing_state(conn, lead, self.routing), now)
        post_card(conn, lead, SALES, route.channel, handoff)
        urgent = self.config.urgent_channel
        if card.hot and urgent and urgent != route.channel:
            post_card(conn, lead, URGENT, urgent, handoff)

    def _follow_up(self, conn: Connection, lead: LeadRow, plan: TransitionPlan) -> None:
        cards = cards_of(conn, lead)
        if not cards:
            return
        card = build_card(conn, lead)
        decided = decided_card(card, plan.at)
        change = f"{round_key(lead)}:v{lead.version}"
        for posted in cards:
            # a score update still waiting would overwrite the decision: it goes
            supersede_pending(
                conn,
                lead_id=lead.id,
                prefix=f"{posted.dedupe_key}:rescored:",
                note=SUPERSEDED,
                now=plan.at,
            )
            enqueue_slack(
                conn,
                dedupe_key=f"{change}:update:{posted.purpose}:{posted.channel}",
                target=posted.channel,
                method=UPDATE,
                args=decided.as_kwargs(),
                lead_id=lead.id,
                update_of=posted.dedupe_key,
            )
        thread = next((c for c in cards if c.purpose == SALES), cards[0])
        enqueue_slack(
            conn,
            dedupe_key=f"{change}:reply",
            target=thread.channel,
            method=POST,
            args=_reply(card, plan).as_kwargs(),
            lead_id=lead.id,
            thread_of=thread.dedupe_key,
        )


def post_card(
    conn: Connection, lead: LeadRow, purpose: str, channel: str, message: OutgoingMessage
) -> None:
    enqueue_slack(
        conn,
        dedupe_key=card_key(lead, purpose, channel),
        target=channel,
        method=POST,
        args={"channel": channel, **message.as_kwargs()},
        lead_id=lead.id,
        purpose=purpose,
    )


def _reply(card: LeadCard, plan: TransitionPlan) -> OutgoingMessage:
    """The thread reply recording a move: the decision itself, or a later outcome."""
    if plan.from_stage is Stage.MQL:
        return with_answers(decision_reply(card, plan.at), plan.answers)
    icon = _OUTCOME_ICONS.get(plan.to_stage, "")
    text = (
        f"{icon}{escape(plan.from_stage.value)} → {escape(plan.to_stage.value)}"
        f" ({escape(str(plan.actor))})"
    )
    if plan.reason:
        text += f" — {mrkdwn(plan.reason, 500)}"
    return text_message(text)
