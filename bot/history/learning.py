"""Learn candidate rules from recent outcomes and judge them against the current ones.

One call for whatever decides whether to propose new rules (a scheduled job,
a command run on demand): it touches no Slack and no terminal, and reports
through ``progress`` only.

The outcomes are split in time: the most recent ``holdout`` share is held out
and the candidate learns from the older leads only, so it is judged on leads
that arrived after everything it learnt from, as deployed rules are. The
candidate and the current rules are then compared on the held-out leads
(``bot.history.compare``), including the MQLs per week each would give the
leads of the last 30 days.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from bot.config.rules import LeadbotConfig
from bot.history.calibrate import Calibration, calibrate
from bot.history.compare import MIN_GAIN, RESAMPLES, Comparison, compare_rules
from bot.history.progress import Progress, silent
from bot.history.records import LabelledRecord, LeadRecord
from bot.history.stored import recent_leads, stored_outcomes

#: the share of outcomes, most recent first, the candidate is judged on
HOLDOUT = 0.25


@dataclass(frozen=True)
class Proposal:
    """A candidate learnt from the older outcomes, and how it compares on the recent ones."""

    #: ``candidate.text`` is the rules file that would be activated; its figures are its own
    candidate: Calibration
    comparison: Comparison

    @property
    def better(self) -> bool:
        return self.comparison.better


def propose(
    outcomes: Sequence[LabelledRecord],
    recent: Sequence[LeadRecord],
    current: LeadbotConfig,
    now: datetime,
    *,
    outcome: str,
    holdout: float = HOLDOUT,
    target_recall: float | None = 0.8,
    capacity: int | None = None,
    pdo: float = 20,
    min_gain: float = MIN_GAIN,
    resamples: int = RESAMPLES,
    progress: Progress = silent,
) -> Proposal:
    """Calibrate on all but the most recent ``holdout`` of ``outcomes``; compare on the rest.

    ``recent`` are the leads first seen in the last 30 days, outcome known or
    not (the what-if). Raises ``CalibrationError`` when the older outcomes
    cannot be learnt from, and ``SplitError`` when they carry no times.
    """
    candidate = calibrate(
        outcomes,
        current,
        now,
        outcome=outcome,
        target_recall=target_recall,
        capacity=capacity,
        holdout=holdout,
        split="time",
        pdo=pdo,
        progress=progress,
    )
    comparison = compare_rules(
        candidate.held_leads,
        recent,
        candidate.config,
        current,
        now,
        min_gain=min_gain,
        resamples=resamples,
        progress=progress,
    )
    return Proposal(candidate, comparison)


def propose_from_database(
    engine: Engine,
    current: LeadbotConfig,
    now: datetime,
    *,
    outcome: str,
    window: timedelta | None = None,
    holdout: float = HOLDOUT,
    progress: Progress = silent,
) -> Proposal:
    """``propose`` on the stored outcomes of leads first seen in the ``window`` before ``now``."""
    outcomes = stored_outcomes(engine, outcome, since=None if window is None else now - window)
    return propose(
        outcomes,
        recent_leads(engine, now),
        current,
        now,
        outcome=outcome,
        holdout=holdout,
        progress=progress,
    )
