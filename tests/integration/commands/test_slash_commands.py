"""``/leads`` end to end: signed slash commands in, answers through the response URL out."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.leads.forget import NOT_SENT
from bot.slack.blocks import ACCEPT_ACTION
from storage.models import Event, Lead, Outbox, Transition
from tests.support.commands import ADMIN, NOW, OUTSIDER, commands_app, seed
from tests.support.leads import store_scored_lead
from tests.support.slack import demo_request


def everything(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


async def test_help_typos_and_bad_arguments_get_usage_in_the_acknowledgement(db_url: str) -> None:
    async with commands_app(db_url) as app:
        helped = (await app.command("")).json()
        assert "`/leads pending`" in helped["text"] and "`/leads forget <email>`" in helped["text"]
        assert all(f"/leads {sub}" in helped["text"] for sub in ("show", "stats", "digest"))

        typo = (await app.command("pendng")).json()
        assert "Did you mean `pending`?" in typo["text"]

        bad = (await app.command("stats 12d")).json()
        assert "`12d` is not a period" in bad["text"] and "[7d|30d|90d|quarter]" in bad["text"]

        mention = (await app.command("assign cy@ads.example @cy")).json()
        assert "not a Slack user" in mention["text"]

        assert app.ws.ephemerals() == []  # usage went in the acknowledgements

        hostile = await app.answer("show <!channel>")
        assert "No lead matches" in hostile.text and "&lt;!channel&gt;" in hostile.text
        assert "<!channel>" not in everything(hostile.blocks)


async def test_pending_lists_mqls_with_a_link_to_their_card(db_url: str) -> None:
    async with commands_app(db_url) as app:
        seed(app.services.engine, app.ws)
        answer = await app.answer("pending")
        text = everything(answer.blocks)
        assert "Awaiting a decision (1)" in text
        card = app.ws.messages("C0SALES")[0]
        assert f"https://leadbot.slack.com/archives/C0SALES/p{card.ts.replace('.', '')}" in text
        assert "Cy Tester (Cy GmbH)" in text


async def test_public_answers_are_posted_in_the_channel(db_url: str) -> None:
    async with commands_app(db_url) as app:
        seed(app.services.engine, app.ws)
        response = await app.command("pending public")
        assert response.status_code == 200
        await app.ws.wait_until(lambda: len(app.posted()) == 2)
        assert "Awaiting a decision" in everything(app.posted()[-1].blocks)
        assert app.ws.ephemerals() == []


async def test_show_search_mine_and_explain(db_url: str) -> None:
    async with commands_app(db_url) as app:
        seed(app.services.engine, app.ws)
        shown = everything((await app.answer("show ada@webinar.example")).blocks)
        assert "Ada Tester" in shown and "Target country" in shown
        assert "mql → sql by <@U0ALICE>" in shown and "sql → won by source:crm" in shown

        by_name = everything((await app.answer("show Ben")).blocks)
        assert "competitor" in by_name

        found = everything((await app.answer("search GMBH")).blocks)
        assert found.count("GmbH") == 7

        mine = everything((await app.answer("mine", user="U0BOB")).blocks)
        assert "Your SQLs (1)" in mine and "Gus Tester" in mine

        explained = everything((await app.answer("explain cy@ads.example")).blocks)
        assert "Why cy@ads.example scores" in explained

        missing = everything((await app.answer("explain nobody@example.com")).blocks)
        assert "I know no lead nobody@example.com" in missing


async def test_explain_names_rules_by_label_and_reads_their_conditions(db_url: str) -> None:
    async with commands_app(db_url) as app:
        profile = {"job_title": "VP Sales", "company_size": 300, "country": "DE"}
        store_scored_lead(app.services.engine, NOW, activity="demo_request", age=timedelta(0),
                   email="vp@initech.example", company="Initech", **profile)  # fmt: skip
        explained = await app.answer("explain vp@initech.example")
    [head, *sections] = [b["text"]["text"] for b in explained.blocks if b["type"] == "section"]
    assert head == "*Why vp@initech.example scores 85* (fit 45 · engagement 40)"
    fit, engagement, hot = sections
    assert fit.startswith("*Fit 45*\n")
    assert (
        "• VP or head of department (+20) — job title mentions vp, svp, evp, vice president "
        "or head of"
    ) in fit
    assert "• Upper mid-market (200–999) (+15) — 200 ≤ company size &lt; 1000" in fit
    assert "• Target country (+10) — country is one of US, CA, GB, IE, DE, AT, … (16 in all)" in fit
    assert engagement.startswith("*Engagement 40*\n• Demo request (+40)")
    assert hot.startswith("*Hot 🔥*\n• Asked for a demo or a call this week")
    shown = everything(explained.blocks)
    assert "**" not in shown and "\\\\b" not in shown and "fit ·" not in shown


async def test_stats_show_the_funnel_with_value_per_source(db_url: str) -> None:
    async with commands_app(db_url) as app:
        seed(app.services.engine, app.ws)
        stats = everything((await app.answer("stats 7d")).blocks)
        assert (
            "*4 new leads* → *3 MQLs* (75%) → *1 SQL* (33% of those decided) → "
            "*1 won* (100% of deals closed)"
        ) in stats
        assert "*Median time to decision*\\n10 h" in stats
        assert "*SLA breaches*\\n3, 1 of them still waiting" in stats
        assert "webinar: 2 leads · 2 MQLs · 1 SQL · 1 won for 1,000 EUR · 500 EUR per lead" in stats
        assert "ads: 2 leads · 1 MQL · 0 SQLs · none won" in stats
        assert "autumn: 2 leads" in stats
        assert "Competitor: 1" in stats and "not ready: 1" in stats  # as the modal, or as typed
        assert (
            "Won 1 of 1 closed deal (100%) for 1,000 EUR; "
            "100% of the customers won began as marketing leads."
        ) in stats
        assert "• MQL: 10 h" in stats


async def test_stats_of_a_quiet_period_read_as_sentences(db_url: str) -> None:
    async with commands_app(db_url) as app:
        stats = everything((await app.answer("stats 7d")).blocks)
    assert "*0 new leads* → *0 MQLs* (no new leads) → *0 SQLs* (none decided yet)" in stats
    assert "*0 won* (no deal closed yet)" in stats
    assert "*MQL → SQL*\\nnone decided yet" in stats and "*SLA breaches*\\nnone" in stats
    assert "No deal was closed in this period." in stats
    assert "—" not in stats and "0/lead" not in stats and "for 0" not in stats


async def test_deciders_recycle_disqualify_and_assign_others_are_refused(db_url: str) -> None:
    async with commands_app(db_url) as app:
        seed(app.services.engine, app.ws)
        refused = (await app.command("recycle cy@ads.example later", user=OUTSIDER)).json()
        assert "Only the people set up as deciders" in refused["text"]

        moved = everything((await app.answer("recycle cy@ads.example not now")).blocks)
        assert "cy@ads.example is now recycled: not now" in moved
        illegal = everything((await app.answer("recycle cy@ads.example again")).blocks)
        assert "Not done: the lead is already recycled." in illegal
        gone = everything((await app.answer("disqualify eve@ads.example spam")).blocks)
        assert "is now disqualified: spam" in gone
        handed = everything((await app.answer("assign gus@ads.example <@U0ALICE|alice>")).blocks)
        assert "now belongs to <@U0ALICE>" in handed

        with app.services.engine.connect() as conn:
            lead = conn.execute(select(Lead.__table__).where(Lead.id == 3)).mappings().one()
            last = (
                conn.execute(
                    select(Transition.__table__)
                    .where(Transition.lead_id == 3)
                    .order_by(Transition.id.desc())
                )
                .mappings()
                .first()
            )
            owner = conn.execute(select(Lead.owner_id).where(Lead.id == 7)).scalar_one()
        assert lead["stage"] == "recycled" and last["actor"] == "slack:U0ALICE"
        assert owner == "U0ALICE"


async def test_assigning_an_mql_accepts_it_for_that_person(db_url: str) -> None:
    async with commands_app(db_url) as app:
        seed(app.services.engine, app.ws)
        done = everything((await app.answer("assign cy@ads.example <@U0BOB|bob>")).blocks)
        assert "cy@ads.example is accepted and assigned to <@U0BOB>" in done
        refused = everything((await app.answer("assign eve@ads.example <@U0BOB>")).blocks)
        assert "Not done: cannot move a lead from new to sql" in refused
        with app.services.engine.connect() as conn:
            cy = conn.execute(select(Lead.stage, Lead.owner_id).where(Lead.id == 3)).one()
            move = conn.execute(
                select(Transition.actor, Transition.reason)
                .where(Transition.lead_id == 3)
                .order_by(Transition.id.desc())
            ).first()
        assert tuple(cy) == ("sql", "U0BOB")
        assert tuple(move) == ("slack:U0ALICE", "assigned by slack:U0ALICE")


async def test_forget_is_for_admins_and_keeps_the_facts(db_url: str) -> None:
    async with commands_app(db_url) as app:
        seed(app.services.engine, app.ws)
        for user in ("U0ALICE", OUTSIDER):
            refused = (await app.command("forget ada@webinar.example", user=user)).json()
            assert "Only leadbot admins" in refused["text"]

        done = everything((await app.answer("forget ada@webinar.example", user=ADMIN)).blocks)
        assert "Erased the personal data of lead 1" in done
        with app.services.engine.connect() as conn:
            ada = conn.execute(select(Lead.__table__).where(Lead.id == 1)).mappings().one()
            notes = conn.execute(select(Transition.note).where(Transition.lead_id == 2)).all()
            moves = conn.execute(select(Transition.actor).where(Transition.lead_id == 1)).all()
            payloads = conn.execute(select(Event.payload).where(Event.lead_id == 1)).all()
        assert ada["email"] == "erased-1@erased.invalid" and ada["first_name"] is None
        assert ada["company"] is None and ada["attributes"] == {} and ada["erased_at"]
        assert (ada["stage"], ada["score"], ada["source"], ada["deal_amount"]) == (
            "won",
            60,
            "webinar",
            1000.0,
        )
        assert [m.actor for m in moves] == ["rules", "slack:U0ALICE", "source:crm"]
        assert notes == [(None,), ("called twice",)]  # other leads keep theirs
        assert payloads == [({},)]
        shown = everything((await app.answer("show erased-1@erased.invalid")).blocks)
        assert "personal data erased" in shown and "Ada" not in shown


def outbox_rows(app) -> int:
    with app.services.engine.connect() as conn:
        return len(conn.execute(select(Outbox.id)).all())


async def test_forget_replaces_what_was_posted_in_slack_and_cancels_the_rest(db_url: str) -> None:
    async with commands_app(db_url) as app:
        assert (await app.event(demo_request(first_name="Jane", company="Acme"))).is_success
        await app.ws.wait_for_calls("chat.postMessage", 3)  # marketing, sales, urgent
        (card,) = app.cards("C0SALES")
        assert (await app.click("U0ALICE", card, ACCEPT_ACTION)).status_code == 200
        await app.ws.wait_until(lambda: len(app.ws.replies("C0SALES", card.ts)) == 2)
        await app.ws.wait_for_calls("chat.update", 3)
        # a reminder that has not gone out yet must never go out: due in an hour by the
        # outbox worker's clock, which is the real one (NOW, the app's, lies in the past)
        later = datetime.now(UTC) + timedelta(hours=1)
        with app.services.engine.begin() as conn:
            conn.execute(
                Outbox.__table__.insert(),
                [{"kind": "slack", "target": "C0SALES", "dedupe_key": "late-reminder",
                  "lead_id": 1, "status": "pending", "attempts": 0, "result": {},
                  "payload": {"method": "chat.postMessage", "args": {"text": "Jane waits"}},
                  "next_attempt_at": later, "created_at": NOW}],
            )  # fmt: skip

        answer = await app.answer("forget jane@acme.example", user=ADMIN)
        assert "the 4 Slack messages about it will show an erasure notice" in answer.text

        await app.ws.wait_for_calls("chat.update", 3 + 4)
        everywhere = [
            message
            for channel in ("C0MARKETING", "C0SALES", "C0URGENT")
            for message in app.ws.messages(channel)
        ]
        assert len(everywhere) == 4  # three cards and the decision reply under the sales card
        for message in everywhere:
            shown = message.text + everything(message.blocks)
            assert "Lead 1: personal data erased on request" in shown
            assert not any(word in shown for word in ("Jane", "Acme", "jane@acme.example"))
        with app.services.engine.connect() as conn:
            late = conn.execute(
                select(Outbox.status, Outbox.last_error, Outbox.payload).where(
                    Outbox.dedupe_key == "late-reminder"
                )
            ).one()
        assert tuple(late) == ("dead", NOT_SENT, {})
        assert "Jane waits" not in json.dumps([c.params for c in app.ws.calls()])

        queued = outbox_rows(app)
        again = await app.answer("forget erased-1@erased.invalid", user=ADMIN)
        assert "Lead 1's personal data was already erased" in again.text
        assert outbox_rows(app) == queued  # nothing to replace twice
        assert len(app.ws.calls("chat.update")) == 7


async def test_digest_preview_answers_privately(db_url: str) -> None:
    async with commands_app(db_url) as app:
        seed(app.services.engine, app.ws)
        preview = everything((await app.answer("digest")).blocks)
        assert "Daily lead digest · Mon 23 Nov" in preview
        assert app.posted() == [app.ws.messages("C0SALES")[0]]  # nothing posted
