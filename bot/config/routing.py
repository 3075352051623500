"""The ``routing:`` section of the rules file: which people sales leads are offered to.

Without the section every card goes to its channel and whoever clicks first
owns the lead (``claim``). A team in ``round_robin`` or ``weighted`` mode
instead *offers* each lead to one member at a time; the smallest such
configuration is::

    routing:
      teams:
        - name: sales
          mode: round_robin
          members: [U0ALICE, U0BOB, U0DAN]

Leads of the default sales channel go to ``default_team`` (the first team
when omitted); each ``slack.routes`` route hands its leads to the team
``routes`` names for it, and a route named nowhere keeps today's claim
cards. ``accounts`` names the owner of a company domain outright, ahead of
what leadbot learnt from accepted leads.
"""

from __future__ import annotations

import re
from datetime import time
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    field_validator,
    model_validator,
)

from bot.config.digests import Weekday, known_zone
from bot.config.slack import UserId
from bot.core.rotation import Hours, Limits

Mode = Literal["claim", "round_robin", "weighted"]
ROUTED_MODES = frozenset({"round_robin", "weighted"})
#: the largest weight: every weight up to it divides ``bot.core.rotation.SCALE``
MAX_WEIGHT = 20
_HOURS = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-4]):([0-5]\d)$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_WORKDAYS: list[Weekday] = ["mon", "tue", "wed", "thu", "fri"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _hours(value: str) -> str:
    if not _HOURS.match(value):
        raise ValueError(f'give working hours as "09:00-17:30", not {value!r}')
    return value


Zone = Annotated[str, AfterValidator(known_zone)]
HoursText = Annotated[str, AfterValidator(_hours)]


class Member(_Model):
    """One person in a team; a plain user id in the file is a member with the defaults."""

    user: UserId
    #: a share of the leads relative to the others (``weighted`` teams only)
    weight: int = Field(default=1, ge=1, le=MAX_WEIGHT)
    #: at most this many leads offered to them per local day
    daily_cap: PositiveInt | None = None
    #: at most this many open leads at once: SQLs they own plus offers awaiting their answer
    open_cap: PositiveInt | None = None
    timezone: Zone | None = None
    #: "09:00-17:30"; outside these hours they are skipped (the team's when omitted)
    hours: HoursText | None = None
    days: list[Weekday] | None = Field(default=None, min_length=1)


class Team(_Model):
    name: str = Field(min_length=1, max_length=64)
    mode: Mode = "claim"
    members: list[Member] = Field(default_factory=list)
    #: how long a rep has to accept or pass before the lead moves on
    offer_minutes: PositiveInt = 30
    hot_offer_minutes: PositiveInt = 10
    #: defaults for members who do not give their own
    timezone: Zone = "UTC"
    hours: HoursText | None = None
    days: list[Weekday] | None = Field(default=None, min_length=1)

    @field_validator("members", mode="before")
    @classmethod
    def _plain_ids(cls, members: Any) -> Any:
        if isinstance(members, list):
            return [{"user": m} if isinstance(m, str) else m for m in members]
        return members

    @model_validator(mode="after")
    def _consistent(self) -> Team:
        users = [m.user for m in self.members]
        if len(set(users)) != len(users):
            raise ValueError("a member is listed twice")
        if self.mode in ROUTED_MODES and not self.members:
            raise ValueError(f"a {self.mode} team needs at least one member")
        if self.mode != "weighted" and any(m.weight != 1 for m in self.members):
            raise ValueError("weight only applies to a team in weighted mode")
        if self.hot_offer_minutes > self.offer_minutes:
            raise ValueError("hot_offer_minutes must not be above offer_minutes")
        for member in self.members:
            if member.days is not None and member.hours is None and self.hours is None:
                raise ValueError(f"{member.user}: days need hours")
        if self.days is not None and self.hours is None:
            raise ValueError("days need hours")
        return self

    @property
    def routed(self) -> bool:
        """Whether leads are offered to one member at a time (not claimed by anyone)."""
        return self.mode in ROUTED_MODES

    def member(self, user_id: str) -> Member | None:
        return next((m for m in self.members if m.user == user_id), None)

    def weight_of(self, member: Member) -> int:
        return member.weight if self.mode == "weighted" else 1

    def zone_of(self, member: Member) -> str:
        return member.timezone or self.timezone

    def hours_of(self, member: Member) -> Hours | None:
        """The member's working hours, or None when they take leads at any time."""
        hours = member.hours or self.hours
        if hours is None:
            return None
        match = _HOURS.match(hours)
        assert match is not None, "validated with the section"
        h1, m1, h2, m2 = (int(part) for part in match.groups())
        days = member.days or (self.days if member.hours is None else None) or _WORKDAYS
        end = time(0, 0) if h2 == 24 else time(h2, m2)
        return Hours(self.zone_of(member), time(h1, m1), end, tuple(days))

    def limits_of(self, member: Member) -> Limits:
        return Limits(member.daily_cap, member.open_cap, self.hours_of(member))

    def offer_minutes_for(self, hot: bool) -> int:
        return self.hot_offer_minutes if hot else self.offer_minutes


class RoutingConfig(_Model):
    teams: list[Team] = Field(default_factory=list)
    #: ``slack.routes`` route name → the team its leads go to
    routes: dict[str, str] = Field(default_factory=dict)
    #: the team for leads no route matched (the sales channel); the first team when omitted
    default_team: str | None = None
    #: company domain → the Slack user who owns that account
    accounts: dict[str, UserId] = Field(default_factory=dict)

    @field_validator("accounts", mode="before")
    @classmethod
    def _domains(cls, accounts: Any) -> Any:
        if not isinstance(accounts, dict):
            return accounts
        for domain in accounts:
            if not isinstance(domain, str) or not _DOMAIN.match(domain):
                raise ValueError(
                    f"{domain!r} is not a company domain; write it in lower case, such as acme.com"
                )
        return accounts

    @model_validator(mode="after")
    def _known_teams(self) -> RoutingConfig:
        names = [team.name for team in self.teams]
        if len(set(names)) != len(names):
            raise ValueError("team names must be unique")
        for route, team in self.routes.items():
            if team not in names:
                raise ValueError(f"routes: {route!r} names the team {team!r}, which is not listed")
        if self.default_team is not None and self.default_team not in names:
            raise ValueError(f"default_team {self.default_team!r} is not a listed team")
        return self

    def team(self, name: str) -> Team | None:
        return next((team for team in self.teams if team.name == name), None)

    def team_for(self, route: str | None) -> Team | None:
        """The team a lead goes to: its route's, or the default team for the sales channel."""
        if route is not None:
            name = self.routes.get(route)
            return self.team(name) if name else None
        if self.default_team is not None:
            return self.team(self.default_team)
        return self.teams[0] if self.teams else None

    @property
    def members(self) -> frozenset[str]:
        """Everyone in a team: they may decide the leads offered to them."""
        return frozenset(m.user for team in self.teams for m in team.members)

    @property
    def people(self) -> frozenset[str]:
        """Every Slack user the section names (checked with Slack at start-up)."""
        return self.members | frozenset(self.accounts.values())
