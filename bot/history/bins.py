"""The bins a calibrated scorecard weighs, each already a rules-file condition.

Every usable profile field or attribute is cut into bins that partition its
values (every lead falls in exactly one): frequent text values, "other" and
"missing"; yes and no; quantile bands of numbers with a band of its own for
zero. Because a bin *is* a condition, the model is trained on exactly what
the rules file will test in production.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

from bot.config.rules import PROFILE_FIELDS, FitRule
from bot.core.conditions import field_getter, is_missing, predicate
from bot.history.progress import Progress, silent
from bot.history.records import LabelledRecord

#: fields that identify a person rather than describe them; only their presence is scored
IDENTITY_FIELDS = frozenset({"email", "first_name", "last_name", "phone", "website", "company"})
#: quantile bands of the positive values of a number (zero has a band of its own);
#: fine enough to follow a curve, and the regularisation keeps neighbours close
NUMERIC_BANDS = 10
#: values a field's bin is remembered by; anything else (a list, a dict) by its identity
_HASHABLE = (str, int, float, type(None))


@dataclass(frozen=True)
class Bin:
    """One bin of one field, as the rule condition that selects it."""

    field: str
    label: str
    condition: dict[str, Any]

    def test(self) -> dict[str, Any]:
        """The condition as a rules-file mapping (an item of ``all:``)."""
        return {"field": self.field, **self.condition}

    def rule(self, points: int) -> FitRule:
        return FitRule.model_validate({"label": self.label, **self.test(), "points": points})


def combined_rule(bins: Sequence[Bin], points: int) -> FitRule:
    """A fit rule scoring the leads that fall in all ``bins`` (fields of an interaction)."""
    label = " and ".join(b.label for b in bins)
    return FitRule.model_validate(
        {"label": label, "all": [b.test() for b in bins], "points": points}
    )


def name_of(field: str) -> str:
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
            bins.append(Bin(field, f"{name_of(field)} missing", {"present": False}))
        if len(bins) > 1:
            features.append(bins)
    return features


def bin_codes(
    records: Sequence[LabelledRecord], features: Sequence[list[Bin]], progress: Progress = silent
) -> np.ndarray:
    """Per lead and field, the column of the one bin it falls in (bins numbered across fields).

    The engine's own predicates decide, so training sees exactly what the rules
    file will test; leads share few values per field, so each distinct value
    is tested once.
    """
    codes = np.empty((len(records), len(features)), dtype=np.int32)
    start = 0
    for j, feature in enumerate(features):
        progress("binning", j, len(features))
        get = field_getter(feature[0].field)
        tests = [predicate(b.rule(0)) for b in feature]
        seen: dict[tuple[type, Any], int] = {}
        for i, record in enumerate(records):
            value = get(record.profile)
            # typed, because True == 1 == 1.0 as dict keys, and a bin may tell them apart
            key = (type(value), value if isinstance(value, _HASHABLE) else id(value))
            if key not in seen:
                seen[key] = start + next(k for k, test in enumerate(tests) if test(value))
            codes[i, j] = seen[key]
        start += len(feature)
    progress("binning", len(features), len(features))
    return codes


def _bins(field: str, given: list[Any], min_count: int) -> list[Bin]:
    if not given:
        return []
    name = name_of(field)
    if all(isinstance(v, bool) for v in given):
        return [
            Bin(field, f"{name}: {'yes' if v else 'no'}", {"equals": v})
            for v in (True, False)
            if v in given
        ]
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in given):
        return _bands(field, sorted(given), min_count)
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


def _bands(field: str, values: list[float], min_count: int) -> list[Bin]:
    """Quantile bands of the positive values, a zero band, none thinner than ``min_count``."""
    positive = [v for v in values if v > 0]
    edges: list[float] = []
    if positive and values[0] <= 0:
        edges.append(positive[0])
    source = positive or values
    bands = max(1, min(NUMERIC_BANDS, len(source) // max(min_count, 1)))
    for k in range(1, bands):
        edge = _nice(source[len(source) * k // bands])
        if edge > (edges[-1] if edges else source[0]):
            edges.append(edge)
    bounds = [None, *edges, None]
    zero_band = bool(edges) and values[0] <= 0 < edges[0]
    return [
        _band(field, low, high, zero=zero_band and low is None) for low, high in pairwise(bounds)
    ]


def _band(field: str, low: float | None, high: float | None, *, zero: bool = False) -> Bin:
    name = name_of(field)
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


def merge_rules(feature: list[Bin], points: list[int]) -> list[FitRule]:
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
    return Bin(a.field, f"{name_of(a.field)}: {', '.join(map(str, values))}", {"in": values})
