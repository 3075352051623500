"""The loop closed end to end: a decision in Slack reaches a CRM signed and once,
and the deal the CRM sends back shows up in value per source."""

from __future__ import annotations

from datetime import timedelta

from bot.app import Features, create_app
from bot.demo.client import signed_request
from bot.digests.numbers import read_funnel
from bot.sandbox import FakeSlackServer, Workspace
from storage.db import make_engine
from tests.support.ingest import SECRET
from tests.support.slack import FAST as SLACK_FAST
from tests.support.slack import TOKEN, demo_request, serving, settings_for
from tests.support.webhooks import FAST as WEBHOOK_FAST
from tests.support.webhooks import Receiver, config_with, receiving, subscriber, wait_until


async def test_slack_decision_reaches_the_crm_and_the_won_deal_comes_back(db_url: str) -> None:
    receiver = Receiver()
    with receiving(receiver) as crm_url:
        fake = FakeSlackServer(Workspace.demo(), token=TOKEN)
        engine = make_engine(db_url)
        app = create_app(
            settings_for(db_url, fake.start()),
            engine=engine,
            config=config_with([subscriber("crm", f"{crm_url}/crm")]),
            features=Features(slack_delivery=SLACK_FAST, webhook_delivery=WEBHOOK_FAST),
        )
        async with serving(app, fake, engine) as (_url, http, people):
            email = "jane@acme.example"
            lead = demo_request(email, source="webinar")
            headers, body = signed_request(SECRET, lead)
            assert (
                await http.post("/webhooks/generic", content=body, headers=headers)
            ).status_code == 202

            await fake.workspace.wait_until(
                lambda: fake.workspace.messages("C0SALES", include_replies=False)
            )
            card = fake.workspace.messages("C0SALES", include_replies=False)[0]
            click = people.click("U0ALICE", card.channel, card.ts, "lead_accept")
            assert (await http.request(**click.httpx_kwargs())).status_code == 200
            wait_until(lambda: len(receiver.delivered()) >= 3)

            won = {"type": "lead.outcome", "lead": {"email": email},
                   "outcome": {"result": "won", "amount": 12000, "currency": "EUR"}}  # fmt: skip
            headers, body = signed_request(SECRET, won)
            assert (
                await http.post("/webhooks/generic", content=body, headers=headers)
            ).status_code == 202
            wait_until(lambda: len(receiver.delivered()) >= 4)

            services = app.state.services
            now = services.clock()
            with engine.connect() as conn:
                funnel = read_funnel(conn, now - timedelta(days=7), now + timedelta(minutes=1),
                                     now=now, sla=services.config.slack.sla)  # fmt: skip

    assert receiver.rejected == []
    events = [d.event for d in receiver.delivered()]
    assert [e["type"] for e in events] == ["lead.mql", "lead.accepted", "lead.assigned", "lead.won"]
    assert len({e["id"] for e in events}) == 4
    accepted = events[1]["data"]
    assert accepted["transition"]["actor"] == "slack:U0ALICE"
    assert accepted["lead"]["owner"] == "U0ALICE"
    webinar = next(b for b in funnel.sources if b.name == "webinar")
    assert (webinar.leads, webinar.won, webinar.revenue) == (1, 1, {"EUR": 12000.0})
    assert webinar.value_per_lead == {"EUR": 12000.0}
