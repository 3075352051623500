"""From fresh activity to score and stage: what ingest and re-scoring share.

``Qualifier.rescored`` gives a score's lead columns; ``Qualifier.requalify``
applies the stage move the new score implies (MQL, automatic
disqualification) through ``change_stage``, so a lead crossing the threshold
becomes an MQL exactly once even when two instances race: the loser's
optimistic version check fails and it leaves the lead as the winner set it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from bot.config.rules import ScoringRules
from bot.core.lifecycle import plan_after_score
from bot.core.scoring import Score
from bot.leads.stage_change import TransitionEffect, change_stage
from storage.transitions import StaleLead


@dataclass(frozen=True)
class Rescored:
    score: Score
    columns: dict[str, Any]


@dataclass
class Qualifier:
    rules: ScoringRules
    effects: Sequence[TransitionEffect] = ()

    def rescored(self, score: Score, now: datetime) -> Rescored:
        """The lead columns that store ``score``, computed at ``now``."""
        return Rescored(
            score,
            {
                "fit_score": score.fit,
                "engagement_score": score.engagement,
                "score": score.total,
                "hot": score.hot,
                "score_reasons": score.to_reasons(),
                "scored_at": now,
            },
        )

    def requalify(
        self, conn: Connection, lead: Mapping[str, Any], score: Score, now: datetime
    ) -> Mapping[str, Any] | None:
        """Move the lead if its new score says so; the new lead row, or None if no move."""
        plan = plan_after_score(
            lead["stage"],
            score,
            self.rules,
            mql_at=lead["mql_at"],
            stage_changed_at=lead["stage_changed_at"],
            now=now,
        )
        if plan is None:
            return None
        try:
            return change_stage(conn, lead=lead, plan=plan, effects=self.effects)
        except StaleLead:
            return None  # someone moved the lead meanwhile; their decision stands
