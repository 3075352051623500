"""Calibrated points against gradient boosting on generated histories of several shapes.

For each shape, a history is generated (``bot.history.synthetic``), parsed as
``leadbot evaluate`` parses a CSV, and split by the documented random rule
(30 % held out). ``calibrate`` learns on the other 70 %; scikit-learn's
``HistGradientBoostingClassifier`` (defaults, categorical columns declared as
such) learns on the same leads. Printed per shape: the held-out ROC AUC of
each and their ratio, the seconds each took — gradient boosting is the
baseline measured in the same run, so the ratios compare across machines —
and the held-out ECE and Brier score of the shipped probability curve
(logistic, fitted out of fold) next to isotonic regression and in-sample
fits of both. The X Education file joins when ``/work/shared`` (or
``LEADBOT_X_EDUCATION``) has it. Last, about 30,000 leads with an outcome are
calibrated without a hold-out, against boosting fitted on the same leads.

Targets: points within 0.01 ROC AUC of gradient boosting on every shape;
30,000 leads calibrated in well under 45 s (39–55 s before calibration worked
on bin codes, on two shared cores).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot.config.rules import load_config
from bot.history.calibrate import Calibration, calibrate
from bot.history.evaluate import score_records
from bot.history.mapping import load_mapping
from bot.history.probability import brier_score, expected_calibration_error, fit_logistic
from bot.history.records import LabelledRecord, records_from_csv
from bot.history.split import split_holdout
from bot.history.synthetic import generate_history
from tests.support.boosting import boosting_auc

NOW = datetime(2026, 1, 1, tzinfo=UTC)
END = date(2025, 12, 31)
HOLDOUT = 0.3
#: (name, shape, rows, base rate)
CASES = (
    ("crm, 4,000 rows, 20 %", "crm", 4_000, 0.2),
    ("crm, 20,000 rows, 10 %", "crm", 20_000, 0.1),
    ("numeric, 20,000 rows, 10 %", "numeric", 20_000, 0.1),
    ("categorical, 20,000 rows, 10 %", "categorical", 20_000, 0.1),
)
#: rows whose leads with an outcome (the recent ones are still open) number about 30,000
TIMING_ROWS = 31_200
X_EDUCATION = Path(os.environ.get("LEADBOT_X_EDUCATION", "/work/shared/data/x-education/leads.csv"))
X_MAPPING = Path(__file__).parents[2] / "bot/history/examples/x-education-mapping.yaml"


@dataclass(frozen=True)
class Mapping:
    """ECE and Brier score on the held-out leads of one way to map points to probabilities."""

    name: str
    ece: float
    brier: float


@dataclass(frozen=True)
class Row:
    name: str
    leads: int
    points_auc: float
    boosting_auc: float
    brier: float
    ece: float
    calibrate_seconds: float
    boosting_seconds: float
    mappings: list[Mapping]


def measure(name: str, records: list[LabelledRecord]) -> Row:
    train, held = split_holdout(records, HOLDOUT)
    started = time.perf_counter()
    result = calibrate(records, load_config(None), NOW, holdout=HOLDOUT)
    seconds = time.perf_counter() - started
    assert result.holdout is not None and result.holdout.brier is not None
    assert result.holdout.ece is not None
    auc, boosting_seconds = boosting_auc(train, held)
    return Row(
        name,
        len(records),
        result.holdout.roc_auc,
        auc,
        result.holdout.brier,
        result.holdout.ece,
        seconds,
        boosting_seconds,
        _mappings(result),
    )


def _mappings(result: Calibration) -> list[Mapping]:
    """The shipped curve (logistic, out of fold) against isotonic and in-sample fits.

    Leads a disqualify rule matches get the section's rate in every variant.
    """
    from sklearn.isotonic import IsotonicRegression

    config = result.config
    assert config.probability is not None
    train = score_records(result.training_leads, config.scoring, NOW)
    held = score_records(result.held_leads, config.scoring, NOW)
    labels = [s.label for s in held]
    kept = [i for i, s in enumerate(train) if not s.disqualified]
    y = [train[i].label for i in kept]
    fits: list[tuple[str, Callable[[float], float]]] = [
        ("logistic, out of fold (shipped)", config.probability.at)
    ]
    for sample, totals in (
        ("out of fold", [result.out_of_fold[i] for i in kept]),
        ("in sample", [float(train[i].total) for i in kept]),
    ):
        if sample == "in sample":
            intercept, slope = fit_logistic(totals, y)
            curve = config.probability.model_copy(update={"intercept": intercept, "slope": slope})
            fits.append((f"logistic, {sample}", curve.at))
        isotonic = IsotonicRegression(out_of_bounds="clip").fit(totals, y)
        fits.append((f"isotonic, {sample}", partial(_predict, isotonic)))
    mappings = []
    for name, at in fits:
        predicted = [
            config.probability.at(s.total, disqualified=True) if s.disqualified else at(s.total)
            for s in held
        ]
        mappings.append(
            Mapping(
                name,
                expected_calibration_error(predicted, labels),
                brier_score(predicted, labels),
            )
        )
    return mappings


def _predict(model: Any, total: float) -> float:
    return float(model.predict([total])[0])


def generated(shape: str, rows: int, base_rate: float, folder: Path) -> list[LabelledRecord]:
    history = generate_history(rows, shape=shape, base_rate=base_rate, seed=1, end=END)
    csv_path, mapping_path = folder / f"{shape}-{rows}.csv", folder / f"{shape}-{rows}.yaml"
    history.write(csv_path, mapping_path)
    return records_from_csv(csv_path, load_mapping(mapping_path), NOW)[0]


def timing(records: list[LabelledRecord]) -> None:
    """Calibrating every lead (no hold-out), against boosting fitted on the same leads."""
    started = time.perf_counter()
    calibrate(records, load_config(None), NOW)
    seconds = time.perf_counter() - started
    _, boosting_seconds = boosting_auc(records, records[:1])
    print(
        f"calibration: {len(records):,} leads calibrated in {seconds:.1f} s, boosting fitted in "
        f"{boosting_seconds:.1f} s ({seconds / boosting_seconds:.1f}×; target well under 45 s)"
    )


def main() -> int:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name, shape, count, base_rate in CASES:
            rows.append(measure(name, generated(shape, count, base_rate, Path(folder))))
            print(_line(rows[-1]), flush=True)
        timing(generated("crm", TIMING_ROWS, 0.1, Path(folder)))
    if X_EDUCATION.is_file():
        records = records_from_csv(X_EDUCATION, load_mapping(X_MAPPING), NOW)[0]
        rows.append(measure("X Education, 6,465 rows, 38 %", records))
        print(_line(rows[-1]), flush=True)
    worst = min(r.points_auc - r.boosting_auc for r in rows)
    print(f"calibration: worst points − boosting ROC AUC {worst:+.4f} (target ≥ −0.01)")
    return 0 if worst >= -0.01 else 1


def _line(row: Row) -> str:
    mappings = "; ".join(f"{m.name} {m.ece:.4f} / {m.brier:.4f}" for m in row.mappings)
    return (
        f"calibration {row.name}: ROC AUC points {row.points_auc:.4f}, boosting "
        f"{row.boosting_auc:.4f} ({row.points_auc / row.boosting_auc:.3f}×); "
        f"Brier {row.brier:.4f}, ECE {row.ece:.4f}; "
        f"{row.calibrate_seconds:.1f} s to calibrate, boosting {row.boosting_seconds:.1f} s "
        f"({row.calibrate_seconds / row.boosting_seconds:.1f}×)\n"
        f"  probability mappings, held-out ECE / Brier: {mappings}"
    )


if __name__ == "__main__":
    sys.exit(main())
