"""Learn fit points, the MQL threshold and the probability of the outcome from known outcomes.

The model is a scorecard: every profile field or attribute is cut into bins
(``bot.history.bins``), a regularised logistic regression weighs the bins
and a few combinations of two fields' bins (``bot.history.fit``), and the
weights become integer points with scorecard scaling — ``pdo`` points double
the odds of the outcome. Each field's least promising bin scores 0; a
combination becomes an ``all:`` fit rule over the original fields whose
points, up or down, correct what its two fields earn apart. So a calibrated
file scores a lead arriving by webhook exactly as one imported from a CSV.

The threshold is picked from the engine's scores of the training leads, and
the ``probability:`` section is a logistic curve in the total fitted on
out-of-fold totals (``bot.history.probability``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from bot.config.probability import ProbabilityConfig
from bot.config.rules import FitRule, LeadbotConfig, parse_config
from bot.core.conditions import profile_test
from bot.history.bins import bin_codes, combined_rule, design_bins, merge_rules
from bot.history.evaluate import (
    Metrics,
    Points,
    Scored,
    choose_threshold,
    engine_scores,
    evaluate_rules,
    judge,
    measure,
)
from bot.history.fit import FITS, CalibrationError, Design, Scorecard, fit_scorecard
from bot.history.probability import fit_logistic
from bot.history.progress import Progress, silent
from bot.history.records import LabelledRecord
from bot.history.render import render
from bot.history.split import Split, split_holdout

#: a text value needs this many leads (or this share of them) for a bin of its own
MIN_BIN_LEADS = 20
MIN_BIN_SHARE = 0.005


@dataclass(frozen=True)
class Calibration:
    config: LeadbotConfig
    text: str
    scorecard: Scorecard
    train: Metrics
    holdout: Metrics | None
    #: the current rules measured on the same leads as ``holdout`` (or training)
    current: Metrics
    dropped: list[str]
    #: the leads learnt from and the leads held out (by the split rule asked for)
    training_leads: list[LabelledRecord]
    held_leads: list[LabelledRecord]
    #: each training lead's total from the fold model that did not learn from it (the
    #: probability curve is fitted on these)
    out_of_fold: list[float]


@dataclass(frozen=True)
class LearntFit:
    rules: list[FitRule]
    scorecard: Scorecard
    #: each lead's fit points under ``rules`` (what the engine gives it)
    points: np.ndarray
    #: each lead's fit points as the cross-validation model that did not learn from it gives
    out_of_fold: np.ndarray


def learn_fit_rules(
    records: Sequence[LabelledRecord], *, pdo: float, min_count: int, progress: Progress = silent
) -> LearntFit:
    """Integer-point fit rules from the records' outcomes, and the fitted scorecard."""
    features = design_bins(records, min_count)
    sizes = [len(feature) for feature in features]
    codes = bin_codes(records, features, progress)
    design = Design(codes, np.repeat(np.arange(len(features)), sizes))
    labels = np.array([r.label for r in records])
    fits = iter(range(1, FITS + 1))
    progress("fitting", 0, FITS)
    card = fit_scorecard(design, labels, min_count, lambda: progress("fitting", next(fits), FITS))
    factor = pdo / math.log(2)
    rules: list[FitRule] = []
    bin_points: list[int] = []
    start, floor = 0, 0.0
    for feature in features:
        part = card.main[start : start + len(feature)]
        points = [round(factor * (w - min(part))) for w in part]
        rules.extend(merge_rules(feature, points))
        bin_points.extend(points)
        floor += min(part)
        start += len(feature)
    bins = [b for feature in features for b in feature]
    cell_points = [round(factor * weight) for weight in card.interactions]
    rules.extend(
        combined_rule([bins[first], bins[second]], points)
        for (first, second), points in zip(card.cells, cell_points, strict=True)
        if points
    )
    # every bin and cell is a rule's condition, so the rules' points add up from the design
    totals = np.asarray(bin_points)[design.codes].sum(axis=1)
    for (first, second), cell in zip(card.cells, cell_points, strict=True):
        totals += cell * design.cell_mask(first, second)
    # on the file's scale: its points are the log-odds less the intercept and every floor
    out_of_fold = factor * (card.out_of_fold - card.intercept - floor)
    return LearntFit(rules, card, totals, out_of_fold)


def review_disqualify(
    config: LeadbotConfig, records: Sequence[LabelledRecord], min_count: int
) -> tuple[list[Any], list[str]]:
    """Keep the disqualify rules history supports; drop those whose leads convert as well as any.

    A rule is policy, so it stays unless the outcomes contradict it: a rule
    should single out leads that (almost) never get there, so when at least
    ``min_count`` leads match and they reach the outcome at half the overall
    rate or more, the rule would throw good leads away.
    """
    base = sum(r.label for r in records) / max(len(records), 1)
    kept, dropped = [], []
    for rule in config.scoring.disqualify:
        test = profile_test((rule,))
        matched = [r.label for r in records if test(r.profile)]
        rate = sum(matched) / len(matched) if matched else 0.0
        if len(matched) >= min_count and rate >= base / 2:
            dropped.append(
                f"{rule.label}: {len(matched)} leads match, {rate:.0%} of them reached the "
                f"outcome (all leads: {base:.0%})"
            )
        else:
            kept.append(rule)
    return kept, dropped


def fit_probability(
    outcome: str, scored: Sequence[Scored], out_of_fold: Sequence[float]
) -> ProbabilityConfig | None:
    """The curve from total points to the outcome's probability; None if points do not rank.

    It is fitted on out-of-fold totals (fit points from the fold model that
    did not learn from the lead, plus its engagement points) of the leads no
    disqualify rule matches; those get the share of them that got there.
    """
    kept = [i for i, s in enumerate(scored) if not s.disqualified]
    if len({scored[i].label for i in kept}) < 2:
        return None
    intercept, slope = fit_logistic([out_of_fold[i] for i in kept], [scored[i].label for i in kept])
    if slope <= 0:
        return None
    excluded = [s.label for s in scored if s.disqualified]
    return ProbabilityConfig.model_validate(
        {
            "outcome": outcome,
            "leads": len(kept),
            "intercept": round(intercept, 4),
            "slope": round(slope, 6),
            "disqualified": round(sum(excluded) / len(excluded), 4) if excluded else None,
        }
    )


def calibrate(
    records: Sequence[LabelledRecord],
    current: LeadbotConfig,
    now: datetime,
    *,
    outcome: str = "converted",
    target_recall: float | None = 0.8,
    capacity: int | None = None,
    holdout: float = 0.0,
    split: Split = "random",
    pdo: float = 20,
    salt: str = "",
    progress: Progress = silent,
) -> Calibration:
    """Fit points on the training part of ``records`` and measure them on the held-out part.

    ``progress`` hears of each step: binning, fitting (``FITS`` model fits), scoring.
    """
    train, held = split_holdout(records, holdout, by=split, salt=salt)
    if len({r.label for r in train}) < 2:
        raise CalibrationError("calibration needs leads of both outcomes to learn from")
    min_count = max(MIN_BIN_LEADS, round(MIN_BIN_SHARE * len(train)))
    learnt = learn_fit_rules(train, pdo=pdo, min_count=min_count, progress=progress)
    disqualify, dropped = review_disqualify(current, train, min_count)
    # the engine adds engagement and disqualifies; the learnt fit points come from the design
    rest = current.scoring.model_copy(update={"fit": [], "disqualify": disqualify})
    points = [
        Points(int(fit), engagement, disqualified)
        for fit, (_, engagement, disqualified) in zip(
            learnt.points,
            engine_scores(train, rest, now, progress, "scoring the training leads"),
            strict=True,
        )
    ]
    flagged = None if capacity is None else round(capacity * len(train) / len(records))
    mql = choose_threshold(
        [-math.inf if p.disqualified else p.fit + p.engagement for p in points],
        [r.label for r in train],
        recall=None if capacity is not None else target_recall,
        flagged=flagged,
    )
    out_of_fold = [float(f + p.engagement) for f, p in zip(learnt.out_of_fold, points, strict=True)]
    probability = fit_probability(outcome, judge(train, points, rest.threshold), out_of_fold)
    text = render(current, learnt.rules, disqualify, mql, probability)
    config = parse_config(text, source="calibrated rules")
    measured = held or list(train)
    return Calibration(
        config=config,
        text=text,
        scorecard=learnt.scorecard,
        train=measure(judge(train, points, config.scoring.threshold), mql, probability),
        holdout=evaluate_rules(held, config, now, progress, "scoring the held-out leads")
        if held
        else None,
        current=evaluate_rules(measured, current, now, progress, "scoring with the current rules"),
        dropped=dropped,
        training_leads=train,
        held_leads=held,
        out_of_fold=out_of_fold,
    )
