"""What routing does inside lead transactions: offer new MQLs, close offers on decisions.

On a lead becoming an MQL of a ``round_robin`` or ``weighted`` team, the
first offer is made and recorded, and the features that follow offers are
told (``Effects.offer``: the Slack DM, ``lead.offered``). This effect must
run *after* the outbound webhooks' (``lead.mql`` comes before
``lead.offered``) and *before* the Slack handoff's (the card names the rep
it is offered to); ``bot.app.app_effects`` puts it there.

A decision on an offered lead closes the offer: accepted or rejected by the
rep it was offered to (with the time they took and whether the SLA had
passed), or withdrawn when someone else decided first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.engine import Connection

from bot.config.rules import LeadbotConfig
from bot.config.slack import Sla
from bot.core.lifecycle import Actor, TransitionPlan
from bot.core.offers import Step
from bot.leads.effects import DecisionCheck, Effects, OfferEffect
from bot.routing.router import Router
from bot.slack.text import date_token, mrkdwn, user_mention
from storage import routing as store
from storage.enums import Stage
from storage.rows import LeadRow


class RoutingEffect:
    """The ``TransitionEffect`` of routing."""

    def __init__(self, router: Router, sla: Sla, listeners: Sequence[OfferEffect]) -> None:
        self._router = router
        self._sla = sla
        self._listeners = tuple(listeners)

    def __call__(self, conn: Connection, lead: LeadRow, plan: TransitionPlan) -> None:
        if plan.to_stage is Stage.MQL:
            team = self._router.team_of(lead)
            if team is None:
                return
            move = self._router.first_offer(conn, lead, team, plan.at)
            for listener in self._listeners:
                listener(conn, lead, move)
        elif plan.from_stage is Stage.MQL:
            self._close(conn, lead, plan)

    def _close(self, conn: Connection, lead: LeadRow, plan: TransitionPlan) -> None:
        offer = store.open_offer(conn, lead.id)
        if offer is None:
            return
        store.delete_offer(conn, lead.id)
        if plan.actor.id == offer.user_id:
            waited = plan.at - (lead.mql_at or offer.round_at)
            event = store.EventRow(
                lead_id=lead.id,
                round_at=offer.round_at,
                team=offer.team,
                user_id=offer.user_id,
                kind=(Step.ACCEPTED if plan.to_stage is Stage.SQL else Step.REJECTED).value,
                at=plan.at,
                reason=plan.reason,
                seconds=(plan.at - offer.offered_at).total_seconds(),
                late=waited > timedelta(minutes=self._sla.reminder_after(bool(lead.hot))),
            )
        else:
            event = store.EventRow(
                lead_id=lead.id,
                round_at=offer.round_at,
                team=offer.team,
                user_id=offer.user_id,
                kind=Step.WITHDRAWN.value,
                at=plan.at,
                actor=str(plan.actor),
                reason=f"{plan.from_stage.value} → {plan.to_stage.value}",
            )
        store.add_event(conn, event)


def offered_only_to(conn: Connection, lead: LeadRow, actor: Actor, target: Stage) -> str | None:
    """The ``DecisionCheck``: an offered lead is decided by its rep (or an admin) only."""
    offer = store.open_offer(conn, lead.id)
    if offer is None or actor.id == offer.user_id or actor.is_admin:
        return None
    who = mrkdwn(lead.company or lead.email, 200)
    return (
        f"This lead ({who}) is offered to {user_mention(offer.user_id)} until "
        f"{date_token(offer.expires_at)}: only they, or an admin, may decide it now. "
        "If it is not taken, it comes back to the channel."
    )


def forget_accounts(conn: Connection, lead: LeadRow, now: datetime) -> str | None:
    """The ``ErasureEffect``: the audit trail keeps no company name of an erased lead."""
    store.forget_accounts(conn, lead.id)
    return None


def effects(config: LeadbotConfig, listeners: Sequence[OfferEffect]) -> Effects:
    """Routing's effects; ``listeners`` are the features' offer effects it tells of first offers."""
    erasure = Effects(erasure=(forget_accounts,))
    if not any(team.routed for team in config.routing.teams):
        return erasure
    router = Router(config.routing, config.slack)
    check: DecisionCheck = offered_only_to
    return erasure + Effects(
        transition=(RoutingEffect(router, config.slack.sla, listeners),), checks=(check,)
    )
