"""Answers given at Accept are stored with the acceptance, or not at all."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.core.lifecycle import Actor, ActorKind, TransitionPlan
from bot.core.qualification import Answer
from bot.leads.decisions import Decision, Result, decide
from bot.leads.effects import Effects
from bot.leads.forget import forget_lead
from bot.leads.unit_of_work import UnitOfWork
from storage.enums import Stage
from storage.models import Transition
from storage.qualification import latest_answers
from storage.rows import LeadRow
from tests.support.leads import load_lead_by_id, store_lead

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
ALICE = Actor(ActorKind.SLACK, "U0ALICE")
BOB = Actor(ActorKind.SLACK, "U0BOB")
ANSWERS = (
    Answer("budget", "Budget", "choice", "Confirmed"),
    Answer("need", "Need", "text", "Jane's team loses a day a week to audits"),
    Answer("timeline", "Timeline", "text", None),
)


def answers_of(engine: Engine, lead_id: int) -> list[tuple[str, str, str | None]]:
    with engine.connect() as conn:
        return [(a["question"], a["kind"], a["answer"]) for a in latest_answers(conn, lead_id)]


def test_an_acceptance_stores_its_answers_with_the_transition(engine: Engine) -> None:
    lead = store_lead(engine)
    seen: list[tuple[Answer, ...]] = []

    def effect(conn: object, row: LeadRow, plan: TransitionPlan) -> None:
        seen.append(plan.answers)

    with UnitOfWork(engine, Effects(transition=(effect,))).begin() as work:
        result, row = decide(work, Decision(lead.id, Stage.SQL, ALICE, answers=ANSWERS), NOW)
    assert result is Result.DECIDED and row is not None
    assert seen == [ANSWERS]
    assert answers_of(engine, lead.id) == [
        ("budget", "choice", "Confirmed"),
        ("need", "text", "Jane's team loses a day a week to audits"),
        ("timeline", "text", None),
    ]
    with engine.connect() as conn:
        version = conn.execute(
            select(Transition.version).where(Transition.to_stage == "sql")
        ).scalar_one()
    assert version == row.version


def test_a_late_acceptance_stores_no_answers(engine: Engine) -> None:
    lead = store_lead(engine)
    with UnitOfWork(engine).begin() as work:
        decide(work, Decision(lead.id, Stage.SQL, ALICE, answers=ANSWERS[:1]), NOW)
    late = (Answer("budget", "Budget", "choice", "No budget yet"),)
    with UnitOfWork(engine).begin() as work:
        result, _ = decide(work, Decision(lead.id, Stage.SQL, BOB, answers=late), NOW)
    assert result is Result.ALREADY_DECIDED
    assert answers_of(engine, lead.id) == [("budget", "choice", "Confirmed")]


def test_erasure_clears_text_answers_and_keeps_the_choices(engine: Engine) -> None:
    lead = store_lead(engine)
    with UnitOfWork(engine).begin() as work:
        decide(work, Decision(lead.id, Stage.SQL, ALICE, answers=ANSWERS), NOW)
    accepted = load_lead_by_id(engine, lead.id)
    assert accepted is not None
    with UnitOfWork(engine).begin() as work:
        forget_lead(work, accepted, now=NOW)
    assert answers_of(engine, lead.id) == [
        ("budget", "choice", "Confirmed"),
        ("need", "text", None),
        ("timeline", "text", None),
    ]
