"""The handoff's effects on their own: which outbox rows each change of a lead queues."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.config.slack import SlackConfig
from bot.core.lifecycle import RULES_ACTOR, Actor, ActorKind, plan_transition
from bot.leads.effects import Effects
from bot.leads.qualify import change_stage
from bot.leads.unit_of_work import UnitOfWork
from bot.slack.handoff import SlackHandoff
from storage.models import Outbox
from storage.rows import LeadRow
from tests.support.leads import store_lead

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CONFIG = SlackConfig.model_validate(
    {
        "marketing_channels": ["C0MKT", "C0GROWTH"],
        "sales_channel": "C0SALES",
        "sales_mention": "S0SALES",
        "urgent_channel": "C0HOT",
        "routes": [{"name": "DACH", "countries": ["DE"], "channel": "C0DACH", "mention": "S0DACH"}],
    }
)


def work(engine: Engine) -> UnitOfWork:
    handoff = SlackHandoff(CONFIG)
    return UnitOfWork(engine, Effects(transition=(handoff,), rescore=(handoff.rescored,)))


def qualify(engine: Engine, lead: LeadRow) -> LeadRow:
    plan = plan_transition("new", "mql", RULES_ACTOR, "score reached the threshold", now=NOW)
    with work(engine).begin() as tx:
        return change_stage(tx, lead, plan)


def rows(engine: Engine) -> list[tuple[str, str, str, str]]:
    """(dedupe key, target, method, status) of every queued row, oldest first."""
    with engine.connect() as conn:
        found = conn.execute(
            select(Outbox.dedupe_key, Outbox.target, Outbox.payload, Outbox.status).order_by(
                Outbox.id
            )
        )
        return [(key, target, payload["method"], status) for key, target, payload, status in found]


def test_a_new_mql_gets_a_notice_per_marketing_channel_and_a_routed_sales_card(
    engine: Engine,
) -> None:
    lead = store_lead(engine, stage="new", mql_at=None, country="DE", hot=False)
    qualify(engine, lead)
    queued = rows(engine)
    assert [(target, method) for _, target, method, _ in queued] == [
        ("C0MKT", "chat.postMessage"),
        ("C0GROWTH", "chat.postMessage"),
        ("C0DACH", "chat.postMessage"),  # the first matching route, not the default channel
    ]
    with engine.connect() as conn:
        sales = conn.execute(select(Outbox.payload).where(Outbox.target == "C0DACH")).scalar_one()
    assert sales["args"]["text"].startswith("<!subteam^S0DACH>")
    assert [b["action_id"] for b in sales["args"]["blocks"][-1]["elements"]] == [
        "lead_accept",
        "lead_reject",
    ]


def test_a_hot_mql_also_goes_to_the_urgent_channel_once(engine: Engine) -> None:
    lead = store_lead(engine, stage="new", mql_at=None, hot=True)
    qualify(engine, lead)
    targets = [target for _, target, _, _ in rows(engine)]
    assert targets.count("C0HOT") == 1 and "C0SALES" in targets


def test_a_decision_updates_every_card_and_records_itself_in_the_sales_thread(
    engine: Engine,
) -> None:
    lead = qualify(engine, store_lead(engine, stage="new", mql_at=None, hot=True))
    before = len(rows(engine))
    accept = plan_transition("mql", "sql", Actor(ActorKind.SLACK, "U0ALICE"), now=NOW)
    with work(engine).begin() as tx:
        change_stage(tx, lead, accept)
    after = rows(engine)[before:]
    updates = [(target, method) for _, target, method, _ in after[:-1]]
    assert sorted(updates) == sorted(
        [(c, "chat.update") for c in ("C0MKT", "C0GROWTH", "C0SALES", "C0HOT")]
    )
    key, target, method, _ = after[-1]
    assert (target, method) == ("C0SALES", "chat.postMessage") and key.endswith(":reply")


def test_a_lead_turning_hot_gets_its_cards_updated_and_its_urgent_copy(engine: Engine) -> None:
    lead = qualify(engine, store_lead(engine, stage="new", mql_at=None, hot=False))
    before = len(rows(engine))
    hotter = replace(lead, score=lead.score + 30, hot=True)
    with work(engine).begin() as tx:
        tx.effects.rescore[0](tx.conn, lead, hotter, NOW + timedelta(minutes=5))
    added = [(target, method) for _, target, method, _ in rows(engine)[before:]]
    updated = [(channel, "chat.update") for channel in ("C0MKT", "C0GROWTH", "C0SALES")]
    assert sorted(added) == sorted([*updated, ("C0HOT", "chat.postMessage")])


def test_only_the_newest_score_update_of_a_card_waits_to_be_sent(engine: Engine) -> None:
    lead = qualify(engine, store_lead(engine, stage="new", mql_at=None, hot=False))
    handoff = SlackHandoff(CONFIG)
    first = replace(lead, score=lead.score + 5)
    second = replace(lead, score=lead.score + 9)
    with UnitOfWork(engine).begin() as tx:
        handoff.rescored(tx.conn, lead, first, NOW + timedelta(minutes=1))
        handoff.rescored(tx.conn, first, second, NOW + timedelta(minutes=2))
        handoff.rescored(tx.conn, second, second, NOW + timedelta(minutes=3))  # no change
    updates = [(key, status) for key, target, method, status in rows(engine)]
    sales = [
        status for key, status in updates if ":card:sales_handoff:" in key and "rescored" in key
    ]
    assert sales == ["done", "pending"]  # the first was superseded, never sent


def test_a_decided_lead_is_not_followed_by_score_updates(engine: Engine) -> None:
    lead = qualify(engine, store_lead(engine, stage="new", mql_at=None))
    decided = replace(lead, stage="sql")
    before = len(rows(engine))
    with UnitOfWork(engine).begin() as tx:
        SlackHandoff(CONFIG).rescored(tx.conn, decided, replace(decided, score=99, hot=True), NOW)
    assert len(rows(engine)) == before
