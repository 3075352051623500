"""Learn fit points and the MQL threshold from leads whose outcome is known.

The model is a scorecard: every profile field or attribute is cut into bins
(``bot.history.bins``), a regularised logistic regression weighs the bins
and a few combinations of two fields' bins (``bot.history.fit``), and the
weights become integer points with scorecard scaling — ``pdo`` points double
the odds of the outcome. Each field's least promising bin scores 0; a
combination becomes an ``all:`` fit rule over the original fields whose
points, up or down, correct what its two fields earn apart. So a calibrated
file scores a lead arriving by webhook exactly as one imported from a CSV.

The design matrix is built by the engine's own condition matcher, and the
threshold is picked from the engine's scores of the training leads.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import yaml

from bot.config.rules import FitRule, LeadbotConfig, parse_config
from bot.core.conditions import profile_test
from bot.history.bins import Bin, combined_rule, design_bins, merge_rules
from bot.history.evaluate import (
    LabelledRecord,
    Metrics,
    choose_threshold,
    evaluate_rules,
    score_records,
    split_holdout,
)
from bot.history.fit import CalibrationError, Scorecard, fit_scorecard

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


def learn_fit_rules(
    records: Sequence[LabelledRecord], *, pdo: float, min_count: int
) -> tuple[list[FitRule], Scorecard]:
    """Integer-point fit rules from the records' outcomes, and the fitted scorecard."""
    features = design_bins(records, min_count)
    bins = [b for feature in features for b in feature]
    tests = [profile_test(b.rule(0).conditions) for b in bins]
    matrix = np.array([[test(r.profile) for test in tests] for r in records], dtype=float)
    spans, start = [], 0
    for feature in features:
        spans.append(range(start, start + len(feature)))
        start += len(feature)
    card = fit_scorecard(matrix, np.array([r.label for r in records]), spans, min_count)
    factor = pdo / math.log(2)
    rules: list[FitRule] = []
    for feature, span in zip(features, spans, strict=True):
        part = card.main[span.start : span.stop]
        rules.extend(merge_rules(feature, [round(factor * (w - min(part))) for w in part]))
    rules.extend(_interaction_rules(bins, card, factor))
    return rules, card


def _interaction_rules(bins: list[Bin], card: Scorecard, factor: float) -> list[FitRule]:
    """``all:`` rules for the interaction cells whose weight is worth a point."""
    rules = []
    for (first, second), weight in zip(card.cells, card.interactions, strict=True):
        points = round(factor * weight)
        if points:
            rules.append(combined_rule([bins[first], bins[second]], points))
    return rules


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


def calibrate(
    records: Sequence[LabelledRecord],
    current: LeadbotConfig,
    now: datetime,
    *,
    target_recall: float | None = 0.8,
    capacity: int | None = None,
    holdout: float = 0.0,
    pdo: float = 20,
    salt: str = "",
) -> Calibration:
    """Fit points on the training part of ``records`` and measure them on the held-out part."""
    train, held = split_holdout(records, holdout, salt=salt)
    if len({r.label for r in train}) < 2:
        raise CalibrationError("calibration needs leads of both outcomes to learn from")
    min_count = max(MIN_BIN_LEADS, round(MIN_BIN_SHARE * len(train)))
    fit, card = learn_fit_rules(train, pdo=pdo, min_count=min_count)
    disqualify, dropped = review_disqualify(current, train, min_count)
    draft = current.scoring.model_copy(update={"fit": fit, "disqualify": disqualify})
    scored = score_records(train, draft, now)
    flagged = None if capacity is None else round(capacity * len(train) / len(records))
    mql = choose_threshold(
        [s.rank for s in scored],
        [s.label for s in scored],
        recall=None if capacity is not None else target_recall,
        flagged=flagged,
    )
    text = render(current, fit, disqualify, mql)
    config = parse_config(text, source="calibrated rules")
    measured = held or list(train)
    return Calibration(
        config=config,
        text=text,
        scorecard=card,
        train=evaluate_rules(train, config.scoring, now),
        holdout=evaluate_rules(held, config.scoring, now) if held else None,
        current=evaluate_rules(measured, current.scoring, now),
        dropped=dropped,
    )


def render(current: LeadbotConfig, fit: list[FitRule], disqualify: list[Any], mql: int) -> str:
    """The calibrated rules file: learnt fit and threshold, the rest of the current rules."""
    data = current.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=True)
    scoring = data["scoring"]
    scoring["threshold"] = {
        "mql": mql,
        "recycle_cooldown_days": current.scoring.threshold.recycle_cooldown_days,
    }
    scoring["fit"] = [_rule_dict(r) for r in fit]
    scoring["disqualify"] = [_rule_dict(r) for r in disqualify]
    text: str = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    return text


def _rule_dict(rule: Any) -> dict[str, Any]:
    raw = rule.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=True)
    if "all" in raw:
        raw["all"] = [_rule_dict(condition) for condition in rule.conditions]
    first = {k: raw.pop(k) for k in ("label", "field") if k in raw}
    last = {k: raw.pop(k) for k in ("points", "reason") if k in raw}
    return {**first, **raw, **last}
