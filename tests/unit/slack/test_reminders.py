"""SLA reminders on their own: what a sweep queues at each moment, and never twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.config.slack import SlackConfig
from bot.core.lifecycle import RULES_ACTOR, Actor, ActorKind, plan_transition
from bot.leads.effects import Effects
from bot.leads.qualify import change_stage
from bot.leads.unit_of_work import UnitOfWork
from bot.slack.handoff import SlackHandoff
from bot.slack.reminders import Reminders
from storage.models import Outbox
from storage.rows import LeadRow
from tests.support.leads import store_lead

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CONFIG = SlackConfig.model_validate(
    {
        "sales_channel": "C0SALES",
        "escalation_channel": "C0ESC",
        "sla": {
            "reminder_after_minutes": 60,
            "escalate_after_minutes": 120,
            "hot_reminder_after_minutes": 10,
            "hot_escalate_after_minutes": 20,
        },
    }
)


def handed_over(engine: Engine, **lead: object) -> LeadRow:
    """A lead that became an MQL at START, with its cards queued."""
    plan = plan_transition("new", "mql", RULES_ACTOR, now=START)
    work = UnitOfWork(engine, Effects(transition=(SlackHandoff(CONFIG),)))
    with work.begin() as tx:
        return change_stage(tx, store_lead(engine, stage="new", mql_at=None, **lead), plan)


def sweep(engine: Engine, minutes: int) -> int:
    reminders = Reminders(UnitOfWork(engine), CONFIG, clock=lambda: START)
    return reminders.sweep(START + timedelta(minutes=minutes))


def nudges(engine: Engine) -> list[tuple[str, str, str | None]]:
    """(kind, channel, thread) of each reminder and escalation queued."""
    with engine.connect() as conn:
        found = conn.execute(
            select(Outbox.dedupe_key, Outbox.target, Outbox.payload).order_by(Outbox.id)
        ).all()
    return [
        (key.rsplit(":", 1)[1], target, payload.get("thread_of"))
        for key, target, payload in found
        if key.endswith((":reminder", ":escalation"))
    ]


def test_an_undecided_mql_is_reminded_in_its_thread_then_escalated_once_each(
    engine: Engine,
) -> None:
    lead = handed_over(engine, hot=False)
    assert sweep(engine, 59) == 0
    assert sweep(engine, 61) == 1
    (reminder,) = nudges(engine)
    assert reminder[:2] == ("reminder", "C0SALES")
    assert reminder[2] == f"lead:{lead.id}:mql:{int(START.timestamp())}:card:sales_handoff:C0SALES"
    assert sweep(engine, 90) == 0  # the next sweeps, or another instance, queue nothing more
    assert sweep(engine, 121) == 1
    assert sweep(engine, 121) == 0
    assert [kind for kind, _, _ in nudges(engine)] == ["reminder", "escalation"]
    assert nudges(engine)[1][1:] == ("C0ESC", None)


def test_hot_leads_are_reminded_sooner(engine: Engine) -> None:
    handed_over(engine, hot=True)
    assert sweep(engine, 11) == 1 and sweep(engine, 21) == 1


def test_a_decided_lead_is_never_reminded(engine: Engine) -> None:
    lead = handed_over(engine)
    accept = plan_transition("mql", "sql", Actor(ActorKind.SLACK, "U0ALICE"), now=START)
    with UnitOfWork(engine).begin() as tx:
        change_stage(tx, lead, accept)
    assert sweep(engine, 500) == 0 and nudges(engine) == []


def test_a_lead_never_handed_over_in_slack_gets_no_thread_reminder(engine: Engine) -> None:
    store_lead(engine, stage="mql", mql_at=START, hot=False)  # no cards were queued for it
    assert sweep(engine, 61) == 0
    assert sweep(engine, 121) == 1  # the escalation channel still hears of it
    assert [kind for kind, _, _ in nudges(engine)] == ["escalation"]
