"""The scorecard's statistics: regularised logistic regression with chosen interactions.

The model weighs one-hot bins (main effects) plus a few *interaction cells* —
leads in bin a of one field and bin b of another — for the field pairs whose
combination says more than the two fields apart. Every choice is made by
5-fold cross-validated ROC AUC on the training leads only: first the L2
strength, then how many field pairs to add. Candidate pairs are ranked by the
score test of the main-effects model (how much each pair's cells would
improve the likelihood, less their number), which needs no refit per pair.

scikit-learn is an optional extra (``leadbot[calibrate]``), imported only here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

INSTALL_HINT = "calibration needs scikit-learn: pip install 'leadbot[calibrate]'"
REGULARISATION_GRID = (0.03, 0.1, 0.3, 1.0)
#: how many field pairs may contribute interaction cells; cross-validation picks one
PAIR_COUNTS = (0, 2, 4, 8)
FOLDS = 5

#: an interaction cell: the column indexes of its two bins in the main design matrix
Cell = tuple[int, int]


class CalibrationError(Exception):
    """Calibration cannot run (missing extra, too few outcomes…)."""


@dataclass(frozen=True)
class Scorecard:
    """Log-odds weights of the main bins and of the chosen interaction cells."""

    main: list[float]
    cells: list[Cell]
    interactions: list[float]
    regularisation: float
    pairs: int


def _sklearn() -> Any:
    try:
        import sklearn.linear_model as linear_model
        import sklearn.metrics as metrics
        import sklearn.model_selection as model_selection
    except ImportError:
        raise CalibrationError(INSTALL_HINT) from None
    return linear_model, metrics, model_selection


def candidate_cells(matrix: np.ndarray, spans: Sequence[range], min_count: int) -> list[list[Cell]]:
    """Per field pair, its cells with at least ``min_count`` leads that differ from both bins.

    ``spans`` gives each field's columns. A cell as large as one of its bins
    says nothing that bin does not, and a near-universal cell is a constant.
    """
    counts = matrix.sum(axis=0)
    pairs = []
    for first, second in combinations(spans, 2):
        joint = matrix[:, first].T @ matrix[:, second]
        cells = [
            (a, b)
            for i, a in enumerate(first)
            for j, b in enumerate(second)
            if min_count <= joint[i, j] < min(counts[a], counts[b], len(matrix) - min_count)
        ]
        if cells:
            pairs.append(cells)
    return pairs


def rank_pairs(
    matrix: np.ndarray, labels: np.ndarray, fitted: np.ndarray, pairs: list[list[Cell]]
) -> list[list[Cell]]:
    """Pairs by the score-test gain of adding their cells to the fitted main-effects model."""
    residual, variance = labels - fitted, fitted * (1 - fitted)

    def gain(cells: list[Cell]) -> float:
        columns = _cell_columns(matrix, cells)
        score, information = columns.T @ residual, columns.T @ variance
        return float(np.sum(score**2 / np.maximum(information, 1e-9))) - len(cells)

    return sorted(pairs, key=gain, reverse=True)


def _cell_columns(matrix: np.ndarray, cells: Sequence[Cell]) -> np.ndarray:
    if not cells:
        return np.zeros((len(matrix), 0))
    first, second = zip(*cells, strict=True)
    product: np.ndarray = matrix[:, list(first)] * matrix[:, list(second)]
    return product


def _model(strength: float) -> Any:
    linear_model, _, _ = _sklearn()
    return linear_model.LogisticRegression(C=strength, max_iter=5000)


def _design(matrix: np.ndarray, cells: Sequence[Cell]) -> Any:
    from scipy.sparse import csr_matrix  # one-hot rows are mostly zeros: fits run faster

    return csr_matrix(np.hstack([matrix, _cell_columns(matrix, cells)]))


def _ranked_pairs(
    matrix: np.ndarray, labels: np.ndarray, spans: Sequence[range], min_count: int, strength: float
) -> list[list[Cell]]:
    """These leads' candidate pairs, best first, scored against their main-effects model."""
    design = _design(matrix, [])
    fitted = _model(strength).fit(design, labels).predict_proba(design)[:, 1]
    return rank_pairs(matrix, labels, fitted, candidate_cells(matrix, spans, min_count))


def _best(ranked: list[list[Cell]], pairs: int) -> list[Cell]:
    return [cell for cells in ranked[:pairs] for cell in cells]


def fit_scorecard(
    matrix: np.ndarray, labels: np.ndarray, spans: Sequence[range], min_count: int
) -> Scorecard:
    """Weights whose L2 strength and number of interaction pairs are chosen by CV AUC."""
    _, metrics, model_selection = _sklearn()
    splitter = model_selection.StratifiedKFold(FOLDS, shuffle=True, random_state=0)
    folds = list(splitter.split(matrix, labels))

    def cv_auc(strength: float, cells_by_fold: Sequence[list[Cell]]) -> float:
        scores = []
        for (train, valid), cells in zip(folds, cells_by_fold, strict=True):
            model = _model(strength).fit(_design(matrix[train], cells), labels[train])
            predicted = model.decision_function(_design(matrix[valid], cells))
            scores.append(metrics.roc_auc_score(labels[valid], predicted))
        return float(np.mean(scores))

    strength = max(REGULARISATION_GRID, key=lambda c: cv_auc(c, [[]] * FOLDS))
    # pairs are ranked within each training fold, never on the leads that judge them
    rankings = [
        _ranked_pairs(
            matrix[train],
            labels[train],
            spans,
            round(min_count * len(train) / len(matrix)),
            strength,
        )
        for train, _ in folds
    ]
    pairs = max(PAIR_COUNTS, key=lambda k: cv_auc(strength, [_best(r, k) for r in rankings]))
    cells = _best(_ranked_pairs(matrix, labels, spans, min_count, strength), pairs)
    weights = _model(strength).fit(_design(matrix, cells), labels).coef_[0]
    main = matrix.shape[1]
    return Scorecard(
        main=[float(w) for w in weights[:main]],
        cells=cells,
        interactions=[float(w) for w in weights[main:]],
        regularisation=strength,
        pairs=pairs,
    )
