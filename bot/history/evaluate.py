"""Measure a rules file against leads whose outcome is known.

Every figure comes from the production scoring engine (``bot.core.scoring``), so
what is measured is exactly what would run: a lead is flagged when it is not
disqualified and its score meets the rules' MQL threshold, and it is ranked by
its total (disqualified leads last) for the ROC AUC.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, NamedTuple

from bot.config.probability import ProbabilityConfig
from bot.config.rules import LeadbotConfig, ScoringRules, Threshold
from bot.core.scoring import score_lead
from bot.history.probability import brier_score, expected_calibration_error
from bot.history.progress import Progress, counted, silent
from bot.history.records import LabelledRecord


@dataclass(frozen=True)
class Scored:
    label: bool
    total: int
    #: a disqualify rule matched: never flagged, ranked last
    disqualified: bool
    flagged: bool

    @property
    def rank(self) -> float:
        return -math.inf if self.disqualified else float(self.total)


@dataclass(frozen=True)
class Metrics:
    leads: int
    positives: int
    roc_auc: float
    threshold: int
    flagged: int
    precision: float
    recall: float
    f1: float
    share_flagged: float
    #: how well the rules' probabilities fit the outcomes; None without a probability section
    brier: float | None = None
    ece: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain values for JSON; an undefined AUC (one outcome only) becomes None."""
        return {k: None if v != v else v for k, v in asdict(self).items()}


def score_records(
    records: Sequence[LabelledRecord],
    rules: ScoringRules,
    now: datetime,
    progress: Progress = silent,
    step: str = "scoring",
) -> list[Scored]:
    return judge(records, engine_scores(records, rules, now, progress, step), rules.threshold)


class Points(NamedTuple):
    """What qualification needs of a score."""

    fit: int
    engagement: int
    disqualified: bool


def engine_scores(
    records: Sequence[LabelledRecord],
    rules: ScoringRules,
    now: datetime,
    progress: Progress = silent,
    step: str = "scoring",
) -> list[Points]:
    """Each record's points from the production engine, reporting progress as ``step``."""
    scores = (
        score_lead(r.profile, r.activities, rules, now) for r in counted(records, step, progress)
    )
    return [Points(s.fit, s.engagement, s.disqualify_reason is not None) for s in scores]


def judge(
    records: Iterable[LabelledRecord], points: Iterable[Points], threshold: Threshold
) -> list[Scored]:
    """The records' points, flagged by ``threshold`` (as the engine's qualification does)."""
    scored = []
    for record, (fit, engagement, disqualified) in zip(records, points, strict=True):
        total = fit + engagement
        flagged = not disqualified and threshold.is_met(fit=fit, engagement=engagement, total=total)
        scored.append(Scored(record.label, total, disqualified, flagged))
    return scored


def roc_auc(labels: Sequence[bool], scores: Sequence[float]) -> float:
    """Probability that a random positive outranks a random negative (ties count half)."""
    order = sorted(range(len(scores)), key=scores.__getitem__)
    rank_sum, positives, i = 0.0, sum(labels), 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        mid_rank = (i + j) / 2 + 1
        rank_sum += mid_rank * sum(1 for k in order[i : j + 1] if labels[k])
        i = j + 1
    negatives = len(labels) - positives
    if not positives or not negatives:
        return math.nan
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def measure(
    scored: Sequence[Scored], threshold: int, probability: ProbabilityConfig | None = None
) -> Metrics:
    positives = sum(s.label for s in scored)
    flagged = sum(s.flagged for s in scored)
    hits = sum(s.flagged and s.label for s in scored)
    precision = hits / flagged if flagged else 0.0
    recall = hits / positives if positives else 0.0
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    labels = [s.label for s in scored]
    brier = ece = None
    if probability is not None and scored:
        predicted = [probability.at(s.total, disqualified=s.disqualified) for s in scored]
        brier = brier_score(predicted, labels)
        ece = expected_calibration_error(predicted, labels)
    return Metrics(
        leads=len(scored),
        positives=positives,
        roc_auc=roc_auc(labels, [s.rank for s in scored]),
        threshold=threshold,
        flagged=flagged,
        precision=precision,
        recall=recall,
        f1=f1,
        share_flagged=flagged / len(scored) if scored else 0.0,
        brier=brier,
        ece=ece,
    )


def evaluate_rules(
    records: Sequence[LabelledRecord],
    config: LeadbotConfig,
    now: datetime,
    progress: Progress = silent,
    step: str = "scoring",
) -> Metrics:
    """The rules file's figures on ``records``; Brier and ECE when it has a probability section."""
    rules = config.scoring
    scored = score_records(records, rules, now, progress, step)
    return measure(scored, rules.threshold.mql, config.probability)


def choose_threshold(
    totals: Sequence[float], labels: Sequence[bool], *, recall: float | None, flagged: int | None
) -> int:
    """The highest integer threshold reaching ``recall``, or flagging at most ``flagged`` leads."""
    positives = sum(labels)
    ranked = sorted(zip(totals, labels, strict=True), key=lambda pair: -pair[0])
    best = math.floor(ranked[0][0]) + 1 if ranked else 0
    hits = count = 0
    for i, (total, label) in enumerate(ranked):
        hits, count = hits + label, count + 1
        if i + 1 < len(ranked) and ranked[i + 1][0] == total:
            continue  # a threshold cannot split tied scores
        if total == -math.inf or (flagged is not None and count > flagged):
            break
        best = math.ceil(total)
        if recall is not None and positives and hits / positives >= recall:
            break
    return best
