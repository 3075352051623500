"""Learn fit points and the MQL threshold from leads whose outcome is known.

The model is a scorecard: every profile field or attribute is cut into bins
(its frequent values, "other" and "missing" for text; quantile bands with a
separate zero band for numbers), a regularised logistic regression weighs the
bins, and the weights become integer points with scorecard scaling — ``pdo``
points double the odds of the outcome. Each field's least promising bin
scores 0, so every rule in the file is a gain and the threshold is positive.

Bins are expressed as rules-file conditions from the start and the design
matrix is built by the engine's own condition matcher, so the model is
trained on exactly what the rules file will test in production. The
threshold is then picked from the engine's scores of the training leads.

scikit-learn is an optional extra (``leadbot[calibrate]``), imported only here.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any

import yaml

from bot.conditions import field_getter, is_missing, predicate
from bot.evaluate import (
    LabelledRecord,
    Metrics,
    choose_threshold,
    evaluate_rules,
    score_records,
    split_holdout,
)
from bot.rules import (
    PROFILE_FIELDS,
    FieldCondition,
    FitRule,
    LeadbotConfig,
    parse_config,
)

INSTALL_HINT = "calibration needs scikit-learn: pip install 'leadbot[calibrate]'"
#: fields that identify a person rather than describe them; only their presence is scored
IDENTITY_FIELDS = frozenset({"email", "first_name", "last_name", "phone", "website", "company"})
NUMERIC_BANDS = 5
#: a text value needs this many leads (or this share of them) for a bin of its own
MIN_BIN_LEADS = 20
MIN_BIN_SHARE = 0.005
REGULARISATION_GRID = (0.01, 0.03, 0.1, 0.3, 1.0)


class CalibrationError(Exception):
    """Calibration cannot run (missing extra, too few outcomes…)."""


@dataclass(frozen=True)
class Bin:
    """One bin of one field, as the rule condition that selects it."""

    field: str
    label: str
    condition: dict[str, Any]

    def rule(self, points: int) -> FitRule:
        return FitRule.model_validate(
            {"label": self.label, "field": self.field, **self.condition, "points": points}
        )


@dataclass(frozen=True)
class Calibration:
    config: LeadbotConfig
    text: str
    regularisation: float
    train: Metrics
    holdout: Metrics | None
    #: the current rules measured on the same leads as ``holdout`` (or training)
    current: Metrics
    dropped: list[str]


def matcher(condition: FieldCondition) -> Callable[[Mapping[str, Any]], bool]:
    """The engine's own test of ``condition`` on a profile."""
    get, test = field_getter(condition.field), predicate(condition)
    return lambda profile: test(get(profile))


def _name(field: str) -> str:
    return field.removeprefix("attributes.").replace("_", " ")


def _nice(value: float) -> float:
    """Round a band edge to two significant digits so it reads well in the rules."""
    if value <= 0:
        return value
    digits = 1 - math.floor(math.log10(value))
    return round(value, digits) if digits > 0 else float(round(value, digits))


def design_bins(records: Sequence[LabelledRecord], min_count: int) -> list[list[Bin]]:
    """For each usable field, the bins that partition its values (every lead in exactly one)."""
    attribute_names = sorted({key for r in records for key in r.profile.get("attributes", {})})
    fields = sorted(PROFILE_FIELDS - {"email"}) + [f"attributes.{n}" for n in attribute_names]
    features = []
    for field in fields:
        get = field_getter(field)
        values = [get(r.profile) for r in records]
        given = [v for v in values if not is_missing(v)]
        bins = _bins(field, given, min_count)
        if len(given) < len(values):
            bins.append(Bin(field, f"{_name(field)} missing", {"present": False}))
        if len(bins) > 1:
            features.append(bins)
    return features


def _bins(field: str, given: list[Any], min_count: int) -> list[Bin]:
    if not given:
        return []
    name = _name(field)
    if all(isinstance(v, bool) for v in given):
        return [
            Bin(field, f"{name}: {'yes' if v else 'no'}", {"equals": v})
            for v in (True, False)
            if v in given
        ]
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in given):
        return _bands(field, sorted(given))
    if not all(isinstance(v, str) for v in given) or field in IDENTITY_FIELDS:
        return [Bin(field, f"{name} given", {"present": True})]
    counts = Counter(v.casefold() for v in given)
    spelling = {v.casefold(): v for v, _ in Counter(given).most_common()[::-1]}
    frequent = sorted(k for k, n in counts.items() if n >= min_count)
    bins = [Bin(field, f"{name}: {spelling[k]}", {"equals": spelling[k]}) for k in frequent]
    if len(frequent) < len(counts):
        others = [spelling[k] for k in frequent]
        condition = {"not_in": others} if others else {"present": True}
        bins.append(Bin(field, f"{name}: other", condition))
    return bins


def _bands(field: str, values: list[float]) -> list[Bin]:
    positive = [v for v in values if v > 0]
    edges: list[float] = []
    if positive and values[0] <= 0:
        edges.append(positive[0])
    source = positive or values
    for k in range(1, NUMERIC_BANDS):
        edge = _nice(source[len(source) * k // NUMERIC_BANDS])
        if edge > (edges[-1] if edges else source[0]):
            edges.append(edge)
    bounds = [None, *edges, None]
    zero_band = bool(edges) and values[0] <= 0 < edges[0]
    return [
        _band(field, low, high, zero=zero_band and low is None) for low, high in pairwise(bounds)
    ]


def _band(field: str, low: float | None, high: float | None, *, zero: bool = False) -> Bin:
    name = _name(field)
    if zero:
        label = f"{name}: none"
    elif low is None:
        label = f"{name} under {high:g}"
    elif high is None:
        label = f"{name} {low:g} or more"
    else:
        label = f"{name} {low:g} to under {high:g}"
    condition = {k: v for k, v in (("min", low), ("max", high)) if v is not None}
    return Bin(field, label, condition or {"present": True})


def _fit(rows: list[list[float]], labels: list[bool]) -> tuple[list[float], float]:
    """Weights of an L2 logistic regression whose strength is chosen by 5-fold ROC AUC."""
    try:
        from scipy.sparse import csr_matrix
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold, cross_val_score
    except ImportError:
        raise CalibrationError(INSTALL_HINT) from None
    matrix = csr_matrix(rows)  # one-hot rows are mostly zeros: sparse fits several times faster
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    strength = max(
        REGULARISATION_GRID,
        key=lambda c: cross_val_score(
            LogisticRegression(C=c, max_iter=5000), matrix, labels, cv=folds, scoring="roc_auc"
        ).mean(),
    )
    model = LogisticRegression(C=strength, max_iter=5000).fit(matrix, labels)
    return [float(w) for w in model.coef_[0]], strength


def learn_fit_rules(
    records: Sequence[LabelledRecord], *, pdo: float, min_count: int
) -> tuple[list[FitRule], float]:
    """Integer-point fit rules from the records' outcomes, and the regularisation chosen."""
    features = design_bins(records, min_count)
    bins = [b for feature in features for b in feature]
    tests = [matcher(b.rule(0)) for b in bins]
    matrix = [[1.0 if test(r.profile) else 0.0 for test in tests] for r in records]
    weights, strength = _fit(matrix, [r.label for r in records])
    factor = pdo / math.log(2)
    rules: list[FitRule] = []
    start = 0
    for feature in features:
        part = weights[start : start + len(feature)]
        points = [round(factor * (w - min(part))) for w in part]
        rules.extend(_merge(feature, points))
        start += len(feature)
    return rules, strength


def _merge(feature: list[Bin], points: list[int]) -> list[FitRule]:
    """Rules for the bins that earn points; equal neighbours merge to keep the file short."""
    merged: list[tuple[Bin, int]] = []
    for b, p in zip(feature, points, strict=True):
        last = merged[-1] if merged else None
        if last and last[1] == p and _mergeable(last[0], b):
            merged[-1] = (_union(last[0], b), p)
        else:
            merged.append((b, p))
    return [b.rule(p) for b, p in merged if p != 0]


def _mergeable(a: Bin, b: Bin) -> bool:
    ranges = {"min", "max"}
    if a.condition.keys() <= ranges and b.condition.keys() <= ranges:
        return "max" in a.condition and a.condition["max"] == b.condition.get("min")
    return {*a.condition, *b.condition} <= {"equals", "in"}


def _union(a: Bin, b: Bin) -> Bin:
    if "max" in a.condition:
        return _band(a.field, a.condition.get("min"), b.condition.get("max"))
    values = [
        *a.condition.get("in", [a.condition.get("equals")]),
        *b.condition.get("in", [b.condition.get("equals")]),
    ]
    return Bin(a.field, f"{_name(a.field)}: {', '.join(map(str, values))}", {"in": values})


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
        test = matcher(rule)
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
) -> Calibration:
    """Fit points on the training part of ``records`` and measure them on the held-out part."""
    train, held = split_holdout(records, holdout)
    if len({r.label for r in train}) < 2:
        raise CalibrationError("calibration needs leads of both outcomes to learn from")
    min_count = max(MIN_BIN_LEADS, round(MIN_BIN_SHARE * len(train)))
    fit, strength = learn_fit_rules(train, pdo=pdo, min_count=min_count)
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
        regularisation=strength,
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
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def _rule_dict(rule: Any) -> dict[str, Any]:
    raw = rule.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=True)
    first = {k: raw.pop(k) for k in ("label", "field") if k in raw}
    last = {k: raw.pop(k) for k in ("points", "reason") if k in raw}
    return {**first, **raw, **last}
