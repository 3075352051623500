"""Which scoring criteria predict what sales does with a lead: lift, with its uncertainty.

For every criterion label found in decided leads' stored ``score_reasons``,
compare the rate at which leads matching it were accepted (or won) with the
rate of all decided leads (the base rate). ``lift = rate / base rate``.

Uncertainty: the criterion's rate gets a 95 % Wilson score interval, which
behaves well for small counts and rates near 0 or 1 (where the textbook
"p ± 1.96·se" interval leaves [0, 1] or collapses to a point). The lift's
interval is that interval divided by the base rate. The base rate is treated
as known: it is measured on every decided lead, so its own uncertainty is
much smaller than the criterion's — the interval is a slight understatement
when a criterion covers most leads.

A criterion is flagged when the evidence contradicts its points: it
*over-predicts* when it gives points yet its lift interval lies wholly below
1, and *under-predicts* when it gives no or negative points yet its interval
lies wholly above 1. Criteria matched by fewer than ``min_leads`` leads are
never flagged. Only fit and engagement criteria carry points; hot and
disqualify entries are shown but not judged.

Outcomes: ``accepted`` counts every decided lead; ``won`` leaves out accepted
leads whose deal is still open, whose result is not known yet.

Pure: the leads come from ``storage.insight_queries`` (``bot.history.insights`` reads them).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from storage.rows import DecidedLead

Outcome = Literal["accepted", "won"]
#: the normal quantile for a two-sided 95 % interval
Z95 = 1.959963984540054
#: fewer matching leads than this are reported but never flagged
MIN_LEADS = 20
_SCORED_KINDS = frozenset({"fit", "engagement"})


class Verdict(StrEnum):
    OVER = "over-predicts"
    UNDER = "under-predicts"
    CONFIRMED = "confirmed"
    UNCLEAR = "no clear effect"
    THIN = "too few leads"
    UNSCORED = "not scored"


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for ``successes`` out of ``trials``."""
    if trials <= 0:
        return (0.0, 1.0)
    p = successes / trials
    z2 = z * z
    denominator = 1 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class Rate:
    successes: int
    trials: int

    @property
    def value(self) -> float:
        return self.successes / self.trials if self.trials else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        return wilson(self.successes, self.trials)


def lift_of(rate: Rate, base: Rate) -> tuple[float | None, tuple[float, float] | None]:
    """``rate`` over the base rate, and its interval; ``(None, None)`` when the base is 0."""
    if base.value <= 0:
        return None, None
    low, high = rate.interval
    return rate.value / base.value, (low / base.value, high / base.value)


def lift_text(lift: float | None, interval: tuple[float, float] | None) -> str:
    """``; lift 1.60 (95 % CI 1.10–1.90)`` to end a summary, or nothing without a lift."""
    if lift is None or interval is None:
        return ""
    return f"; lift {lift:.2f} (95 % CI {interval[0]:.2f}–{interval[1]:.2f})"


@dataclass(frozen=True)
class CriterionInsight:
    label: str
    kind: str
    #: mean points among matching leads (engagement points fade with age)
    points: float
    rate: Rate
    #: ``None`` when no decided lead had the outcome (there is nothing to compare with)
    lift: float | None
    lift_interval: tuple[float, float] | None
    verdict: Verdict

    @property
    def strength(self) -> float:
        """How far the lift interval lies from 1, on a log scale (0 when it contains 1)."""
        if self.lift_interval is None:
            return 0.0
        low, high = self.lift_interval
        if low > 1:
            return math.log(low)
        # a Wilson upper bound is never 0, so ``high`` is positive
        return -math.log(high) if high < 1 else 0.0

    def summary(self, outcome: Outcome, base: Rate) -> str:
        """One sentence for a digest or a log line."""
        text = (
            f"{self.label} ({self.points:+.0f} points) {self.verdict.value}: "
            f"{self.rate.successes} of {self.rate.trials} matching leads {outcome} "
            f"({self.rate.value:.0%}) vs {base.value:.0%} of all"
        )
        return text + lift_text(self.lift, self.lift_interval)


@dataclass(frozen=True)
class InsightReport:
    outcome: Outcome
    base: Rate
    #: most matching leads first
    criteria: list[CriterionInsight]

    def top(self, n: int = 3) -> list[CriterionInsight]:
        """The strongest findings: mispredicting criteria first, then confirmed ones."""
        ranked = sorted(
            (c for c in self.criteria if c.verdict in _RANK),
            key=lambda c: (_RANK[c.verdict], -c.strength, c.label),
        )
        return ranked[:n]


_RANK = {Verdict.OVER: 0, Verdict.UNDER: 0, Verdict.CONFIRMED: 1}


def analyse(
    leads: Iterable[DecidedLead], outcome: Outcome = "accepted", *, min_leads: int = MIN_LEADS
) -> InsightReport:
    """Lift of every criterion found in ``leads`` for ``outcome`` (see the module docstring)."""
    population = [lead for lead in leads if outcome == "accepted" or not lead.open_deal]
    hits = [lead.accepted if outcome == "accepted" else lead.won for lead in population]
    base = Rate(sum(hits), len(population))
    matched: dict[str, list[tuple[float, bool]]] = {}
    kinds: dict[str, str] = {}
    for lead, hit in zip(population, hits, strict=True):
        for label, (kind, points) in _criteria(lead.reasons).items():
            kinds.setdefault(label, kind)
            matched.setdefault(label, []).append((points, hit))
    criteria = [
        _insight(label, kinds[label], entries, base, min_leads)
        for label, entries in matched.items()
    ]
    criteria.sort(key=lambda c: (-c.rate.trials, c.label))
    return InsightReport(outcome, base, criteria)


def _criteria(reasons: Sequence[Mapping[str, Any]]) -> dict[str, tuple[str, int]]:
    """Label → (kind, points) for one lead; two rules sharing a label count as one criterion."""
    found: dict[str, tuple[str, int]] = {}
    for reason in reasons:
        if not reason.get("label"):
            continue
        label, points = str(reason["label"]), int(reason.get("points") or 0)
        kind, earlier = found.get(label, (str(reason.get("kind", "")), 0))
        found[label] = (kind, earlier + points)
    return found


def _insight(
    label: str, kind: str, entries: list[tuple[float, bool]], base: Rate, min_leads: int
) -> CriterionInsight:
    rate = Rate(sum(hit for _, hit in entries), len(entries))
    points = sum(p for p, _ in entries) / len(entries)
    lift, lift_interval = lift_of(rate, base)
    verdict = _verdict(kind, points, rate, lift_interval, min_leads)
    return CriterionInsight(label, kind, points, rate, lift, lift_interval, verdict)


def _verdict(
    kind: str,
    points: float,
    rate: Rate,
    lift_interval: tuple[float, float] | None,
    min_leads: int,
) -> Verdict:
    if kind not in _SCORED_KINDS:
        return Verdict.UNSCORED
    if rate.trials < min_leads:
        return Verdict.THIN
    if lift_interval is None:
        return Verdict.UNCLEAR
    low, high = lift_interval
    if points > 0:
        if high < 1:
            return Verdict.OVER
        return Verdict.CONFIRMED if low > 1 else Verdict.UNCLEAR
    if low > 1:
        return Verdict.UNDER
    return Verdict.CONFIRMED if high < 1 else Verdict.UNCLEAR
