"""Lift, Wilson intervals and flags, on hand-made decided leads with known answers."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.insights import Verdict, analyse, wilson
from storage.rows import DecidedLead


def reason(label: str, points: int, kind: str = "fit") -> dict:
    return {"kind": kind, "label": label, "points": points}


def leads(count: int, reasons: list[dict], *, accepted: int, won: int = 0, open_: int = 0):
    """``count`` leads matching ``reasons``: the first ``accepted`` were accepted, of which
    ``won`` won and ``open_`` are still open; the other accepted ones were lost."""
    out = []
    for n in range(count):
        if n < won:
            stage = "won"
        elif n < won + open_:
            stage = "sql"
        elif n < accepted:
            stage = "lost"
        else:
            stage = "recycled"
        out.append(DecidedLead(reasons=reasons, accepted=n < accepted, stage=stage))
    return out


def test_wilson_matches_published_values() -> None:
    assert wilson(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson(81, 263) == pytest.approx((0.2553, 0.3662), abs=1e-4)
    assert wilson(0, 0) == (0.0, 1.0)


@given(st.integers(0, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_interval_holds_the_observed_rate(pair: tuple[int, int]) -> None:
    successes, trials = pair
    low, high = wilson(successes, trials)
    assert 0 <= low <= high <= 1
    if trials:
        assert low - 1e-12 <= successes / trials <= high + 1e-12


def test_lift_counts_and_flags() -> None:
    director, vp, student = reason("Director", 15), reason("VP", 20), reason("Student", -15)
    data = (
        leads(20, [director], accepted=4)  # 20 % vs 50 %: points, yet below the base
        + leads(20, [vp], accepted=16)  # 80 %: points, and above the base
        + leads(20, [student], accepted=16)  # negative points, yet above the base
        + leads(20, [], accepted=4)
        + leads(5, [reason("Webinar", 10, "engagement")], accepted=0)  # too few to judge
        + leads(5, [reason("Hot", 0, "hot")], accepted=5)
    )
    report = analyse(data, "accepted")
    assert (report.base.successes, report.base.trials) == (45, 90)
    found = {c.label: c for c in report.criteria}
    d = found["Director"]
    assert (d.rate.successes, d.rate.trials, d.points) == (4, 20, 15)
    assert d.lift == pytest.approx(0.4)
    low, high = wilson(4, 20)
    assert d.lift_interval == pytest.approx((low / 0.5, high / 0.5))
    assert d.verdict is Verdict.OVER
    assert found["VP"].verdict is Verdict.CONFIRMED
    assert found["Student"].verdict is Verdict.UNDER
    assert found["Webinar"].verdict is Verdict.THIN
    assert found["Hot"].verdict is Verdict.UNSCORED
    assert [c.label for c in report.top(3)] == ["Director", "Student", "VP"]
    assert report.top(3)[0].summary("accepted", report.base) == (
        "Director (+15 points) over-predicts: 4 of 20 matching leads accepted (20%) vs 50% "
        f"of all; lift 0.40 (95 % CI {low / 0.5:.2f}–{high / 0.5:.2f})"
    )


def test_min_leads_keeps_thin_evidence_from_being_flagged() -> None:
    data = leads(20, [reason("Director", 15)], accepted=4) + leads(20, [], accepted=16)
    assert analyse(data, min_leads=21).criteria[0].verdict is Verdict.THIN
    assert analyse(data, min_leads=20).criteria[0].verdict is Verdict.OVER


def test_won_leaves_out_open_deals_and_rules_sharing_a_label_count_once() -> None:
    pricing = [reason("Pricing", 10, "engagement"), reason("Pricing", 6, "engagement")]
    data = leads(10, pricing, accepted=6, won=3, open_=2) + leads(10, [], accepted=2, won=1)
    report = analyse(data, "won")
    assert (report.base.successes, report.base.trials) == (4, 18)
    [criterion] = report.criteria
    assert (criterion.rate.successes, criterion.rate.trials, criterion.points) == (3, 8, 16)
    assert criterion.lift == pytest.approx((3 / 8) / (4 / 18))


def test_no_outcome_yet_means_no_lift() -> None:
    report = analyse(leads(30, [reason("VP", 20)], accepted=10, open_=10), "won")
    assert report.base.trials == 20 and report.base.successes == 0
    [criterion] = report.criteria
    assert criterion.lift is None and criterion.verdict is Verdict.UNCLEAR
    assert report.top() == []
    assert math.isclose(criterion.strength, 0.0)
