"""Candidate against current: bootstrap intervals, precision at volume, what-if, and the verdict."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.config.rules import parse_config
from bot.history.compare import (
    MIN_OUTCOMES,
    AtVolume,
    Interval,
    at_volume,
    compare_rules,
    roc_auc_intervals,
    verdict,
    weekly_mqls,
)
from bot.history.evaluate import Scored, roc_auc
from bot.history.records import LabelledRecord, LeadRecord

NOW = datetime(2026, 3, 1, tzinfo=UTC)
PLAN_RULES = """\
scoring:
  threshold: {mql: 10}
  fit:
    - {label: Enterprise, field: attributes.plan, equals: enterprise, points: 20}
    - {label: Team, field: attributes.plan, equals: team, points: 10}
"""
FLAT_RULES = """\
scoring:
  threshold: {mql: 10}
  fit:
    - {label: Any plan, field: attributes.plan, present: true, points: 10}
"""


def scored(rank: int, label: bool, *, flagged: bool = False) -> Scored:
    return Scored(label=label, total=rank, disqualified=False, flagged=flagged)


def test_the_intervals_surround_the_exact_roc_auc() -> None:
    rng = random.Random(1)
    labels = [rng.random() < 0.3 for _ in range(400)]
    good = [label + rng.gauss(0, 0.8) for label in labels]
    weak = [label + rng.gauss(0, 3) for label in labels]
    first, second, gain = roc_auc_intervals(labels, good, weak, resamples=400)
    assert first.estimate == pytest.approx(roc_auc(labels, good))
    assert second.estimate == pytest.approx(roc_auc(labels, weak))
    assert first.low < first.estimate < first.high
    assert gain.estimate == pytest.approx(first.estimate - second.estimate)
    assert gain.low > 0, "a clearly better ranking is better beyond noise"


def test_ties_count_half_and_identical_rankings_gain_nothing() -> None:
    labels = [True, False, True, False]
    scores = [1.0, 1.0, 3.0, 0.0]  # the first pair is tied: 3.5 wins of 4 pairs
    first, second, gain = roc_auc_intervals(labels, scores, scores, resamples=50)
    assert first.estimate == pytest.approx(0.875) == second.estimate
    assert (gain.estimate, gain.low, gain.high) == (0.0, 0.0, 0.0)


def test_precision_at_volume_shares_a_tie_at_the_cut() -> None:
    leads = [
        scored(50, True),
        scored(40, False),
        scored(30, True),  # 30 is tied three ways at the cut
        scored(30, False),
        scored(30, False),
        scored(10, True),
    ]
    # the first 3: 50 and 40, then one of the three tied at 30, of which one in three converted
    found = at_volume(leads, 3)
    assert found.precision == pytest.approx((1 + 1 / 3) / 3)
    assert found.recall == pytest.approx((1 + 1 / 3) / 3)
    assert at_volume(leads, 2) == AtVolume(2, 0.5, 1 / 3)
    assert at_volume(leads, 0) == AtVolume(0, None, None)


def record(plan: str, *, days_ago: float, label: bool = False) -> LabelledRecord:
    return LabelledRecord(
        f"{plan}{days_ago}@example.com",
        {"attributes": {"plan": plan}},
        [],
        at=NOW - timedelta(days=days_ago),
        label=label,
    )


def test_weekly_mqls_count_the_leads_of_the_window() -> None:
    rules = parse_config(PLAN_RULES).scoring
    leads: list[LeadRecord] = [
        record("enterprise", days_ago=1),
        record("team", days_ago=20),
        record("free", days_ago=3),
        record("enterprise", days_ago=45),  # before the window
        LeadRecord("undated@example.com", {"attributes": {"plan": "team"}}, []),
    ]
    # two MQLs in 30 days: 2 / (30 / 7) a week
    assert weekly_mqls(leads, rules, NOW) == pytest.approx(2 * 7 / 30)


def test_verdict_rules() -> None:
    beyond = Interval(0.05, 0.02, 0.08)
    same = AtVolume(100, 0.4, 0.5)
    better, reasons = verdict(100, 300, beyond, same, same)
    assert better and "beyond noise" in reasons[0]
    better, reasons = verdict(MIN_OUTCOMES - 1, 300, beyond, same, same)
    assert not better and "too few held-out outcomes" in reasons[0]
    better, reasons = verdict(100, 300, Interval(0.02, -0.01, 0.05), same, same)
    assert not better and "within noise" in reasons[0]
    better, reasons = verdict(100, 300, Interval(0.005, 0.001, 0.009), same, same)
    assert not better and "below 0.010" in reasons[0]
    better, reasons = verdict(100, 300, beyond, AtVolume(100, 0.35, 0.45), same)
    assert not better and "would fall from 40.0% to 35.0%" in reasons[1]
    assert verdict(100, 300, beyond, AtVolume(0, None, None), AtVolume(0, None, None))[0]


def test_compare_finds_the_better_rules_on_held_out_leads() -> None:
    rng = random.Random(2)
    held = []
    for i in range(600):
        plan = rng.choice(["enterprise", "team", "free"])
        rate = {"enterprise": 0.6, "team": 0.3, "free": 0.05}[plan]
        held.append(record(plan, days_ago=i / 20, label=rng.random() < rate))
    better = parse_config(PLAN_RULES)
    flat = parse_config(FLAT_RULES)
    comparison = compare_rules(held, held, better, flat, NOW, resamples=300)
    assert comparison.better, comparison.reasons
    assert comparison.candidate_auc.estimate > comparison.current_auc.estimate
    # the flat rules flag every lead: at that volume both rule sets flag everything
    assert comparison.current_at_volume.flagged == 600
    assert comparison.candidate_weekly_mqls < comparison.current_weekly_mqls
    backwards = compare_rules(held, held, flat, better, NOW, resamples=300)
    assert not backwards.better
