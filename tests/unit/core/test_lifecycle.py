"""Lifecycle: every move, who may make it, what scoring implies, and replaying the log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config.rules import parse_config
from bot.core.lifecycle import (
    Actor,
    ActorKind,
    IllegalTransition,
    NotAllowed,
    is_history,
    plan_after_score,
    plan_transition,
    replay,
)
from bot.core.scoring import Score
from storage.enums import Stage

NOW = datetime(2026, 3, 1, tzinfo=UTC)
SALES = Actor(ActorKind.SLACK, "U123")
SLACK_ADMIN = Actor(ActorKind.SLACK, "U999", admin=True)
CRM = Actor(ActorKind.SOURCE, "hubspot")
RULES_ACTOR = Actor(ActorKind.RULES)
CLI = Actor(ActorKind.CLI)
SYSTEM = Actor(ActorKind.SYSTEM)
ALL_ACTORS = [SALES, SLACK_ADMIN, CRM, RULES_ACTOR, CLI, SYSTEM]

RULES = parse_config(
    "scoring:\n  threshold: {mql: 50, min_fit: 10, recycle_cooldown_days: 30}\n"
).scoring


def score(fit: int, engagement: int, reason: str | None = None) -> Score:
    return Score(fit, engagement, fit + engagement, [], reason, False)


LEGAL = {
    (Stage.NEW, Stage.MQL),
    (Stage.NEW, Stage.DISQUALIFIED),
    (Stage.MQL, Stage.SQL),
    (Stage.MQL, Stage.RECYCLED),
    (Stage.MQL, Stage.DISQUALIFIED),
    (Stage.RECYCLED, Stage.MQL),
    (Stage.RECYCLED, Stage.DISQUALIFIED),
    (Stage.SQL, Stage.WON),
    (Stage.SQL, Stage.LOST),
    (Stage.DISQUALIFIED, Stage.NEW),
    (Stage.LOST, Stage.SQL),
}


@pytest.mark.parametrize(("stage", "target"), sorted(product(Stage, Stage)))
def test_every_pair_is_either_a_legal_move_or_refused(stage: Stage, target: Stage) -> None:
    if (stage, target) in LEGAL:
        plan = plan_transition(stage, target, CLI, now=NOW)
        assert (plan.from_stage, plan.to_stage) == (stage, target)
        return
    with pytest.raises(IllegalTransition) as refused:
        plan_transition(stage, target, CLI, now=NOW)
    expected = (
        f"the lead is already {target}"
        if stage is target
        else f"cannot move a lead from {stage} to {target}"
    )
    assert str(refused.value) == expected


@pytest.mark.parametrize(
    ("stage", "target", "allowed"),
    [
        (Stage.MQL, Stage.SQL, {SALES, SLACK_ADMIN, RULES_ACTOR, CLI, SYSTEM}),
        (Stage.SQL, Stage.WON, {SALES, SLACK_ADMIN, CRM, CLI, SYSTEM}),
        (Stage.NEW, Stage.MQL, {SLACK_ADMIN, RULES_ACTOR, CLI, SYSTEM}),
        (Stage.DISQUALIFIED, Stage.NEW, {SLACK_ADMIN, CLI}),
        (Stage.LOST, Stage.SQL, {SLACK_ADMIN, CLI}),
    ],
)
def test_permissions(stage: Stage, target: Stage, allowed: set[Actor]) -> None:
    for actor in ALL_ACTORS:
        if actor in allowed:
            plan_transition(stage, target, actor, now=NOW)
        else:
            with pytest.raises(NotAllowed, match=f"{actor} may not move a lead from {stage}"):
                plan_transition(stage, target, actor, now=NOW)


def test_accepting_in_slack_makes_the_user_owner_and_stamps_the_decision() -> None:
    plan = plan_transition(Stage.MQL, Stage.SQL, SALES, "good fit", "call Tuesday", now=NOW)
    assert plan.lead_changes == {
        "stage": "sql",
        "stage_changed_at": NOW,
        "decided_at": NOW,
        "owner_id": "U123",
    }
    assert str(plan.actor) == "slack:U123"
    won = plan_transition(Stage.SQL, Stage.WON, CRM, now=NOW)
    assert won.lead_changes["closed_at"] == NOW and str(won.actor) == "source:hubspot"


def test_disqualifying_records_the_reason_on_the_lead() -> None:
    plan = plan_transition(Stage.MQL, Stage.DISQUALIFIED, SALES, "spam", now=NOW)
    assert plan.lead_changes["disqualify_reason"] == "spam"


def test_crossing_the_threshold_makes_an_mql_once() -> None:
    plan = plan_after_score(
        Stage.NEW, score(20, 30), RULES, mql_at=None, stage_changed_at=None, now=NOW
    )
    assert plan is not None and plan.to_stage is Stage.MQL and plan.lead_changes["mql_at"] == NOW
    for stage in (Stage.MQL, Stage.SQL, Stage.WON, Stage.LOST, Stage.DISQUALIFIED):
        assert (
            plan_after_score(stage, score(90, 90), RULES, mql_at=NOW, stage_changed_at=NOW, now=NOW)
            is None
        )
    # a lead that was an MQL before and was re-opened does not qualify on its own
    assert (
        plan_after_score(Stage.NEW, score(90, 90), RULES, mql_at=NOW, stage_changed_at=NOW, now=NOW)
        is None
    )


def test_threshold_needs_both_total_and_min_fit() -> None:
    assert (
        plan_after_score(
            Stage.NEW, score(5, 60), RULES, mql_at=None, stage_changed_at=None, now=NOW
        )
        is None
    )
    assert (
        plan_after_score(
            Stage.NEW, score(20, 29), RULES, mql_at=None, stage_changed_at=None, now=NOW
        )
        is None
    )


def test_recycled_leads_requalify_only_after_the_cooldown() -> None:
    recycled_at = NOW - timedelta(days=29)
    early = plan_after_score(
        Stage.RECYCLED,
        score(40, 40),
        RULES,
        mql_at=recycled_at,
        stage_changed_at=recycled_at,
        now=NOW,
    )
    assert early is None
    later = NOW + timedelta(days=1)
    plan = plan_after_score(
        Stage.RECYCLED,
        score(40, 40),
        RULES,
        mql_at=recycled_at,
        stage_changed_at=recycled_at,
        now=later,
    )
    assert plan is not None and plan.to_stage is Stage.MQL


def test_disqualify_rules_move_new_and_recycled_but_not_a_waiting_mql() -> None:
    bad = score(90, 90, reason="competitor")
    for stage in (Stage.NEW, Stage.RECYCLED):
        plan = plan_after_score(stage, bad, RULES, mql_at=None, stage_changed_at=None, now=NOW)
        assert (
            plan is not None and plan.to_stage is Stage.DISQUALIFIED and plan.reason == "competitor"
        )
    assert (
        plan_after_score(Stage.MQL, bad, RULES, mql_at=NOW, stage_changed_at=NOW, now=NOW) is None
    )


def test_replay_refuses_a_broken_log() -> None:
    first = plan_transition(Stage.NEW, Stage.MQL, RULES_ACTOR, now=NOW)
    third = plan_transition(Stage.SQL, Stage.WON, CRM, now=NOW)
    with pytest.raises(IllegalTransition, match="lead was mql"):
        replay([first, third])


@given(st.lists(st.tuples(st.sampled_from(list(Stage)), st.sampled_from(ALL_ACTORS)), max_size=30))
def test_replaying_the_log_gives_the_current_stage(attempts) -> None:
    stage, log = Stage.NEW, []
    for target, actor in attempts:
        try:
            plan = plan_transition(stage, target, actor, now=NOW)
        except (IllegalTransition, NotAllowed):
            continue
        log.append(plan)
        stage = plan.to_stage
    assert replay(log) is stage


def test_history_is_imported_or_long_quiet() -> None:
    now = datetime(2026, 11, 23, tzinfo=UTC)
    recent, old = now - timedelta(days=10), now - timedelta(days=200)

    def history(**facts: object) -> bool:
        return is_history(**{"imported": False, "newest_activity": None,
                             "newest_live_activity": None, "first_seen_at": recent,
                             "now": now, "within_days": 90, **facts})  # type: ignore[arg-type]  # fmt: skip

    assert not history()  # arrived recently, did nothing yet
    assert history(first_seen_at=old)  # arrived long ago, did nothing
    assert not history(first_seen_at=old, newest_activity=recent)
    assert history(newest_activity=old)
    assert history(imported=True, newest_activity=recent)  # imported activity is history
    assert not history(imported=True, newest_activity=recent, newest_live_activity=recent)
    assert history(imported=True, newest_live_activity=old)
