"""The generated history: reproducible, shaped as asked, importable, with a truth to find."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.history.evaluate import roc_auc
from bot.history.mapping import load_mapping
from bot.history.records import records_from_csv
from bot.history.synthetic import SHAPES, generate_history

END = date(2026, 6, 30)
NOW = datetime(2026, 7, 1, tzinfo=UTC)


def test_the_same_arguments_give_the_same_file() -> None:
    first = generate_history(300, seed=4, end=END)
    assert first == generate_history(300, seed=4, end=END)
    assert first.rows != generate_history(300, seed=5, end=END).rows


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_each_shape_imports_cleanly_with_its_mapping(shape: str, tmp_path: Path) -> None:
    history = generate_history(2000, shape=shape, base_rate=0.1, seed=2, end=END)
    assert history.header[-1] == "Status" and set(SHAPES[shape]) <= set(history.header)
    history.write(tmp_path / "h.csv", tmp_path / "m.yaml")
    records, report = records_from_csv(tmp_path / "h.csv", load_mapping(tmp_path / "m.yaml"), NOW)
    assert not report.errors and not report.unknown_columns
    open_leads = sum(row[-1] == "Open" for row in history.rows)
    assert len(records) == 2000 - open_leads
    assert all(r.at is not None and r.at.date() <= END for r in records)


def test_the_base_rate_is_what_was_asked_for() -> None:
    for base_rate in (0.1, 0.38):
        history = generate_history(6000, base_rate=base_rate, seed=3, end=END)
        assert sum(history.truth) / len(history.truth) == pytest.approx(base_rate, abs=0.005)
        decided = [row[-1] for row in history.rows if row[-1] != "Open"]
        assert decided.count("Won") / len(decided) == pytest.approx(base_rate, abs=0.03)


def test_recent_leads_are_often_still_open_and_old_ones_never() -> None:
    history = generate_history(5000, seed=6, end=END, days=365)
    created = history.header.index("Created")
    recent = [r[-1] for r in history.rows if date.fromisoformat(r[created]) > END - timedelta(7)]
    old = [r[-1] for r in history.rows if date.fromisoformat(r[created]) < END - timedelta(200)]
    assert recent.count("Open") / len(recent) > 0.5
    assert "Open" not in old


def test_the_hidden_truth_ranks_the_outcomes() -> None:
    """The generating probability separates won from lost leads: there is something to find."""
    history = generate_history(5000, seed=8, end=END)
    decided = [
        (p, row[-1] == "Won")
        for p, row in zip(history.truth, history.rows, strict=True)
        if row[-1] != "Open"
    ]
    assert roc_auc([won for _, won in decided], [p for p, _ in decided]) > 0.8


def test_an_unknown_shape_or_rate_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown shape"):
        generate_history(10, shape="wide")
    with pytest.raises(ValueError, match="base_rate"):
        generate_history(10, base_rate=1.5)
