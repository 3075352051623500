"""Offers in Slack: the rep's direct message, the card following the offer, Pass, the fallback.

``SlackOffers`` is the Slack feature's ``OfferEffect``. It runs in the
transaction of each move of an offer and only queues outbox rows:

* the rep a lead is offered to gets a copy of the card in a direct message
  (Accept / Pass / Reject);
* when the offer moves on, the sales card and its urgent copy are updated in
  place to name the next rep, and the previous rep's copy says how their
  offer ended and where the lead went;
* when nobody is left, the card is open to everyone in the channel again
  (the group is mentioned) and the escalation channel hears of it.

On a lead's first offer the sales card does not exist yet: the handoff
effect, which runs next, posts it already naming the rep.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Connection

from bot.config.rules import LeadbotConfig
from bot.core.offers import OfferMove
from bot.leads.unit_of_work import UnitOfWork
from bot.routing.moves import Passed, pass_offer
from bot.routing.router import Router
from bot.slack.blocks import closed_card, text_message
from bot.slack.cards import build_card
from bot.slack.decisions import Clicker, tell, tell_too_late
from bot.slack.handoff import (
    OFFER_DM,
    POST,
    SALES,
    UPDATE,
    URGENT,
    card_key,
    cards_of,
    post_card,
    round_key,
)
from bot.slack.offer_cards import (
    RoutingState,
    direct_message,
    ended_line,
    fallback_notice,
    sales_message,
)
from bot.slack.text import user_mention
from storage.enums import Stage
from storage.outbox import enqueue_slack
from storage.rows import LeadRow

FALLBACK = "routing_fallback"


class SlackOffers:
    def __init__(self, config: LeadbotConfig) -> None:
        self.config = config.slack

    def __call__(self, conn: Connection, lead: LeadRow, move: OfferMove) -> None:
        card = build_card(conn, lead)
        route = self.config.route_for(lead)
        state = RoutingState.of_move(move)
        sales = sales_message(card, route, state, move.at)
        step = f"offer:{len(move.history)}"
        for posted in cards_of(conn, lead):
            if posted.purpose in (SALES, URGENT):
                _update(conn, lead, posted.dedupe_key, posted.channel, step, sales.as_kwargs())
        if move.ended is not None:
            dm = card_key(lead, OFFER_DM, move.ended.user_id)
            ended = closed_card(card, move.at, ended_line(move, route))
            _update(conn, lead, dm, move.ended.user_id, step, ended.as_kwargs())
        if move.offer is not None:
            user = move.offer.user_id
            post_card(conn, lead, OFFER_DM, user, direct_message(card, state, move.at))
        elif self.config.escalation_channel:
            channel = self.config.escalation_channel
            notice = text_message(fallback_notice(card, move, route))
            enqueue_slack(
                conn,
                dedupe_key=f"{round_key(lead)}:{FALLBACK}",
                target=channel,
                method=POST,
                args={"channel": channel, **notice.as_kwargs()},
                lead_id=lead.id,
                purpose=FALLBACK,
            )


def _update(
    conn: Connection, lead: LeadRow, card: str, target: str, step: str, args: dict[str, object]
) -> None:
    enqueue_slack(
        conn,
        dedupe_key=f"{card}:{step}",
        target=target,
        method=UPDATE,
        args=dict(args),
        lead_id=lead.id,
        update_of=card,
    )


NOT_YOURS_TEXT = "This lead is offered to {rep}; only they can pass it on."
OPEN_TEXT = "This lead is no longer offered to anyone: it is open to everyone in its channel."


def pass_from_slack(
    uow: UnitOfWork, router: Router, clicker: Clicker, lead_id: int, now: datetime
) -> Passed:
    """The Pass button: the lead goes to the next rep, or the clicker learns why not."""
    with uow.begin() as work:
        result = pass_offer(work, router, lead_id, clicker.user_id, now)
        lead = result.lead
        if result.outcome is Passed.TOO_LATE and lead is not None and lead.stage == Stage.MQL:
            tell(work.conn, clicker, text_message(OPEN_TEXT))
        elif result.outcome is Passed.TOO_LATE:
            tell_too_late(work.conn, clicker, lead, now)
        elif result.outcome is Passed.NOT_YOURS:
            text = NOT_YOURS_TEXT.format(rep=user_mention(result.offered_to))
            tell(work.conn, clicker, text_message(text))
    return result.outcome
