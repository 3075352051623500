"""The scorecard's statistics: regularised logistic regression with chosen interactions.

The model weighs one-hot bins (main effects) plus a few *interaction cells* —
leads in bin a of one field and bin b of another — for the field pairs whose
combination says more than the two fields apart. Every choice is made by
5-fold cross-validated ROC AUC on the training leads only: first the L2
strength, then how many field pairs to add. Candidate pairs are ranked by the
score test of the main-effects model (how much each pair's cells would
improve the likelihood, less their number), which needs no refit per pair.

The leads arrive as a :class:`Design`: for each lead and field, the column of
the one bin it falls in. Every matrix, count and score test is an array
operation on those codes, so the cost grows with leads × fields, not with
leads × bins.

scikit-learn is an optional extra (``leadbot[calibrate]``), imported only here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

INSTALL_HINT = "calibration needs scikit-learn: pip install 'leadbot[calibrate]'"
REGULARISATION_GRID = (0.03, 0.1, 0.3, 1.0)
#: how many field pairs may contribute interaction cells; cross-validation picks one
PAIR_COUNTS = (0, 2, 4, 8)
FOLDS = 5
#: model fits one calibration makes: the L2 grid and the pair counts (beyond none) per
#: fold, then the main effects and the final model on all leads
FITS = FOLDS * (len(REGULARISATION_GRID) + len(PAIR_COUNTS) - 1) + 2

#: an interaction cell: the columns of its two bins (of two different fields)
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
    intercept: float
    #: each lead's log-odds from the fold model that did not train on it (chosen settings)
    out_of_fold: np.ndarray


@dataclass(frozen=True)
class Design:
    """``codes[i, f]``: the column of lead i's bin of field f; ``field_of`` maps columns back."""

    codes: np.ndarray
    field_of: np.ndarray

    @property
    def columns(self) -> int:
        return len(self.field_of)

    def rows(self, index: np.ndarray) -> Design:
        return Design(self.codes[index], self.field_of)

    def matrix(self, cells: Sequence[Cell] = ()) -> Any:
        """The sparse one-hot matrix of the bins, then one column per cell."""
        from scipy.sparse import csr_matrix

        n, fields = self.codes.shape
        rows = [np.repeat(np.arange(n), fields)]
        columns = [self.codes.ravel()]
        for k, (a, b) in enumerate(cells):
            inside = np.flatnonzero(self.cell_mask(a, b))
            rows.append(inside)
            columns.append(np.full(len(inside), self.columns + k))
        row, column = np.concatenate(rows), np.concatenate(columns)
        shape = (n, self.columns + len(cells))
        return csr_matrix((np.ones(len(row)), (row, column)), shape=shape)

    def cell_mask(self, a: int, b: int) -> np.ndarray:
        mask: np.ndarray = (self.codes[:, self.field_of[a]] == a) & (
            self.codes[:, self.field_of[b]] == b
        )
        return mask

    def joint(self, first: int, second: int, weights: np.ndarray | None = None) -> np.ndarray:
        """Per (bin of ``first``, bin of ``second``): the number of leads, or their weight."""
        a_columns = np.flatnonzero(self.field_of == first)
        b_columns = np.flatnonzero(self.field_of == second)
        local = (self.codes[:, first] - a_columns[0]) * len(b_columns) + (
            self.codes[:, second] - b_columns[0]
        )
        counts = np.bincount(local, weights=weights, minlength=len(a_columns) * len(b_columns))
        return counts.reshape(len(a_columns), len(b_columns))


def _sklearn() -> Any:
    try:
        import sklearn.linear_model as linear_model
        import sklearn.metrics as metrics
        import sklearn.model_selection as model_selection
    except ImportError:
        raise CalibrationError(INSTALL_HINT) from None
    return linear_model, metrics, model_selection


def candidate_cells(design: Design, min_count: int) -> list[list[Cell]]:
    """Per field pair, its cells with at least ``min_count`` leads that differ from both bins.

    A cell as large as one of its bins says nothing that bin does not, and a
    near-universal cell is a constant.
    """
    n, fields = design.codes.shape
    counts = np.bincount(design.codes.ravel(), minlength=design.columns)
    pairs = []
    for first, second in combinations(range(fields), 2):
        a_columns = np.flatnonzero(design.field_of == first)
        b_columns = np.flatnonzero(design.field_of == second)
        joint = design.joint(first, second)
        cap = np.minimum.outer(counts[a_columns], counts[b_columns])
        keep = (joint >= min_count) & (joint < np.minimum(cap, n - min_count))
        cells = [(int(a_columns[i]), int(b_columns[j])) for i, j in np.argwhere(keep)]
        if cells:
            pairs.append(cells)
    return pairs


def rank_pairs(
    design: Design, labels: np.ndarray, fitted: np.ndarray, pairs: list[list[Cell]]
) -> list[list[Cell]]:
    """Pairs by the score-test gain of adding their cells to the fitted main-effects model."""
    residual, variance = labels - fitted, fitted * (1 - fitted)

    def gain(cells: list[Cell]) -> float:
        first, second = (int(design.field_of[c]) for c in cells[0])
        a0 = int(np.flatnonzero(design.field_of == first)[0])
        b0 = int(np.flatnonzero(design.field_of == second)[0])
        score = design.joint(first, second, residual)
        information = design.joint(first, second, variance)
        at = tuple(np.array([(a - a0, b - b0) for a, b in cells]).T)
        return float(np.sum(score[at] ** 2 / np.maximum(information[at], 1e-9))) - len(cells)

    return sorted(pairs, key=gain, reverse=True)


def _model(strength: float) -> Any:
    linear_model, _, _ = _sklearn()
    return linear_model.LogisticRegression(
        C=strength, solver="newton-cg", max_iter=1000, warm_start=True
    )


def _best(ranked: list[list[Cell]], pairs: int) -> list[Cell]:
    return [cell for cells in ranked[:pairs] for cell in cells]


def fit_scorecard(
    design: Design,
    labels: np.ndarray,
    min_count: int,
    on_fit: Callable[[], None] | None = None,
) -> Scorecard:
    """Weights whose L2 strength and number of interaction pairs are chosen by CV AUC.

    ``on_fit`` is called after each of the ``FITS`` model fits (progress).
    """
    _, metrics, model_selection = _sklearn()
    splitter = model_selection.StratifiedKFold(FOLDS, shuffle=True, random_state=0)
    folds = list(splitter.split(design.codes, labels))
    done = on_fit or (lambda: None)

    def fitted(model: Any, matrix: Any, y: np.ndarray) -> Any:
        model.fit(matrix, y)
        done()
        return model

    # the L2 path per fold, weakest first, each fit starting from the previous one
    main_models: dict[tuple[int, float], Any] = {}
    main_auc: dict[float, list[float]] = {c: [] for c in REGULARISATION_GRID}
    #: out-of-fold log-odds per (strength, pairs)
    held: dict[tuple[float, int], np.ndarray] = {}

    def keep(strength: float, pairs: int, valid: np.ndarray, predicted: np.ndarray) -> None:
        held.setdefault((strength, pairs), np.zeros(len(labels)))[valid] = predicted

    for k, (train, valid) in enumerate(folds):
        matrix, model = design.rows(train).matrix(), _model(REGULARISATION_GRID[0])
        for strength in REGULARISATION_GRID:
            model.set_params(C=strength)
            fitted(model, matrix, labels[train])
            main_models[k, strength] = _snapshot(model)
            predicted = model.decision_function(design.rows(valid).matrix())
            main_auc[strength].append(metrics.roc_auc_score(labels[valid], predicted))
            keep(strength, 0, valid, predicted)
    strength = max(REGULARISATION_GRID, key=lambda c: float(np.mean(main_auc[c])))

    # pairs are ranked within each training fold, never on the leads that judge them
    rankings = []
    for k, (train, _) in enumerate(folds):
        part = design.rows(train)
        probabilities = main_models[k, strength].predict_proba(part.matrix())[:, 1]
        fold_count = round(min_count * len(train) / len(labels))
        rankings.append(
            rank_pairs(part, labels[train], probabilities, candidate_cells(part, fold_count))
        )

    def cv_auc(pairs: int) -> float:
        if pairs == 0:
            return float(np.mean(main_auc[strength]))
        scores = []
        for (train, valid), ranked in zip(folds, rankings, strict=True):
            cells = _best(ranked, pairs)
            model = fitted(_model(strength), design.rows(train).matrix(cells), labels[train])
            predicted = model.decision_function(design.rows(valid).matrix(cells))
            scores.append(metrics.roc_auc_score(labels[valid], predicted))
            keep(strength, pairs, valid, predicted)
        return float(np.mean(scores))

    pairs = max(PAIR_COUNTS, key=cv_auc)
    main = fitted(_model(strength), design.matrix(), labels)
    probabilities = main.predict_proba(design.matrix())[:, 1]
    ranked = rank_pairs(design, labels, probabilities, candidate_cells(design, min_count))
    cells = _best(ranked, pairs)
    model = fitted(_model(strength), design.matrix(cells), labels)
    weights = model.coef_[0]
    return Scorecard(
        main=[float(w) for w in weights[: design.columns]],
        cells=cells,
        interactions=[float(w) for w in weights[design.columns :]],
        regularisation=strength,
        pairs=pairs,
        intercept=float(model.intercept_[0]),
        out_of_fold=held[strength, pairs],
    )


def _snapshot(model: Any) -> Any:
    """A copy of a fitted model, so a warm-started refit does not change it."""
    from sklearn.base import clone

    copy = clone(model)
    copy.coef_, copy.intercept_, copy.classes_ = (
        model.coef_.copy(),
        model.intercept_.copy(),
        model.classes_,
    )
    return copy
