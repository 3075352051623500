"""Points → probability: the measures, the fitted curve, and the rules-file section."""

from __future__ import annotations

import math
import random

import pytest

from bot.config.probability import ProbabilityConfig
from bot.config.rules import RulesError, parse_config
from bot.history.probability import brier_score, expected_calibration_error, fit_logistic

RULES = "scoring:\n  threshold: {mql: 50}\n"


def test_brier_score_by_hand() -> None:
    # (0.9 - 1)² + (0.2 - 0)² + (0.6 - 0)² = 0.01 + 0.04 + 0.36
    assert brier_score([0.9, 0.2, 0.6], [True, False, False]) == pytest.approx(0.41 / 3)
    assert brier_score([1.0, 0.0], [True, False]) == 0.0
    assert math.isnan(brier_score([], []))


def test_expected_calibration_error_by_hand() -> None:
    # bin [0, 0.1): 0.05, one outcome → 0.95; bin [0.1, 0.2): 0.15 and 0.15, one outcome →
    # |0.3 - 1| = 0.7; bin [0.8, 0.9): 0.85, one outcome → 0.15; bin [0.9, 1] (closed): 1.0,
    # no outcome → 1
    probabilities = [0.05, 0.15, 0.15, 0.85, 1.0]
    labels = [True, True, False, True, False]
    assert expected_calibration_error(probabilities, labels) == pytest.approx(
        (0.95 + 0.7 + 0.15 + 1) / 5
    )
    # perfectly calibrated bins: a tenth of the leads at 0.1 converted, and so on
    perfect = [0.05] * 20 + [0.55] * 20
    outcomes = [True] + [False] * 19 + [True] * 11 + [False] * 9
    assert expected_calibration_error(perfect, outcomes) == pytest.approx(0.0)


def test_the_fitted_curve_recovers_a_known_one() -> None:
    rng = random.Random(4)
    totals = [rng.uniform(0, 200) for _ in range(20_000)]
    labels = [rng.random() < 1 / (1 + math.exp(-(-4 + 0.035 * t))) for t in totals]
    intercept, slope = fit_logistic(totals, labels)
    assert intercept == pytest.approx(-4, abs=0.15)
    assert slope == pytest.approx(0.035, abs=0.002)


def test_the_section_gives_probabilities_by_total() -> None:
    section = ProbabilityConfig(
        outcome="accepted", leads=100, intercept=-2.0, slope=0.02, disqualified=0.01
    )
    assert section.at(100) == pytest.approx(0.5)
    assert section.at(0) == pytest.approx(1 / (1 + math.e**2))
    assert section.at(100, disqualified=True) == 0.01
    assert section.at(-100_000) == 0.0
    without = section.model_copy(update={"disqualified": None})
    assert without.at(100, disqualified=True) == pytest.approx(0.5)


def test_the_rules_file_reads_the_section() -> None:
    config = parse_config(
        RULES + "probability:\n  outcome: won\n  leads: 812\n  intercept: -4\n  slope: 0.035\n"
    )
    assert config.probability is not None
    assert config.probability.at(0) == pytest.approx(1 / (1 + math.e**4))
    assert parse_config(RULES).probability is None


@pytest.mark.parametrize(
    ("section", "problem"),
    [
        ("{outcome: won, leads: 10, intercept: 0, slope: 0}", "slope"),
        ("{outcome: won, leads: 10, intercept: 0, slope: -0.1}", "slope"),
        ("{outcome: won, leads: 10, intercept: 0, slope: 0.1, disqualified: 2}", "disqualified"),
        ("{outcome: signed, leads: 10, intercept: 0, slope: 0.1}", "outcome"),
        ("{outcome: won, leads: 0, intercept: 0, slope: 0.1}", "leads"),
        ("{outcome: won, leads: 10, intercept: 0, slope: 0.1, steps: []}", "steps"),
        ('{outcome: won, leads: 10, intercept: "-1", slope: 0.1}', "intercept"),
    ],
)
def test_a_wrong_section_is_refused_with_its_place(section: str, problem: str) -> None:
    with pytest.raises(RulesError) as caught:
        parse_config(RULES + f"probability: {section}\n")
    assert any(p.startswith(f"probability.{problem}") for p in caught.value.problems), (
        caught.value.problems
    )
    assert any("(line 3)" in p for p in caught.value.problems)
