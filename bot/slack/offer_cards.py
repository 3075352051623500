"""How a routed lead's card reads: who it is offered to, who passed, or that it is open to all.

A lead of a ``claim`` team (or with no routing at all) keeps the plain card
mentioning the route's group. A lead offered to a rep names them on the card
("Offered to @alice · round robin · answer by 14:05", or "Acme already
belongs to @dana"), pings them rather than the whole group, and has a third
button, Pass. Once nobody is left the card mentions the group again and
anyone may claim it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Connection

from bot.config.routing import RoutingConfig
from bot.config.slack import SlackRoute
from bot.core.offers import ACCOUNT_OWNER, MOVED_ON, Answer, Offer, OfferMove, Step
from bot.routing.router import offer_of
from bot.slack.blocks import (
    LeadCard,
    OutgoingMessage,
    mentioning,
    sales_handoff,
    who,
)
from bot.slack.text import date_token, escape, group_mention, mrkdwn, route_mention, user_mention
from storage import routing as store
from storage.rows import LeadRow

_MODES = {"round_robin": "round robin", "weighted": "weighted rotation"}


@dataclass(frozen=True)
class RoutingState:
    """Where a lead's offer stands, as its cards show it."""

    mode: str
    offer: Offer | None
    history: Sequence[Answer] = ()

    @classmethod
    def of_move(cls, move: OfferMove) -> RoutingState:
        history = list(move.history)
        return cls(move.mode, move.offer, history)


def routing_state(conn: Connection, lead: LeadRow, routing: RoutingConfig) -> RoutingState | None:
    """The lead's routing as stored, or None when it was never offered (a claim card)."""
    if lead.mql_at is None:
        return None
    events = store.lead_events(conn, lead.id, lead.mql_at)
    if not events:
        return None
    row = store.open_offer(conn, lead.id)
    team = routing.team(events[0].team)
    offer = offer_of(row) if row is not None else None
    history = [Answer(e.user_id, Step(e.kind)) for e in events if e.kind in MOVED_ON and e.user_id]
    return RoutingState(team.mode if team else "claim", offer, history)


def routing_line(state: RoutingState) -> str:
    """The card's line about the offer (mrkdwn)."""
    earlier = _history(state.history)
    offer = state.offer
    if offer is None:
        why = f"nobody took it ({earlier})" if earlier else "nobody on the team was available"
        return f"🙋 Open to everyone here: {why}."
    rep = user_mention(offer.user_id)
    if offer.reason == ACCOUNT_OWNER:
        account = mrkdwn(offer.account or "This company", 200)
        how = f"{account} already belongs to {rep}"
    else:
        how = escape(_MODES.get(state.mode, state.mode))
    parts = [f"📨 Offered to {rep}", how, f"answer by {date_token(offer.expires_at)}"]
    if earlier:
        parts.append(earlier)
    return " · ".join(parts)


def _history(history: Sequence[Answer]) -> str:
    words = {Step.PASSED: "passed", Step.TIMED_OUT: "let it time out"}
    return ", ".join(
        f"{user_mention(a.user_id)} {words.get(a.step, a.step.value)}" for a in history
    )


def sales_message(
    card: LeadCard, route: SlackRoute, state: RoutingState | None, now: datetime
) -> OutgoingMessage:
    """The card in the sales channel (and its urgent copy) for the lead's routing state."""
    if state is None:
        return mentioning(sales_handoff(card, now), route_mention(route.mention, route.people))
    line = routing_line(state)
    if state.offer is None:
        return mentioning(
            sales_handoff(card, now, routing=line), route_mention(route.mention, route.people)
        )
    offered = sales_handoff(card, now, routing=line, passable=True)
    return mentioning(offered, user_mention(state.offer.user_id))


def direct_message(card: LeadCard, state: RoutingState, now: datetime) -> OutgoingMessage:
    """The copy of the card the offered rep gets in a direct message."""
    return sales_handoff(card, now, routing=routing_line(state), passable=True)


def ended_line(move: OfferMove, route: SlackRoute) -> str:
    """What the previous rep's copy says once their offer moved on."""
    assert move.ended is not None and move.step is not None
    did = "You passed" if move.step is Step.PASSED else "Your time to answer ran out"
    if move.offer is not None:
        went = f"it went to {user_mention(move.offer.user_id)}"
    else:
        went = f"it is open to everyone in <#{route.channel}>"
    return f"{'⏭' if move.step is Step.PASSED else '⌛'} {did} · {date_token(move.at)}: {went}."


def fallback_notice(card: LeadCard, move: OfferMove, route: SlackRoute) -> str:
    """The escalation channel's post when nobody on the team took a lead."""
    earlier = _history(move.history)
    why = f"nobody took it ({earlier})" if earlier else "nobody on the team was available"
    mention = group_mention(route.mention)
    team = escape(move.team)
    return " ".join(
        p
        for p in (
            "🚨",
            mention,
            f"{who(card)}: {why} in team *{team}*; it is open to everyone in <#{route.channel}>.",
        )
        if p
    )
