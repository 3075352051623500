"""Stage changes in the database: one outcome for simultaneous decisions, an audit row each."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from bot.core.lifecycle import Actor, ActorKind, plan_transition, replay
from storage.enums import Stage
from storage.models import Lead, Transition
from storage.transitions import StaleLead, UnknownLead, apply_transition

NOW = datetime(2026, 3, 1, 9, tzinfo=UTC)


def make_mql(engine: Engine) -> int:
    with engine.begin() as conn:
        lead_id = conn.execute(
            insert(Lead.__table__).values(
                email="ann@acme.io",
                stage="new",
                utm={},
                attributes={},
                score_reasons=[],
                first_seen_at=NOW,
                updated_at=NOW,
                version=1,
            )
        ).inserted_primary_key[0]
        plan = plan_transition(Stage.NEW, Stage.MQL, Actor(ActorKind.RULES), now=NOW)
        assert apply_transition(conn, lead_id=lead_id, expected_version=1, plan=plan) == 2
    return lead_id


def test_two_simultaneous_decisions_have_exactly_one_outcome(engine: Engine) -> None:
    lead_id = make_mql(engine)
    decisions = {
        "U1": plan_transition(Stage.MQL, Stage.SQL, Actor(ActorKind.SLACK, "U1"), now=NOW),
        "U2": plan_transition(Stage.MQL, Stage.RECYCLED, Actor(ActorKind.SLACK, "U2"), now=NOW),
    }
    start = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def decide(user: str) -> None:
        with engine.connect() as conn:
            start.wait()
            try:
                with conn.begin():
                    plan = decisions[user]
                    outcomes[user] = apply_transition(
                        conn, lead_id=lead_id, expected_version=2, plan=plan
                    )
            except StaleLead as exc:
                outcomes[user] = exc

    threads = [threading.Thread(target=decide, args=(user,)) for user in decisions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    winners = [user for user, outcome in outcomes.items() if outcome == 3]
    losers = [outcome for outcome in outcomes.values() if isinstance(outcome, StaleLead)]
    assert len(winners) == 1 and len(losers) == 1
    winning_stage = decisions[winners[0]].to_stage
    assert losers[0].stage == winning_stage and losers[0].version == 3

    with engine.connect() as conn:
        lead = conn.execute(select(Lead.__table__)).mappings().one()
        log = conn.execute(
            select(Transition.__table__).order_by(Transition.__table__.c.version)
        ).all()
    assert (lead["stage"], lead["version"]) == (winning_stage, 3)
    assert [row.version for row in log] == [2, 3]
    assert log[-1].actor == f"slack:{winners[0]}"
    assert replay(log) == Stage(lead["stage"])
    if winning_stage is Stage.SQL:
        assert lead["owner_id"] == "U1" and losers[0].owner_id == "U1"


def test_stale_version_is_refused_with_the_current_state(engine: Engine) -> None:
    lead_id = make_mql(engine)
    accept = plan_transition(Stage.MQL, Stage.SQL, Actor(ActorKind.SLACK, "U7"), now=NOW)
    with engine.begin() as conn:
        apply_transition(conn, lead_id=lead_id, expected_version=2, plan=accept)
    with engine.begin() as conn, pytest.raises(StaleLead, match="now sql \\(owner U7\\)"):
        apply_transition(conn, lead_id=lead_id, expected_version=2, plan=accept)
    with engine.begin() as conn, pytest.raises(UnknownLead):
        apply_transition(conn, lead_id=lead_id + 100, expected_version=1, plan=accept)
