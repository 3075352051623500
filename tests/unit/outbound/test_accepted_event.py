"""``lead.accepted`` carries the answers given at Accept; no other event does."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.core.lifecycle import Actor, ActorKind, plan_transition
from bot.core.qualification import Answer
from bot.outbound.events import build_event
from tests.support.leads import a_lead

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
SALES = Actor(ActorKind.SLACK, "U0ALICE")


def test_lead_accepted_carries_the_answers_in_the_order_asked() -> None:
    answers = (
        Answer("budget", "Budget", "choice", "Confirmed"),
        Answer("timeline", "Timeline", "text", None),
    )
    plan = replace(plan_transition("mql", "sql", SALES, now=NOW), answers=answers)
    event = build_event("lead.accepted", a_lead(stage="sql", owner_id="U0ALICE"), plan)
    assert event["data"]["qualification"] == [
        {"question": "budget", "label": "Budget", "answer": "Confirmed"},
        {"question": "timeline", "label": "Timeline", "answer": None},
    ]


def test_an_acceptance_without_questions_has_an_empty_list_and_other_events_none() -> None:
    accepted = build_event(
        "lead.accepted", a_lead(stage="sql"), plan_transition("mql", "sql", SALES, now=NOW)
    )
    assert accepted["data"]["qualification"] == []
    rejected = build_event(
        "lead.rejected",
        a_lead(stage="recycled"),
        plan_transition("mql", "recycled", SALES, "not_ready", now=NOW),
    )
    assert "qualification" not in rejected["data"]
