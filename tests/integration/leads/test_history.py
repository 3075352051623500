"""Leads of history (imported, or long quiet) move with the rules for the reports, silently."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bot.app import app_effects
from bot.config.rules import load_config, parse_config
from bot.leads.events import parse_events
from bot.leads.ingest import apply_batch
from bot.leads.qualify import Qualifier
from bot.leads.rescore import rescore_if_rules_changed
from bot.leads.unit_of_work import UnitOfWork
from storage.lead_import import ImportedLead, upsert_leads
from storage.models import Lead, Outbox
from tests.support.ingest import activity_event

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
#: a VP gets 20 fit points: with these rules a VP with any visit is an MQL
GENEROUS = """
scoring:
  threshold: {mql: 21, announce_within_days: 90}
  fit:
    - {label: VP, field: job_title, regex: '\\bvp\\b', points: 20}
  engagement:
    - {label: Visits, type: page_view, points: 1}
"""


def ingest(work: UnitOfWork, email: str, at: datetime) -> None:
    document = activity_event(email, job_title="VP Sales")
    document["activity"] = {"type": "page_view", "occurred_at": at.isoformat()}
    events = parse_events(document, delivery_id=f"d-{email}", now=NOW)
    with work.begin() as tx:
        apply_batch(tx, [("generic", e) for e in events], NOW, Qualifier(load_config(None).scoring))


def announced(engine: Engine) -> dict[str, int]:
    """Outbox rows queued per lead email."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(Lead.email, func.count(Outbox.id))
            .join(Outbox, Outbox.lead_id == Lead.id, isouter=True)
            .group_by(Lead.email)
        )
        return dict(rows.all())  # type: ignore[arg-type]


def test_a_rules_change_announces_live_leads_only(engine: Engine) -> None:
    config = parse_config(GENEROUS)
    work = UnitOfWork(engine, app_effects(load_config(None)))
    ingest(work, "recent@acme.example", NOW - timedelta(days=3))
    ingest(work, "quiet@acme.example", NOW - timedelta(days=200))
    with engine.begin() as conn:
        upsert_leads(
            conn,
            [
                ImportedLead(
                    "imported@acme.example",
                    {"job_title": "VP Sales"},
                    {},
                    {"page_view": 2},
                    NOW - timedelta(days=1),
                )
            ],
            now=NOW,
        )
    assert sum(announced(engine).values()) == 0  # below the packaged rules' threshold

    assert rescore_if_rules_changed(work, Qualifier(config.scoring), NOW) is True
    with engine.connect() as conn:
        stages = dict(conn.execute(select(Lead.email, Lead.stage)).all())  # type: ignore[arg-type]
    assert set(stages.values()) == {"mql"}  # all of them, for the reports
    queued = announced(engine)
    assert queued["recent@acme.example"] > 0  # cards for the live lead
    assert queued["quiet@acme.example"] == 0  # nothing it did is newer than 90 days
    assert queued["imported@acme.example"] == 0  # history from a CSV


def test_an_imported_lead_that_acts_again_is_live(engine: Engine) -> None:
    config = parse_config(GENEROUS)
    work = UnitOfWork(engine, app_effects(load_config(None)))
    with engine.begin() as conn:
        upsert_leads(
            conn,
            [ImportedLead("back@acme.example", {"job_title": "VP"}, {}, {}, NOW)],
            now=NOW - timedelta(days=400),
        )
    ingest(work, "back@acme.example", NOW - timedelta(days=1))
    rescore_if_rules_changed(work, Qualifier(config.scoring), NOW)
    assert announced(engine)["back@acme.example"] > 0
