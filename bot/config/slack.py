"""The ``slack:`` section of the rules file: channels, routing, who decides, the SLA.

The defaults are the sandbox workspace's channels and sales group, so
``make run`` shows the whole handoff without any configuration; a real
workspace replaces the ids with its own (docs/slack.md).

Routing picks the sales channel and the group to mention per lead: the first
route whose criteria all match wins, otherwise the default (``sales_channel``
and ``sales_mention``). Criteria are deliberately few — country, company
size, source — because routing follows how sales teams are split, not the
scoring rules.

Hot leads go to the routed channel like any other, and a copy of the card,
with the same buttons, also goes to ``urgent_channel`` when one is set, so
whoever watches urgent leads can act at once; a decision updates both.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Protocol

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PositiveInt, model_validator

_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{2,}")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
_GROUP_ID = re.compile(r"S[A-Z0-9]{2,}")


def _matching(pattern: re.Pattern[str], what: str, example: str) -> Any:
    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise ValueError(f"must be a Slack {what} id such as {example}, not {value!r}")
        return value

    return AfterValidator(check)


ChannelId = Annotated[str, _matching(_CHANNEL_ID, "channel", "C0123ABCD")]
UserId = Annotated[str, _matching(_USER_ID, "user", "U0123ABCD")]
GroupId = Annotated[str, _matching(_GROUP_ID, "user group", "S0123ABCD")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class RoutedLead(Protocol):
    """What routing reads of a lead (a ``storage.rows.LeadRow`` has it)."""

    @property
    def country(self) -> str | None: ...
    @property
    def source(self) -> str | None: ...
    @property
    def company_size(self) -> int | None: ...


class Route(_Model):
    """Leads matching every given criterion go to ``channel``, mentioning ``mention``."""

    name: str = Field(min_length=1)
    countries: list[str] | None = Field(default=None, min_length=1)
    #: employees, inclusive; ``max_company_size`` is exclusive (as in the scoring rules)
    min_company_size: int | None = Field(default=None, ge=0)
    max_company_size: int | None = Field(default=None, ge=1)
    sources: list[str] | None = Field(default=None, min_length=1)
    channel: ChannelId
    mention: GroupId | None = None

    @model_validator(mode="after")
    def _has_criteria(self) -> Route:
        if not (self.countries or self.sources) and (
            self.min_company_size is None and self.max_company_size is None
        ):
            raise ValueError(
                "give at least one of countries, min_company_size, max_company_size, sources"
            )
        low, high = self.min_company_size, self.max_company_size
        if low is not None and high is not None and low >= high:
            raise ValueError("min_company_size must be below max_company_size")
        return self

    def matches(self, lead: RoutedLead) -> bool:
        """Whether ``lead`` meets every criterion; missing values never match."""
        size = lead.company_size
        if self.countries is not None and (lead.country or "").upper() not in {
            c.upper() for c in self.countries
        }:
            return False
        if self.sources is not None and (lead.source or "").casefold() not in {
            s.casefold() for s in self.sources
        }:
            return False
        if self.min_company_size is not None and (size is None or size < self.min_company_size):
            return False
        return self.max_company_size is None or (size is not None and size < self.max_company_size)


class Deciders(_Model):
    """Who may accept or reject; with both lists empty, anyone in the workspace may."""

    users: list[UserId] = Field(default_factory=list)
    groups: list[GroupId] = Field(default_factory=list)

    @property
    def anyone(self) -> bool:
        return not self.users and not self.groups


class Sla(_Model):
    """How long an MQL may wait for a decision before a reminder, then an escalation."""

    reminder_after_minutes: PositiveInt = 240
    hot_reminder_after_minutes: PositiveInt = 30
    escalate_after_minutes: PositiveInt = 480
    hot_escalate_after_minutes: PositiveInt = 120

    @model_validator(mode="after")
    def _escalation_after_reminder(self) -> Sla:
        if self.escalate_after_minutes <= self.reminder_after_minutes:
            raise ValueError("escalate_after_minutes must be above reminder_after_minutes")
        if self.hot_escalate_after_minutes <= self.hot_reminder_after_minutes:
            raise ValueError("hot_escalate_after_minutes must be above hot_reminder_after_minutes")
        return self

    def reminder_after(self, hot: bool) -> int:
        return self.hot_reminder_after_minutes if hot else self.reminder_after_minutes

    def escalate_after(self, hot: bool) -> int:
        return self.hot_escalate_after_minutes if hot else self.escalate_after_minutes


class SlackRoute(_Model):
    """Where one lead's handoff goes, and whom its card and reminder ping.

    ``name`` is the matching route's, None for the default channel.
    """

    channel: str
    #: the user group to mention
    mention: str | None
    #: with no group to mention and none deciding, the deciders by name (Slack's free plan
    #: has no user groups)
    people: list[str] = Field(default_factory=list)
    name: str | None = None


class SlackConfig(_Model):
    marketing_channels: list[ChannelId] = Field(default_factory=lambda: ["C0MARKETING"])
    sales_channel: ChannelId = "C0SALES"
    sales_mention: GroupId | None = "S0SALES"
    urgent_channel: ChannelId | None = "C0URGENT"
    escalation_channel: ChannelId | None = "C0ESCALATION"
    routes: list[Route] = Field(default_factory=list)
    deciders: Deciders = Field(default_factory=lambda: Deciders(groups=["S0SALES"]))
    #: may use every command, the admin-only ``forget`` too
    admins: list[UserId] = Field(default_factory=list)
    sla: Sla = Field(default_factory=Sla)

    def route_for(self, lead: RoutedLead) -> SlackRoute:
        """The first matching route's channel and mention, else the default ones.

        Without a group to mention, and with deciders given only as users (as on
        Slack's free plan), the card pings those users instead.
        """
        channel, mention, name = self.sales_channel, self.sales_mention, None
        for route in self.routes:
            if route.matches(lead):
                channel, mention, name = route.channel, route.mention, route.name
                break
        people = self.deciders.users if mention is None and not self.deciders.groups else []
        return SlackRoute(channel=channel, mention=mention, people=list(people), name=name)
