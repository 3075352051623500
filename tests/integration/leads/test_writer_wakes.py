"""The writer wakes the outbox workers after a commit that queued work, and only then."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.config.rules import load_config
from bot.delivery.doorbell import Doorbell
from bot.leads.effects import Effects
from bot.leads.events import parse_events
from bot.leads.ingest import EventWriter
from bot.leads.qualify import Qualifier
from bot.leads.unit_of_work import UnitOfWork
from storage import outbox


def event(email: str, kind: str, n: int) -> dict:
    lead = {"email": email, "job_title": "CTO", "company": "Acme", "company_size": 300,
            "country": "US"}  # fmt: skip
    return {"type": "lead.activity", "id": f"e{n}", "lead": lead, "activity": {"type": kind}}


async def test_workers_are_woken_only_by_batches_that_queued_work(engine) -> None:
    def announce(conn, lead, plan) -> None:
        outbox.enqueue(conn, kind="slack", dedupe_key=f"mql:{lead.id}", target="C0SALES",
                       payload={"lead": lead.id}, lead_id=lead.id)  # fmt: skip

    wakes: list[int] = []
    doorbell = Doorbell()
    doorbell.listen(lambda: wakes.append(1))
    work = UnitOfWork(engine, Effects(transition=(announce,)), doorbell)
    writer = EventWriter(
        work, Qualifier(load_config(None).scoring), clock=lambda: datetime.now(UTC)
    )
    writer.start()
    try:
        now = datetime.now(UTC)
        for n, kind in enumerate(["page_view", "page_view", "demo_request", "page_view"]):
            events = parse_events(event("cto@acme.example", kind, n), delivery_id=f"d{n}", now=now)
            await writer.submit("generic", events)
            assert len(wakes) == (1 if n >= 2 else 0), kind  # the demo request makes an MQL
    finally:
        writer.stop()
