"""Who takes leads now: ``/leads away``, ``/leads back`` and the ``/leads team`` overview.

Someone away is skipped by every team's rotation (and by account-owner
offers) until they are back, or until the day they gave begins in their own
time zone. While away they gain no credit in the rotation, so when they
return the rotation carries on from there: no flood of the leads they
missed (``bot.core.rotation``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Connection

from bot.config.routing import RoutingConfig
from bot.core.reps import RepNumbers, tally
from bot.core.rotation import start_of_day
from bot.leads.unit_of_work import Work
from bot.routing.router import Router
from storage import routing as store

#: the window of accept rates and times to decide in ``/leads team``
TEAM_WINDOW = timedelta(days=30)


def zone_of(routing: RoutingConfig, user_id: str) -> str:
    """The person's time zone: as their first team lists them, else UTC."""
    for team in routing.teams:
        member = team.member(user_id)
        if member is not None:
            return team.zone_of(member)
    return "UTC"


def go_away(
    work: Work, routing: RoutingConfig, user_id: str, until: date | None, by: str, now: datetime
) -> datetime | None:
    """Mark ``user_id`` away; returns when they are back by themselves (None: until ``back``)."""
    back = None
    if until is not None:
        back = datetime.combine(until, time(0, 0), tzinfo=ZoneInfo(zone_of(routing, user_id)))
        if back <= now:
            raise ValueError(f"{until.isoformat()} has already begun")
    store.set_away(work.conn, user_id, until=back, by=by, now=now)
    return back


def come_back(work: Work, user_id: str, now: datetime) -> bool:
    """Mark ``user_id`` back; False when they were not away."""
    return store.clear_away(work.conn, user_id, now)


@dataclass(frozen=True)
class MemberLine:
    user_id: str
    #: why they take no leads now (away, a cap, off hours), or None
    unavailable: str | None
    away_until: datetime | None
    open_leads: int
    today: int
    daily_cap: int | None
    open_cap: int | None
    numbers: RepNumbers


@dataclass(frozen=True)
class TeamReport:
    name: str
    mode: str
    members: Sequence[MemberLine]


def team_report(conn: Connection, router: Router, now: datetime) -> list[TeamReport]:
    """Every team and each member's state now, with their numbers of the last 30 days."""
    numbers = {
        rep.user_id: rep for rep in tally(store.events_between(conn, now - TEAM_WINDOW, now))
    }
    reports = []
    for team in router.routing.teams:
        why = router.availability(conn, team, now)
        away = store.away_now(conn, [m.user for m in team.members], now)
        lines = [
            MemberLine(
                member.user,
                why[member.user],
                away.get(member.user),
                store.open_leads(conn, member.user),
                store.offers_since(conn, member.user, start_of_day(now, team.zone_of(member))),
                member.daily_cap,
                member.open_cap,
                numbers.get(member.user) or RepNumbers(member.user),
            )
            for member in team.members
        ]
        reports.append(TeamReport(team.name, team.mode, lines))
    return reports
