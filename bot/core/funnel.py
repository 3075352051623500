"""The numbers of a period, computed from plain rows: one definition for stats and digests.

Counts are of what *happened* in the window (leads first seen, moves made),
so a week's numbers add up from its days. Conversions compare each step with
the decisions taken at it, which stays between 0 and 100 % even for a short
window:

* lead → MQL: MQLs ÷ new leads;
* MQL → SQL: accepted ÷ (accepted + rejected), rejected being recycled or
  disqualified by a person or rule while an MQL;
* SQL → won: won ÷ (won + lost).

Value per lead is the revenue won in the window divided by the leads that
arrived in it, per source or campaign: the figure marketers compare sources
by. Revenue is kept per currency (``Money``) and never added across
currencies: there is no exchange rate to do it with. A decision breaches the
SLA when the MQL waited longer than the reminder time of the ``slack.sla``
section (the hot time for hot leads).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from bot.core.reps import RepNumbers
from storage.enums import Stage
from storage.rows import MoveCount, NewLeads, Queue

_REJECTED = {Stage.RECYCLED.value, Stage.DISQUALIFIED.value}
NO_NAME = "(none)"


class SlaPolicy(Protocol):
    def reminder_after(self, hot: bool) -> int:
        """Minutes an MQL may wait for a decision."""
        ...


#: amounts by ISO currency code ("" for deals reported without one)
Money = dict[str, float]


def add_money(total: Money, currency: str | None, amount: float) -> None:
    if amount:
        key = currency or ""
        total[key] = total.get(key, 0.0) + amount


@dataclass
class Breakdown:
    """One source's (or campaign's) share of the funnel."""

    name: str
    leads: int = 0
    mqls: int = 0
    sqls: int = 0
    won: int = 0
    revenue: Money = field(default_factory=dict)

    @property
    def value_per_lead(self) -> Money | None:
        if not self.leads:
            return None
        return {currency: amount / self.leads for currency, amount in self.revenue.items()}


@dataclass
class Funnel:
    start: datetime
    end: datetime
    leads: int = 0
    mqls: int = 0
    accepted: int = 0
    rejected: int = 0
    won: int = 0
    lost: int = 0
    revenue: Money = field(default_factory=dict)
    won_from_marketing: int = 0
    pending: int = 0
    pending_over_sla: int = 0
    decisions_over_sla: int = 0
    median_decision: timedelta | None = None
    rejection_reasons: list[tuple[str, int]] = field(default_factory=list)
    sources: list[Breakdown] = field(default_factory=list)
    campaigns: list[Breakdown] = field(default_factory=list)
    #: median time leads spent in each stage they left during the window
    stage_times: dict[str, timedelta] = field(default_factory=dict)
    #: what became of the leads offered to each rep (``bot.core.reps``), most offers first
    reps: list[RepNumbers] = field(default_factory=list)

    @property
    def mql_rate(self) -> float | None:
        return ratio(self.mqls, self.leads)

    @property
    def sql_rate(self) -> float | None:
        return ratio(self.accepted, self.accepted + self.rejected)

    @property
    def win_rate(self) -> float | None:
        return ratio(self.won, self.won + self.lost)

    @property
    def marketing_share(self) -> float | None:
        """Share of the customers won that began as marketing leads."""
        return ratio(self.won_from_marketing, self.won)

    @property
    def sla_breaches(self) -> int:
        return self.decisions_over_sla + self.pending_over_sla


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def build_funnel(
    start: datetime,
    end: datetime,
    *,
    moves: Iterable[MoveCount],
    stays: Mapping[str, float],
    new_leads: Iterable[NewLeads],
    queue: Queue,
) -> Funnel:
    """Aggregate the rows ``storage.reporting`` read for ``[start, end)``."""
    funnel = Funnel(
        start,
        end,
        pending=queue.pending,
        pending_over_sla=queue.over_sla,
        stage_times={
            stage.value: timedelta(seconds=stays[stage.value])
            for stage in Stage
            if stage.value in stays
        },
    )
    funnel.median_decision = funnel.stage_times.get(Stage.MQL.value)
    sources: dict[str, Breakdown] = {}
    campaigns: dict[str, Breakdown] = {}
    for row in new_leads:
        funnel.leads += row.count
        for table, name in ((sources, row.source), (campaigns, row.campaign)):
            _entry(table, name).leads += row.count
    reasons: Counter[str] = Counter()
    for move in moves:
        entries = (_entry(sources, move.source), _entry(campaigns, move.campaign))
        if move.to_stage == Stage.MQL.value:
            funnel.mqls += move.count
            for entry in entries:
                entry.mqls += move.count
        funnel.decisions_over_sla += move.late
        if move.from_stage == Stage.MQL.value and move.to_stage == Stage.SQL.value:
            funnel.accepted += move.count
            for entry in entries:
                entry.sqls += move.count
        elif move.from_stage == Stage.MQL.value and move.to_stage in _REJECTED:
            funnel.rejected += move.count
            reasons[move.reason or "no reason given"] += move.count
        elif move.to_stage == Stage.WON.value:
            funnel.won += move.count
            add_money(funnel.revenue, move.currency, move.revenue)
            funnel.won_from_marketing += move.from_marketing
            for entry in entries:
                entry.won += move.count
                add_money(entry.revenue, move.currency, move.revenue)
        elif move.to_stage == Stage.LOST.value:
            funnel.lost += move.count
    funnel.rejection_reasons = reasons.most_common()
    funnel.sources = _ranked(sources)
    funnel.campaigns = _ranked(campaigns)
    return funnel


def _entry(table: dict[str, Breakdown], name: str | None) -> Breakdown:
    key = name or NO_NAME
    if key not in table:
        table[key] = Breakdown(key)
    return table[key]


def _ranked(table: dict[str, Breakdown]) -> list[Breakdown]:
    return sorted(table.values(), key=lambda b: (-b.leads, -b.won, b.name))
