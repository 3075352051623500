"""The two documented hold-out rules: random by identity, and the most recent leads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.history.records import LabelledRecord
from bot.history.split import SplitError, split_holdout

START = datetime(2025, 1, 1, tzinfo=UTC)


def lead(name: str, day: int | None, label: bool = False) -> LabelledRecord:
    at = None if day is None else START + timedelta(days=day)
    return LabelledRecord(f"{name}@example.com", {}, [], at=at, label=label)


def test_the_time_split_holds_out_the_most_recent_leads() -> None:
    records = [lead(f"l{i}", day=(i * 7) % 10, label=i % 3 == 0) for i in range(10)]
    train, held = split_holdout(records, 0.3, by="time")
    assert sorted(r.at for r in held if r.at) == [START + timedelta(days=d) for d in (7, 8, 9)]
    assert max(r.at for r in train if r.at) < min(r.at for r in held if r.at)
    assert len(train) + len(held) == 10


def test_ties_in_time_are_broken_by_identity_and_undated_leads_are_trained_on() -> None:
    records = [lead("b", 5), lead("a", 5), lead("c", 5), lead("old", None), lead("z", 1)]
    train, held = split_holdout(records, 0.4, by="time")
    assert [r.email for r in held] == ["b@example.com", "c@example.com"]
    assert "old@example.com" in {r.email for r in train}


def test_leads_without_an_order_in_time_cannot_be_split_by_it() -> None:
    same = [lead(f"s{i}", 3) for i in range(5)]
    with pytest.raises(SplitError, match="created_at"):
        split_holdout(same, 0.2, by="time")
    with pytest.raises(SplitError):
        split_holdout([lead(f"u{i}", None) for i in range(5)], 0.2, by="time")
    assert split_holdout(same, 0.0, by="time") == (same, [])


def test_the_random_split_ignores_time() -> None:
    records = [lead(f"r{i}", day=i, label=i % 2 == 0) for i in range(40)]
    shuffled = list(reversed(records))
    held = {r.email for r in split_holdout(records, 0.25)[1]}
    assert held == {r.email for r in split_holdout(shuffled, 0.25)[1]}
    assert held != {r.email for r in split_holdout(records, 0.25, by="time")[1]}
