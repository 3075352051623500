"""Decisions on MQLs, whatever surface they come from: one lands, late ones learn who was first."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine

from bot.core.lifecycle import Actor, ActorKind, NotAllowed
from bot.leads import decisions
from bot.leads.decisions import Decision, Result, decide, reject_target
from bot.leads.effects import Effects
from bot.leads.unit_of_work import UnitOfWork
from storage.enums import Stage
from tests.support.leads import load_lead_by_id, store_lead

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
ALICE = Actor(ActorKind.SLACK, "U0ALICE")
BOB = Actor(ActorKind.SLACK, "U0BOB")


def test_accepting_an_mql_makes_it_the_clickers_sql_and_runs_the_effects(engine: Engine) -> None:
    lead = store_lead(engine)
    seen = []
    effects = Effects(transition=(lambda conn, row, plan: seen.append((row.stage, row.owner_id)),))
    with UnitOfWork(engine, effects).begin() as work:
        result, row = decide(work, Decision(lead.id, Stage.SQL, ALICE), NOW)
    assert result is Result.DECIDED and row is not None
    assert (row.stage, row.owner_id, row.decided_at) == ("sql", "U0ALICE", NOW)
    assert seen == [("sql", "U0ALICE")]
    assert load_lead_by_id(engine, lead.id) == row


def test_a_second_decision_changes_nothing_and_shows_the_first(engine: Engine) -> None:
    lead = store_lead(engine)
    with UnitOfWork(engine).begin() as work:
        decide(work, Decision(lead.id, Stage.SQL, ALICE), NOW)
    with UnitOfWork(engine).begin() as work:
        result, row = decide(work, Decision(lead.id, Stage.DISQUALIFIED, BOB, "spam"), NOW)
    assert result is Result.ALREADY_DECIDED and row is not None
    assert (row.stage, row.owner_id) == ("sql", "U0ALICE")


def test_a_decision_on_a_lead_that_does_not_exist_is_gone(engine: Engine) -> None:
    with UnitOfWork(engine).begin() as work:
        assert decide(work, Decision(999, Stage.SQL, ALICE), NOW) == (Result.GONE, None)


def test_a_decision_written_between_our_read_and_our_write_wins(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    lead = store_lead(engine)
    with UnitOfWork(engine).begin() as work:
        decide(work, Decision(lead.id, Stage.SQL, ALICE), NOW)
    reads = iter([lead])  # Bob's first read still saw the MQL Alice was deciding on
    real = decisions.load_lead
    monkeypatch.setattr(decisions, "load_lead", lambda conn, i: next(reads, None) or real(conn, i))
    ran = []
    effects = Effects(transition=(lambda conn, row, plan: ran.append(row),))
    with UnitOfWork(engine, effects).begin() as work:
        result, row = decide(work, Decision(lead.id, Stage.RECYCLED, BOB, "not_ready"), NOW)
    assert result is Result.ALREADY_DECIDED and ran == []
    assert row is not None and (row.stage, row.owner_id) == ("sql", "U0ALICE")


def test_a_lead_source_may_not_decide_for_sales(engine: Engine) -> None:
    lead = store_lead(engine)
    with pytest.raises(NotAllowed), UnitOfWork(engine).begin() as work:
        decide(work, Decision(lead.id, Stage.SQL, Actor(ActorKind.SOURCE, "crm")), NOW)
    assert load_lead_by_id(engine, lead.id) == lead


@pytest.mark.parametrize(
    ("reason", "stage"),
    [
        ("not_ready", Stage.RECYCLED),
        ("not_a_fit", Stage.DISQUALIFIED),
        ("spam_invalid", Stage.DISQUALIFIED),
    ],
)
def test_only_not_ready_recycles_a_rejected_lead(reason: str, stage: Stage) -> None:
    assert reject_target(reason) is stage
