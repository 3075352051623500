"""Who a lead is offered to, first and after each pass or timeout, and the record of it.

The first offer goes to the account's owner when the lead's company already
belongs to someone (the ``routing.accounts`` map, else the owner of the
latest accepted or won lead of the same domain) and they are not away;
otherwise, and for every later offer, to the next member of the rotation
who is available and has not had the lead yet (``bot.core.rotation``).
When nobody is left the lead falls back to the team's channel.

Every function here runs inside the caller's transaction, with the lead
already locked (a stage change, ``storage.leads.lock_lead``); the team
locks are taken here, after the lead's, as ``storage.routing`` requires.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Connection

from bot.config.routing import RoutingConfig, Team
from bot.config.slack import SlackConfig
from bot.core.accounts import company_domain
from bot.core.offers import ACCOUNT_OWNER, MOVED_ON, ROTATION, Answer, Offer, OfferMove, Step
from bot.core.rotation import Load, Seat, pick, start_of_day, unavailable
from storage import routing as store
from storage.rows import LeadRow


@dataclass(frozen=True)
class Owner:
    user_id: str
    #: the company as the card names it
    account: str


def offer_of(row: store.OfferRow) -> Offer:
    """The open offer as stored, for the features."""
    return Offer(**{name: getattr(row, name) for name in Offer.__dataclass_fields__})


class Router:
    def __init__(self, routing: RoutingConfig, slack: SlackConfig) -> None:
        self.routing = routing
        self.slack = slack
        self._routed = [team.name for team in routing.teams if team.routed]

    def team_of(self, lead: LeadRow) -> Team | None:
        """The lead's team when it offers leads to one rep at a time, else None (claim)."""
        team = self.routing.team_for(self.slack.route_for(lead).name)
        return team if team is not None and team.routed else None

    def first_offer(self, conn: Connection, lead: LeadRow, team: Team, now: datetime) -> OfferMove:
        """Offer a new MQL to its account's owner or the next rep, and record it."""
        store.lock_teams(conn, self._routed, now)
        owner = self.account_owner(conn, lead, now)
        offer = (
            self._offer(lead, team, owner.user_id, now, ACCOUNT_OWNER, owner.account)
            if owner is not None
            else self._next(conn, lead, team, set(), now)
        )
        return self._record(conn, lead, team, offer, None, None, [], now)

    def move_on(
        self,
        conn: Connection,
        lead: LeadRow,
        ended: store.OfferRow,
        step: Step,
        now: datetime,
        *,
        actor: str | None = None,
    ) -> OfferMove:
        """End ``ended`` (passed or timed out) and offer the lead to the next rep, or fall back."""
        assert step in MOVED_ON
        seconds = (now - ended.offered_at).total_seconds() if step is Step.PASSED else None
        ended_event = store.EventRow(
            lead.id,
            ended.round_at,
            ended.team,
            ended.user_id,
            step.value,
            now,
            actor,
            None,
            seconds,
        )
        store.add_event(conn, ended_event)
        events = store.lead_events(conn, lead.id, ended.round_at)
        history = [
            Answer(e.user_id, Step(e.kind)) for e in events if e.kind in MOVED_ON and e.user_id
        ]
        had = {e.user_id for e in events if e.kind == Step.OFFERED.value and e.user_id}
        team = self.routing.team(ended.team)
        store.lock_teams(conn, self._routed, now)
        offer = self._next(conn, lead, team, had, now) if team is not None else None
        return self._record(
            conn, lead, team, offer, offer_of(ended), step, history, now, name=ended.team
        )

    def account_owner(self, conn: Connection, lead: LeadRow, now: datetime) -> Owner | None:
        """Who already owns the lead's company, if anyone who is not away."""
        domain = company_domain(lead.email, lead.website)
        if domain is None:
            return None
        account = lead.company or domain
        owner = self.routing.accounts.get(domain)
        if owner is None:
            for owner_id, email, website, company in store.account_candidates(conn, domain):
                if company_domain(email, website) == domain:
                    owner, account = owner_id, lead.company or company or domain
                    break
        if owner is None or store.away_now(conn, [owner], now):
            return None
        return Owner(owner, account)

    def availability(self, conn: Connection, team: Team, now: datetime) -> dict[str, str | None]:
        """Each member's reason for not taking a lead now (None: they can)."""
        away = store.away_now(conn, [m.user for m in team.members], now)
        found: dict[str, str | None] = {}
        for member in team.members:
            limits = team.limits_of(member)
            load = Load(
                away=member.user in away,
                offers_today=(
                    store.offers_since(conn, member.user, start_of_day(now, team.zone_of(member)))
                    if limits.daily_cap is not None
                    else 0
                ),
                open_leads=store.open_leads(conn, member.user) if limits.open_cap else 0,
            )
            found[member.user] = unavailable(limits, load, now)
        return found

    def _next(
        self, conn: Connection, lead: LeadRow, team: Team, had: set[str], now: datetime
    ) -> Offer | None:
        """The rotation's pick among available members who have not had the lead."""
        available = {user for user, why in self.availability(conn, team, now).items() if not why}
        held = store.credits(conn, team.name)
        seats = [Seat(m.user, team.weight_of(m), held.get(m.user, 0)) for m in team.members]
        chosen = pick(seats, frozenset(available - had))
        if chosen is None:
            return None
        store.save_credits(conn, team.name, chosen.credits, now)
        return self._offer(lead, team, chosen.user_id, now, ROTATION, None)

    def _offer(
        self,
        lead: LeadRow,
        team: Team,
        user_id: str,
        now: datetime,
        reason: str,
        account: str | None,
    ) -> Offer:
        expires = now + timedelta(minutes=team.offer_minutes_for(bool(lead.hot)))
        return Offer(lead.id, team.name, user_id, now, expires, reason, account)

    def _record(
        self,
        conn: Connection,
        lead: LeadRow,
        team: Team | None,
        offer: Offer | None,
        ended: Offer | None,
        step: Step | None,
        history: Sequence[Answer],
        now: datetime,
        *,
        name: str | None = None,
    ) -> OfferMove:
        assert lead.mql_at is not None, "only an MQL is offered"
        team_name = team.name if team is not None else name or ""
        if offer is None:
            store.delete_offer(conn, lead.id)
            event = store.EventRow(lead.id, lead.mql_at, team_name, None, Step.FALLBACK.value, now)
        else:
            store.put_offer(conn, store.OfferRow(round_at=lead.mql_at, **offer.__dict__))
            reason = offer.reason if offer.account is None else f"{offer.reason}: {offer.account}"
            event = store.EventRow(
                lead.id,
                lead.mql_at,
                team_name,
                offer.user_id,
                Step.OFFERED.value,
                now,
                reason=reason[:300],
            )
        store.add_event(conn, event)
        mode = team.mode if team is not None else "claim"
        return OfferMove(team_name, mode, now, offer, ended, step, tuple(history))
