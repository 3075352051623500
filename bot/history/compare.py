"""Is a candidate rules file better than the current one beyond noise? Judged on held-out outcomes.

Both rule sets score the same held-out leads (for a proposal, the most recent
part in time; see ``bot.history.split``), and the figures are:

* **ROC AUC** of each, with a 95 % bootstrap interval, and the paired
  difference (candidate − current): every resample draws the leads with
  replacement and scores both rule sets on the same draw, so what the two
  share cancels out of the difference;
* **precision and recall at the current MQL volume**: the current rules flag
  ``k`` of the held-out leads at their threshold; the candidate's ``k``
  highest-ranked leads are compared with them (leads tied at the cut count
  by the share of them that fits under it), so volume never buys precision;
* **MQLs per week** each rule set gives the leads first seen in the last 30
  days (what-if): the change in workload sales would see.

The candidate is **better beyond noise** when the held-out part has at least
``MIN_OUTCOMES`` leads of each outcome, the paired interval of the ROC AUC
gain lies above zero, the gain itself is at least ``min_gain`` (0.01 by
default: smaller gains are not worth a change of rules), and precision at the
current volume is no lower.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from bot.config.rules import LeadbotConfig, ScoringRules
from bot.core.lifecycle import qualifies
from bot.core.scoring import score_lead
from bot.history.evaluate import Metrics, Scored, measure, score_records
from bot.history.progress import Progress, counted, silent
from bot.history.records import LabelledRecord, LeadRecord
from bot.history.stored import RECENT

#: each outcome needs this many held-out leads before a difference can mean anything
MIN_OUTCOMES = 20
MIN_GAIN = 0.01
RESAMPLES = 1000
#: resamples drawn at once (memory: this many × held-out leads numbers)
_BATCH = 50


@dataclass(frozen=True)
class Interval:
    """An estimate and its 95 % bootstrap interval."""

    estimate: float
    low: float
    high: float


@dataclass(frozen=True)
class AtVolume:
    """Precision and recall of the leads a rule set flags first, at a fixed number of leads."""

    flagged: int
    precision: float | None
    recall: float | None


@dataclass(frozen=True)
class Comparison:
    held_out: int
    positives: int
    #: each rule set on the held-out leads at its own threshold (Brier and ECE when it has them)
    candidate: Metrics
    current: Metrics
    candidate_auc: Interval
    current_auc: Interval
    auc_gain: Interval
    candidate_at_volume: AtVolume
    current_at_volume: AtVolume
    candidate_weekly_mqls: float
    current_weekly_mqls: float
    better: bool
    #: why the candidate is, or is not, better beyond noise (one sentence each)
    reasons: list[str]


def roc_auc_intervals(
    labels: Sequence[bool],
    candidate: Sequence[float],
    current: Sequence[float],
    *,
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> tuple[Interval, Interval, Interval]:
    """Bootstrap intervals of each ROC AUC and of their paired difference (candidate − current)."""
    y = np.asarray(labels, dtype=bool)
    first, second = _tie_groups(candidate), _tie_groups(current)
    rng = np.random.default_rng(seed)
    draws: list[np.ndarray] = []
    for start in range(0, resamples, _BATCH):
        count = min(_BATCH, resamples - start)
        weights = rng.multinomial(len(y), np.full(len(y), 1 / len(y)), size=count)
        draws.append(np.stack([_weighted_auc(y, g, weights) for g in (first, second)]))
    samples = np.concatenate(draws, axis=1)
    ones = np.ones((1, len(y)), dtype=np.int64)
    estimates = [float(_weighted_auc(y, g, ones)[0]) for g in (first, second)]
    return (
        _interval(estimates[0], samples[0]),
        _interval(estimates[1], samples[1]),
        _interval(estimates[0] - estimates[1], samples[0] - samples[1]),
    )


def _tie_groups(scores: Sequence[float]) -> np.ndarray:
    """Each score's rank among the distinct scores (ties share one)."""
    return np.unique(np.asarray(scores, dtype=float), return_inverse=True)[1]


def _weighted_auc(y: np.ndarray, group: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """ROC AUC per row of ``weights`` (how often each lead is drawn); ties count half."""
    rows, groups = len(weights), int(group.max()) + 1
    index = (np.arange(rows)[:, None] * groups + group[None, :]).ravel()

    def per_group(mask: np.ndarray) -> np.ndarray:
        drawn = (weights * mask).ravel()
        return np.bincount(index, weights=drawn, minlength=rows * groups).reshape(rows, groups)

    positive, negative = per_group(y), per_group(~y)
    below = np.cumsum(negative, axis=1) - negative
    pairs = positive.sum(axis=1) * negative.sum(axis=1)
    wins = (positive * (below + negative / 2)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(pairs > 0, wins / pairs, np.nan)


def _interval(estimate: float, samples: np.ndarray) -> Interval:
    low, high = np.nanpercentile(samples, [2.5, 97.5])
    return Interval(estimate, float(low), float(high))


def at_volume(scored: Sequence[Scored], flagged: int) -> AtVolume:
    """Precision and recall of the ``flagged`` highest-ranked leads; a tie at the cut is shared."""
    positives = sum(s.label for s in scored)
    if flagged <= 0 or not scored:
        return AtVolume(flagged, None, None)
    ranked = sorted(scored, key=lambda s: -s.rank)
    cut = ranked[min(flagged, len(ranked)) - 1].rank
    above = [s for s in ranked if s.rank > cut]
    tied = [s for s in ranked if s.rank == cut]
    taken = min(flagged, len(ranked)) - len(above)
    hits = sum(s.label for s in above) + taken * sum(s.label for s in tied) / len(tied)
    return AtVolume(flagged, hits / flagged, hits / positives if positives else None)


def weekly_mqls(
    leads: Sequence[LeadRecord],
    rules: ScoringRules,
    now: datetime,
    window: timedelta = RECENT,
    progress: Progress = silent,
) -> float:
    """MQLs per week the rules give the leads first seen in the ``window`` before ``now``."""
    since = now - window
    recent = [lead for lead in leads if lead.at is not None and since <= lead.at <= now]
    mqls = sum(
        qualifies(score_lead(lead.profile, lead.activities, rules, now), rules)
        for lead in counted(recent, "what-if on recent leads", progress)
    )
    return mqls / (window / timedelta(weeks=1))


def compare_rules(
    held: Sequence[LabelledRecord],
    recent: Sequence[LeadRecord],
    candidate: LeadbotConfig,
    current: LeadbotConfig,
    now: datetime,
    *,
    min_gain: float = MIN_GAIN,
    resamples: int = RESAMPLES,
    seed: int = 0,
    progress: Progress = silent,
) -> Comparison:
    """Candidate against current on the ``held`` leads, and the what-if on ``recent`` leads."""
    ours = score_records(held, candidate.scoring, now, progress, "scoring with the candidate")
    theirs = score_records(held, current.scoring, now, progress, "scoring with the current rules")
    labels = [s.label for s in ours]
    progress("bootstrap", 0, 1)
    intervals = roc_auc_intervals(
        labels, _finite(ours), _finite(theirs), resamples=resamples, seed=seed
    )
    progress("bootstrap", 1, 1)
    volume, hits, positives = (
        sum(s.flagged for s in theirs),
        sum(s.flagged and s.label for s in theirs),
        sum(labels),
    )
    current_at = AtVolume(
        volume,
        hits / volume if volume else None,
        hits / positives if volume and positives else None,
    )
    candidate_at = at_volume(ours, volume)
    better, reasons = verdict(
        positives, len(labels) - positives, intervals[2], candidate_at, current_at, min_gain
    )
    return Comparison(
        held_out=len(held),
        positives=positives,
        candidate=measure(ours, candidate.scoring.threshold.mql, candidate.probability),
        current=measure(theirs, current.scoring.threshold.mql, current.probability),
        candidate_auc=intervals[0],
        current_auc=intervals[1],
        auc_gain=intervals[2],
        candidate_at_volume=candidate_at,
        current_at_volume=current_at,
        candidate_weekly_mqls=weekly_mqls(recent, candidate.scoring, now, progress=progress),
        current_weekly_mqls=weekly_mqls(recent, current.scoring, now, progress=progress),
        better=better,
        reasons=reasons,
    )


def _finite(scored: Sequence[Scored]) -> list[float]:
    """Ranks with disqualified leads just below every other (the bootstrap needs numbers)."""
    lowest = min((s.rank for s in scored if not math.isinf(s.rank)), default=0.0)
    return [lowest - 1 if math.isinf(s.rank) else s.rank for s in scored]


def verdict(
    positives: int,
    negatives: int,
    gain: Interval,
    candidate: AtVolume,
    current: AtVolume,
    min_gain: float = MIN_GAIN,
) -> tuple[bool, list[str]]:
    """Whether the candidate is better beyond noise by the documented rule, and why (not)."""
    if min(positives, negatives) < MIN_OUTCOMES:
        return False, [
            f"too few held-out outcomes to judge ({positives} positive, {negatives} negative; "
            f"each needs {MIN_OUTCOMES})"
        ]
    spread = f"95 % interval {gain.low:+.3f} to {gain.high:+.3f}"
    if gain.low <= 0:
        reasons = [f"the ROC AUC gain {gain.estimate:+.3f} is within noise ({spread})"]
    elif gain.estimate < min_gain:
        reasons = [f"the ROC AUC gain {gain.estimate:+.3f} is below {min_gain:.3f} ({spread})"]
    else:
        reasons = [f"the ROC AUC gain {gain.estimate:+.3f} is beyond noise ({spread})"]
    better = gain.low > 0 and gain.estimate >= min_gain
    if candidate.precision is not None and current.precision is not None:
        if candidate.precision < current.precision:
            better = False
            reasons.append(
                f"precision at the current volume ({current.flagged} leads) would fall from "
                f"{current.precision:.1%} to {candidate.precision:.1%}"
            )
        else:
            reasons.append(
                f"precision at the current volume ({current.flagged} leads) would go from "
                f"{current.precision:.1%} to {candidate.precision:.1%}"
            )
    return better, reasons
