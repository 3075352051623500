"""From fresh activity to score to stage: the one way a lead changes stage.

``Qualifier.rescored`` gives the lead columns that store a score; ``requalify`` applies
the stage move the new score implies (MQL, automatic disqualification).
``change_stage`` is how every move is stored — by ingest, Slack buttons,
slash commands and the CLI alike — so every change gets the same effects
(Slack cards, outbound webhooks) in the *same* transaction: either both are
stored or neither (the transactional outbox).

A lead crossing the threshold becomes an MQL exactly once even when two
instances race: the lead's ``version`` is the optimistic-concurrency check,
and the loser leaves the lead as the winner set it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bot.config.rules import ScoringRules
from bot.core.lifecycle import TransitionPlan, plan_after_score
from bot.core.scoring import Score
from bot.leads.unit_of_work import Work
from storage.enums import Stage
from storage.qualification import record_answers
from storage.rows import LeadRow
from storage.transitions import StaleLead, apply_transition


def change_stage(
    work: Work, lead: LeadRow, plan: TransitionPlan, *, announce: bool = True
) -> LeadRow:
    """Apply ``plan`` to ``lead``, store its answers, run the transition effects; the new row.

    ``announce`` False skips the effects: the change is stored with its
    transition but nobody is told (a lead of history moved by a rules change).
    Raises ``storage.transitions.StaleLead`` when someone else changed the
    lead since it was read (the caller tells the user who), ``UnknownLead``
    when it is gone.
    """
    version = apply_transition(work.conn, lead_id=lead.id, expected_version=lead.version, plan=plan)
    if plan.answers:
        record_answers(
            work.conn, lead_id=lead.id, version=version, answers=plan.answers, at=plan.at
        )
    after = replace(lead, **plan.lead_changes, version=version, updated_at=plan.at)
    if announce:
        for effect in work.effects.transition:
            effect(work.conn, after, plan)
    return after


def score_changed(
    work: Work, before: Mapping[Any, Any], after: Mapping[Any, Any], now: datetime
) -> None:
    """Tell the features an undecided MQL's score or hotness changed (its cards follow)."""
    if after["stage"] != Stage.MQL.value or not work.effects.rescore:
        return
    if (before["score"], before["hot"]) == (after["score"], after["hot"]):
        return
    old = LeadRow.from_mapping({**after, **_score_of(before)})
    new = LeadRow.from_mapping(after)
    for effect in work.effects.rescore:
        effect(work.conn, old, new, now)


def _score_of(lead: Mapping[Any, Any]) -> dict[str, Any]:
    return {name: lead[name] for name in ("fit_score", "engagement_score", "score", "hot")}


@dataclass(frozen=True)
class Rescored:
    score: Score
    columns: dict[str, Any]


@dataclass(frozen=True)
class Qualifier:
    rules: ScoringRules

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
        self,
        work: Work,
        lead: Mapping[Any, Any],
        score: Score,
        now: datetime,
        *,
        announce: bool = True,
    ) -> LeadRow | None:
        """Move the lead if its new score says so; the new lead row, or None if no move.

        ``announce`` False moves a lead of history without telling anyone
        (no cards, no webhooks): the stage is right for the reports.
        """
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
            return change_stage(work, LeadRow.from_mapping(lead), plan, announce=announce)
        except StaleLead:
            return None  # someone moved the lead meanwhile; their decision stands
