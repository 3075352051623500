"""Scoring and stage changes driven by signed webhooks, end to end on each backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.app import Features
from bot.config.rules import load_config, parse_config
from bot.core.lifecycle import Actor, ActorKind, plan_transition
from bot.leads.effects import Effects
from bot.leads.qualify import Qualifier, change_stage
from bot.leads.rescore import rescore_all, rescore_if_rules_changed
from bot.leads.unit_of_work import UnitOfWork
from storage.models import Event, Lead, Transition
from storage.rows import LeadRow
from tests.support.ingest import live_app

VP = {"job_title": "VP Marketing", "company": "Acme", "company_size": 250, "country": "DE"}


def event(email: str, activity: str, **lead) -> dict:
    return {"type": "lead.activity", "lead": {"email": email, **lead},
            "activity": {"type": activity}}  # fmt: skip


def outcome(email: str, result: str, **extra) -> dict:
    return {
        "type": "lead.outcome",
        "lead": {"email": email},
        "outcome": {"result": result, **extra},
    }


@pytest.fixture
def app(db_url):
    with live_app(db_url) as live:
        yield live


def lead_row(app, email: str):
    with app.engine.connect() as conn:
        return conn.execute(select(Lead.__table__).where(Lead.email == email)).mappings().one()


def transitions(app, lead_id: int) -> list[tuple[str, str, str, str | None]]:
    with app.engine.connect() as conn:
        rows = conn.execute(
            select(Transition.__table__)
            .where(Transition.lead_id == lead_id)
            .order_by(Transition.id)
        ).mappings()
        return [(r["from_stage"], r["to_stage"], r["actor"], r["reason"]) for r in rows]


def test_stream_crossing_threshold_makes_one_mql_even_when_redelivered(app) -> None:
    email = "vp@acme.example"
    assert app.post(event(email, "page_view", **VP), msg_id="e1").status_code == 202
    assert lead_row(app, email)["stage"] == "new"
    assert app.post(event(email, "demo_request"), msg_id="e2").status_code == 202
    for msg_id in ("e1", "e2", "e2"):
        assert app.post(event(email, "demo_request"), msg_id=msg_id).json()["duplicate"] is True
    app.post(event(email, "pricing_view"), msg_id="e3")

    lead = lead_row(app, email)
    assert lead["stage"] == "mql"
    assert lead["hot"] is True
    assert (lead["fit_score"], lead["engagement_score"]) == (45, 51)
    assert lead["score"] == 96
    assert {r["label"] for r in lead["score_reasons"]} >= {
        "VP or head of department",
        "Demo request",
    }
    assert transitions(app, lead["id"]) == [("new", "mql", "rules", "score reached the threshold")]


def test_free_mail_lead_is_disqualified_by_rule_and_never_qualifies(app) -> None:
    app.post(event("someone@gmail.com", "demo_request", **VP))
    lead = lead_row(app, "someone@gmail.com")
    assert lead["stage"] == "disqualified"
    assert lead["disqualify_reason"] == "personal email address; we sell to businesses"
    app.post(event("someone@gmail.com", "contact_request"))
    assert transitions(app, lead["id"]) == [
        ("new", "disqualified", "rules", "personal email address; we sell to businesses")
    ]


def test_outcomes_move_sqls_and_refuse_illegal_moves(app) -> None:
    email = "buyer@acme.example"
    app.post(event(email, "demo_request", **VP))
    early = app.post(outcome(email, "won", amount=100, currency="EUR"), msg_id="o1")
    assert early.status_code == 409
    assert "cannot move a lead from mql to won" in early.json()["message"]

    unknown = app.post(outcome("nobody@acme.example", "lost"), msg_id="o2")
    assert unknown.status_code == 422
    assert unknown.json()["error"] == "unknown_lead"

    with app.engine.connect() as conn:
        refused = conn.execute(
            select(Event.external_id, Event.status, Event.error).where(Event.status == "refused")
        ).all()
        assert {r.external_id for r in refused} == {"o1", "o2"}
        assert (
            conn.execute(select(Lead.id).where(Lead.email == "nobody@acme.example")).first() is None
        )

    lead = lead_row(app, email)
    accept = plan_transition("mql", "sql", Actor(ActorKind.SLACK, "U0ALICE"), now=datetime.now(UTC))
    with UnitOfWork(app.engine).begin() as work:
        change_stage(work, LeadRow.from_mapping(lead), accept)

    won = app.post(
        outcome(email, "won", amount=24000, currency="eur", reason="signed"), msg_id="o3"
    )
    assert won.status_code == 202, won.text
    lead = lead_row(app, email)
    assert (lead["stage"], lead["deal_amount"], lead["deal_currency"]) == ("won", 24000.0, "EUR")
    assert lead["owner_id"] == "U0ALICE"
    assert transitions(app, lead["id"])[-1] == ("sql", "won", "source:generic", "signed")


def test_transition_effects_run_in_the_change_transaction(db_url) -> None:
    seen = []

    def record(conn, lead, plan) -> None:
        seen.append((lead.email, lead.stage, plan.to_stage.value, lead.version))

    with live_app(db_url, features=Features(extra_effects=Effects(transition=(record,)))) as app:
        app.post(event("cto@acme.example", "demo_request", **{**VP, "job_title": "CTO"}))
    assert seen == [("cto@acme.example", "mql", "mql", 2)]


def test_rescoring_decays_engagement_and_rules_change_qualifies(engine, db_url) -> None:
    with live_app(db_url) as app:
        app.post(event("dir@acme.example", "pricing_view", **{**VP, "job_title": "Director"}))
    lead = lead_row(app, "dir@acme.example")
    assert (lead["stage"], lead["engagement_score"]) == ("new", 10)

    default = Qualifier(load_config(None).scoring)
    later = lead["scored_at"] + timedelta(days=27)
    assert rescore_all(UnitOfWork(engine), default, later) == (1, 0)
    assert lead_row(app, "dir@acme.example")["engagement_score"] == 3  # 10 × 0.5^(27/14) ≈ 2.6

    generous_text = (
        "scoring:\n  threshold: {mql: 10}\n  fit:\n    - {label: Director, field: job_title, "
        "regex: director, points: 15}\n"
    )
    generous = Qualifier(parse_config(generous_text).scoring)
    assert rescore_if_rules_changed(UnitOfWork(engine), generous, later) is True
    assert rescore_if_rules_changed(UnitOfWork(engine), generous, later) is False
    moved = lead_row(app, "dir@acme.example")
    assert (moved["stage"], moved["score"]) == ("mql", 15)
