"""Lead lifecycle: which stage moves exist, who may make them, and what scoring implies.

Pure functions; ``storage.transitions`` applies a plan with optimistic
concurrency, so two people clicking at once produce one outcome.

Policy when a score changes (re-scoring after a rules change, a decay sweep,
new activity):

* a ``new`` lead crossing the threshold becomes an MQL — once: a lead that was
  an MQL before only qualifies again through recycling;
* a ``recycled`` lead qualifies again once the cool-down has passed since it
  was recycled;
* a disqualification rule moves ``new`` and ``recycled`` leads to
  ``disqualified`` and keeps them from qualifying;
* a falling score never demotes: an MQL awaiting sales stays in the queue,
  and a ``new`` lead just has its numbers updated. Only a person takes a lead
  out of the sales queue.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from bot.config.rules import ScoringRules
from bot.core.qualification import Answer
from bot.core.scoring import Score
from storage.enums import Stage


class ActorKind(StrEnum):
    SYSTEM = "system"  # scheduled jobs, re-scoring
    RULES = "rules"  # the scoring rules themselves
    SOURCE = "source"  # an inbound lead source (CRM, forms)
    SLACK = "slack"  # a person in Slack
    CLI = "cli"  # an operator with shell access


@dataclass(frozen=True, slots=True)
class Actor:
    kind: ActorKind
    id: str | None = None
    #: Slack users listed as admins in the configuration; the CLI operator always is one
    admin: bool = False

    @property
    def is_admin(self) -> bool:
        return self.admin or self.kind is ActorKind.CLI

    def __str__(self) -> str:
        """The stored form: ``slack:U123``, ``source:hubspot``, ``rules``."""
        return f"{self.kind.value}:{self.id}" if self.id else self.kind.value


RULES_ACTOR = Actor(ActorKind.RULES)

#: stands for "an admin of any kind" in the permission table
_ADMIN = "admin"
_DECIDERS = frozenset({ActorKind.SLACK, ActorKind.SYSTEM, ActorKind.RULES, ActorKind.CLI})
_AUTOMATIC = frozenset({ActorKind.RULES, ActorKind.SYSTEM, _ADMIN})
_OUTCOMES = frozenset({ActorKind.SOURCE, ActorKind.SLACK, ActorKind.SYSTEM, ActorKind.CLI})

#: every legal move and who may make it
MOVES: Mapping[tuple[Stage, Stage], frozenset[str]] = {
    (Stage.NEW, Stage.MQL): _AUTOMATIC,
    (Stage.NEW, Stage.DISQUALIFIED): _DECIDERS,
    (Stage.MQL, Stage.SQL): _DECIDERS,
    (Stage.MQL, Stage.RECYCLED): _DECIDERS,
    (Stage.MQL, Stage.DISQUALIFIED): _DECIDERS,
    (Stage.RECYCLED, Stage.MQL): _AUTOMATIC,
    (Stage.RECYCLED, Stage.DISQUALIFIED): _DECIDERS,
    (Stage.SQL, Stage.WON): _OUTCOMES,
    (Stage.SQL, Stage.LOST): _OUTCOMES,
    # re-opening a decision someone regrets is for admins
    (Stage.DISQUALIFIED, Stage.NEW): frozenset({_ADMIN}),
    (Stage.LOST, Stage.SQL): frozenset({_ADMIN}),
}


class IllegalTransition(ValueError):
    """The move does not exist in the lifecycle."""


class NotAllowed(PermissionError):
    """The move exists, but this actor may not make it."""


@dataclass(frozen=True, slots=True)
class TransitionPlan:
    """A checked move and the lead fields it changes, ready to be stored."""

    from_stage: Stage
    to_stage: Stage
    actor: Actor
    reason: str | None
    note: str | None
    at: datetime
    #: Lead attribute → new value (storage bumps the version)
    lead_changes: Mapping[str, Any] = field(default_factory=dict)
    #: what the person accepting answered to the qualification questions
    answers: tuple[Answer, ...] = ()


def plan_transition(
    stage: Stage | str,
    target: Stage | str,
    actor: Actor,
    reason: str | None = None,
    note: str | None = None,
    *,
    now: datetime,
    owner_id: str | None = None,
) -> TransitionPlan:
    """Check a move and describe it; ``owner_id`` defaults to the Slack user accepting."""
    stage, target = Stage(stage), Stage(target)
    if stage is target:
        raise IllegalTransition(f"the lead is already {target.value}")
    allowed = MOVES.get((stage, target))
    if allowed is None:
        raise IllegalTransition(f"cannot move a lead from {stage.value} to {target.value}")
    if actor.kind not in allowed and not (actor.is_admin and _ADMIN in allowed):
        who = " or ".join(sorted(str(kind) for kind in allowed))
        raise NotAllowed(
            f"{actor} may not move a lead from {stage.value} to {target.value} (allowed: {who})"
        )
    changes: dict[str, Any] = {"stage": target.value, "stage_changed_at": now}
    if target is Stage.MQL:
        changes["mql_at"] = now
    if stage is Stage.MQL:
        changes["decided_at"] = now
    if target in (Stage.WON, Stage.LOST):
        changes["closed_at"] = now
    if target is Stage.DISQUALIFIED and reason:
        changes["disqualify_reason"] = reason
    if target is Stage.SQL and (owner_id or actor.kind is ActorKind.SLACK):
        changes["owner_id"] = owner_id or actor.id
    return TransitionPlan(stage, target, actor, reason, note, now, changes)


def qualifies(score: Score, rules: ScoringRules) -> bool:
    """Whether a score makes an MQL: over the threshold and not disqualified."""
    return score.disqualify_reason is None and rules.threshold.is_met(
        fit=score.fit, engagement=score.engagement, total=score.total
    )


def plan_after_score(
    stage: Stage | str,
    score: Score,
    rules: ScoringRules,
    *,
    mql_at: datetime | None,
    stage_changed_at: datetime | None,
    now: datetime,
) -> TransitionPlan | None:
    """The move a new score implies under the policy in this module's docstring, if any."""
    stage = Stage(stage)
    if score.disqualify_reason is not None:
        if stage in (Stage.NEW, Stage.RECYCLED):
            return plan_transition(
                stage, Stage.DISQUALIFIED, RULES_ACTOR, score.disqualify_reason, now=now
            )
        return None
    if not qualifies(score, rules):
        return None
    if stage is Stage.NEW and mql_at is None:
        return plan_transition(
            stage, Stage.MQL, RULES_ACTOR, "score reached the threshold", now=now
        )
    cooldown = timedelta(days=rules.threshold.recycle_cooldown_days)
    if stage is Stage.RECYCLED and (stage_changed_at is None or now - stage_changed_at >= cooldown):
        return plan_transition(
            stage, Stage.MQL, RULES_ACTOR, "qualified again after the cool-down", now=now
        )
    return None


class _Move(Protocol):
    @property
    def from_stage(self) -> str: ...

    @property
    def to_stage(self) -> str: ...


def is_history(
    *,
    imported: bool,
    newest_activity: datetime | None,
    newest_live_activity: datetime | None,
    first_seen_at: datetime,
    now: datetime,
    within_days: float,
) -> bool:
    """Whether a lead is history: moved by rules changes and decay, never announced.

    Imported leads are history until a lead source reports something they
    did; other leads once nothing they did (or their arrival, when they did
    nothing) is newer than ``within_days``.
    """
    if imported:
        if newest_live_activity is None:
            return True
        latest = newest_live_activity
    else:
        latest = newest_activity or first_seen_at
    return now - latest > timedelta(days=within_days)


def replay(transitions: Iterable[_Move]) -> Stage:
    """The stage a transition log leads to from ``new``; a broken log raises."""
    stage = Stage.NEW
    for step in transitions:
        source, target = Stage(step.from_stage), Stage(step.to_stage)
        if source is not stage:
            raise IllegalTransition(
                f"log says {source.value} → {target.value} but lead was {stage.value}"
            )
        if (source, target) not in MOVES:
            raise IllegalTransition(f"cannot move a lead from {source.value} to {target.value}")
        stage = target
    return stage
