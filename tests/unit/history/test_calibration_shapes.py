"""Calibration on histories of other shapes ranks leads as well as gradient boosting does.

The shapes: a rare outcome (10 %), mostly numeric columns, categorical columns
with a dozen levels of very different frequency. Both models learn from the
same 70 % and are judged on the same held-out 30 % (the documented random
split); the benchmark (tests/perf/bench_calibration.py) runs larger ones.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.config.rules import load_config
from bot.history.calibrate import calibrate
from bot.history.mapping import load_mapping
from bot.history.records import records_from_csv
from bot.history.split import split_holdout
from bot.history.synthetic import generate_history
from tests.support.boosting import boosting_auc

NOW = datetime(2026, 7, 1, tzinfo=UTC)


@pytest.mark.parametrize("shape", ["crm", "numeric", "categorical"])
def test_points_rank_within_a_hundredth_of_gradient_boosting(shape: str, tmp_path: Path) -> None:
    history = generate_history(8000, shape=shape, base_rate=0.1, seed=21, end=date(2026, 6, 30))
    history.write(tmp_path / "h.csv", tmp_path / "m.yaml")
    records = records_from_csv(tmp_path / "h.csv", load_mapping(tmp_path / "m.yaml"), NOW)[0]
    result = calibrate(records, load_config(None), NOW, holdout=0.3)
    boosting, _ = boosting_auc(*split_holdout(records, 0.3))
    assert result.holdout is not None
    assert result.holdout.roc_auc >= boosting - 0.01, (result.holdout.roc_auc, boosting)
    assert result.holdout.ece is not None and result.holdout.ece < 0.03
