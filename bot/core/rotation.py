"""Who gets the next lead: a fair rotation over the members who can take one now.

Each member holds a *credit*, as in smooth weighted round-robin (the scheme
nginx balances upstreams with): at every pick, each member who can take the
lead gains their weight, and the one who gets it gives back the sum of the
weights that took part. A member's credit is how far they are behind their
share, in units of 1/total leads. The lead goes to the member whose share
comes due soonest: among those behind (positive credit), the one with the
largest ``(credit - total) / weight`` — earliest-deadline-first, the rule of
Tijdeman's solution to the "chairman assignment problem". Plain smooth
round-robin (most credit wins) drifts past one lead for some weightings
(1, 1, 1, 14, 14); this rule keeps every member's count within one lead of
their share after any number of leads, whatever the team and its weights.
With equal weights it serves A, B, C, A…; with weights 1, 2, 1 it serves B
twice as often, spread out rather than in bursts.

A member who cannot take leads for a while (away, at a cap, outside working
hours) takes no part in the picks meanwhile, so they gain nothing: on their
return the rotation counts from there, and they are not flooded with the
leads they missed. A member who already had the lead (they passed, or let
the offer time out) takes no part in the picks for that lead.

Pure: the database holds the credits and the lock that makes two picks
happen one after the other (``storage.routing``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from bot.config.digests import WEEKDAYS


@dataclass(frozen=True)
class Seat:
    """A member as the rotation sees them: their weight and their credit so far."""

    user_id: str
    weight: int
    credit: int = 0


@dataclass(frozen=True)
class Pick:
    user_id: str
    #: the new credit of every member who took part
    credits: Mapping[str, int]


def pick(seats: Sequence[Seat], candidates: frozenset[str]) -> Pick | None:
    """The next member among ``candidates`` (in ``seats`` order), or None when there are none."""
    taking_part = [seat for seat in seats if seat.user_id in candidates]
    if not taking_part:
        return None
    total = sum(seat.weight for seat in taking_part)
    credits = {seat.user_id: seat.credit + seat.weight for seat in taking_part}
    behind = [seat for seat in taking_part if credits[seat.user_id] > 0] or taking_part
    # max() keeps the first of equals: ties go to the member listed first
    chosen = max(behind, key=lambda seat: Fraction(credits[seat.user_id] - total, seat.weight))
    credits[chosen.user_id] -= total
    return Pick(chosen.user_id, credits)


@dataclass(frozen=True)
class Hours:
    """Local working hours on some weekdays; ``end`` before ``start`` spans midnight."""

    zone: str
    start: time
    end: time
    days: Sequence[str]

    def open_at(self, now: datetime) -> bool:
        local = now.astimezone(ZoneInfo(self.zone))
        today = WEEKDAYS[local.weekday()]
        yesterday = WEEKDAYS[(local.weekday() - 1) % 7]
        clock = local.time()
        if self.start < self.end:
            return today in self.days and self.start <= clock < self.end
        if self.end == time(0, 0):  # "18:00-24:00"
            return today in self.days and clock >= self.start
        return (today in self.days and clock >= self.start) or (
            yesterday in self.days and clock < self.end
        )


def start_of_day(now: datetime, zone: str) -> datetime:
    """Midnight of ``now``'s local day in ``zone``, as an aware datetime."""
    local = now.astimezone(ZoneInfo(zone))
    midnight = datetime.combine(local.date(), time(0, 0), tzinfo=local.tzinfo)
    return midnight.astimezone(now.tzinfo)


def day_after(day_start: datetime, zone: str) -> datetime:
    """Midnight of the next local day (23 or 25 hours later across a clock change)."""
    local = day_start.astimezone(ZoneInfo(zone))
    following = datetime.combine(local.date() + timedelta(days=1), time(0, 0), tzinfo=local.tzinfo)
    return following.astimezone(day_start.tzinfo)


@dataclass(frozen=True)
class Load:
    """What the database says about a member at the moment of a pick."""

    away: bool = False
    offers_today: int = 0
    open_leads: int = 0


@dataclass(frozen=True)
class Limits:
    """A member's caps and hours as the rules file gives them."""

    daily_cap: int | None = None
    open_cap: int | None = None
    hours: Hours | None = None


AWAY, DAILY_CAP, OPEN_CAP, OFF_HOURS = "away", "at daily cap", "at open-lead cap", "off hours"


def unavailable(limits: Limits, load: Load, now: datetime) -> str | None:
    """Why a member cannot take a lead now (``away``, a cap, ``off hours``), or None."""
    if load.away:
        return AWAY
    if limits.daily_cap is not None and load.offers_today >= limits.daily_cap:
        return DAILY_CAP
    if limits.open_cap is not None and load.open_leads >= limits.open_cap:
        return OPEN_CAP
    if limits.hours is not None and not limits.hours.open_at(now):
        return OFF_HOURS
    return None
