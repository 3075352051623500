"""From points to probabilities: fitting the mapping, and measuring how well it is calibrated.

A lead's points rank it; the mapping says what share of leads with those
points reached the outcome, so a card can say "≈ 38 % of leads like this were
accepted". Points are scaled log-odds by construction (``pdo`` points double
the odds), so the mapping is a logistic curve in the total — Platt scaling:
two numbers, an intercept and a slope per point, fitted by maximum likelihood.

It is fitted on *out-of-fold* totals: each training lead is scored by the
cross-validation model that did not learn from it. Totals of the leads a
model learnt from are optimistic (they separate the outcomes better than
new leads will), and a curve fitted on them would be overconfident. Isotonic
regression, in-sample and out-of-fold, was measured against this and lost
on the Brier score everywhere; docs/calibration.md has the figures.

Quality is measured on leads the mapping never saw:

* the **Brier score**, the mean of (probability − outcome)²; lower is better,
  and always guessing the base rate p scores p·(1 − p);
* the **expected calibration error** (ECE) with 10 equal-width bins of the
  predicted probability: per bin, the gap between the mean prediction and the
  observed rate, weighted by the bin's share of the leads.
"""

from __future__ import annotations

from collections.abc import Sequence

#: equal-width bins of the expected calibration error
ECE_BINS = 10


def brier_score(probabilities: Sequence[float], labels: Sequence[bool]) -> float:
    """Mean squared gap between each probability and its 0/1 outcome."""
    if not labels:
        return float("nan")
    pairs = zip(probabilities, labels, strict=True)
    return sum((p - y) ** 2 for p, y in pairs) / len(labels)


def expected_calibration_error(
    probabilities: Sequence[float], labels: Sequence[bool], bins: int = ECE_BINS
) -> float:
    """Σ over equal-width bins of (share of leads) × |mean prediction − observed rate|."""
    if not labels:
        return float("nan")
    predicted, observed = [0.0] * bins, [0] * bins
    for p, y in zip(probabilities, labels, strict=True):
        k = min(int(p * bins), bins - 1)
        predicted[k] += p
        observed[k] += y
    return sum(abs(predicted[k] - observed[k]) for k in range(bins)) / len(labels)


def fit_logistic(totals: Sequence[float], labels: Sequence[bool]) -> tuple[float, float]:
    """(intercept, slope) of the maximum-likelihood logistic curve of the outcome in the total."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    points = np.asarray(totals, dtype=float)
    centre, spread = float(points.mean()), float(points.std()) or 1.0
    model = LogisticRegression(C=np.inf, max_iter=1000)  # no penalty: two numbers, many leads
    model.fit(((points - centre) / spread).reshape(-1, 1), np.asarray(labels))
    slope = float(model.coef_[0, 0]) / spread
    return float(model.intercept_[0]) - slope * centre, slope
