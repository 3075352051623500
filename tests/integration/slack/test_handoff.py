"""The handoff end to end: signed webhooks in, Slack cards out, clicks back, over loopback HTTP."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select

from bot.config.rules import load_config
from bot.config.slack import Deciders
from bot.demo.leads import sample_leads, send_demo
from bot.sandbox import FakeSlackServer, Workspace
from bot.slack.blocks import ACCEPT_ACTION, REJECT_ACTION
from storage.models import Outbox, Transition
from tests.support.ingest import SECRET
from tests.support.slack import TOKEN, SlackApp, demo_request, handed_over, lead_row, slack_app


def transitions(app: SlackApp) -> list:
    with app.services.engine.connect() as conn:
        return list(conn.execute(select(Transition.__table__).order_by(Transition.id)))


def dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def mrkdwn_texts(node: object) -> list[str]:
    """Every text Slack parses for mentions and links (``plain_text`` never is)."""
    if isinstance(node, list):
        return [text for item in node for text in mrkdwn_texts(item)]
    if isinstance(node, dict):
        own = [node["text"]] if node.get("type") == "mrkdwn" else []
        return own + [
            t for key, v in node.items() if key != "text" or not own for t in mrkdwn_texts(v)
        ]
    return []


def has_buttons(blocks: list[dict]) -> bool:
    return any(block["type"] == "actions" for block in blocks)


async def test_mql_posts_each_card_once_then_accept_updates_them_in_place(db_url: str) -> None:
    async with slack_app(db_url) as app:
        for _ in range(3):  # the source redelivers the same event
            assert (await app.event(demo_request(), msg_id="evt-1")).is_success
        await handed_over(app)
        await asyncio.sleep(0.3)  # room for any duplicate to show up
        posts = app.ws.calls("chat.postMessage")
        assert sorted(c.params["channel"] for c in posts) == ["C0MARKETING", "C0SALES", "C0URGENT"]
        (sales,) = app.cards("C0SALES")
        assert has_buttons(sales.blocks) and "🔥" in sales.text
        assert "<!subteam^S0SALES>" in sales.text
        assert not has_buttons(app.cards("C0MARKETING")[0].blocks)

        answer = await app.click("U0ALICE", sales, ACCEPT_ACTION)
        assert answer.status_code == 200
        await app.ws.wait_for_calls("chat.update", 3)
        await app.ws.wait_until(lambda: len(app.ws.replies("C0SALES", sales.ts)) == 2)

        lead = lead_row(app)
        assert (lead.stage, lead.owner_id) == ("sql", "U0ALICE")
        assert transitions(app)[-1].actor == "slack:U0ALICE"
        for channel in ("C0MARKETING", "C0SALES", "C0URGENT"):
            (card,) = app.cards(channel)
            assert not has_buttons(card.blocks)
            assert "Accepted by <@U0ALICE>" in dump(card.blocks)
        reply = app.ws.replies("C0SALES", sales.ts)[1]
        assert "Accepted by <@U0ALICE>" in reply.text


async def test_reject_through_the_modal_recycles_or_disqualifies(db_url: str) -> None:
    async with slack_app(db_url) as app:
        await app.event(demo_request("ann@acme.example"))
        await app.event(demo_request("bob@rival.example", company="Rival"))
        await handed_over(app, cards=6)
        for email, reason, stage in [
            ("ann@acme.example", "not_ready", "recycled"),
            ("bob@rival.example", "competitor", "disqualified"),
        ]:
            card = next(c for c in app.cards("C0SALES") if email in dump(c.blocks))
            assert (await app.click("U0BOB", card, REJECT_ACTION)).status_code == 200
            await app.ws.wait_until(lambda: bool(app.ws.views.open_views("U0BOB")))
            (view,) = app.ws.views.open_views("U0BOB")
            submit = app.people.submit("U0BOB", view.id, {"reason": reason, "note": "Q3 *maybe*"})
            answer = await app.send(submit)
            assert answer.status_code == 200
            app.people.settle_submission(view.id, answer.content)
            await app.ws.wait_until(
                lambda c=card: not has_buttons(app.ws.message(c.channel, c.ts).blocks)
            )
            lead = lead_row(app, email)
            assert lead.stage == stage
            last = transitions(app)[-1]
            assert (last.actor, last.reason, last.note) == ("slack:U0BOB", reason, "Q3 *maybe*")
            shown = dump(app.ws.message(card.channel, card.ts).blocks)
            assert "Rejected by <@U0BOB>" in shown and "Q3 \u2217maybe\u2217" in shown


async def test_only_deciders_may_decide_and_late_clicks_name_the_decider(db_url: str) -> None:
    async with slack_app(db_url) as app:
        await app.event(demo_request())
        await handed_over(app)
        (sales,) = app.cards("C0SALES")

        await app.click("U0CAROL", sales, ACCEPT_ACTION)  # marketing, not in S0SALES
        await app.ws.wait_until(lambda: bool(app.ws.ephemerals(user="U0CAROL")))
        assert "Only the people set up as deciders" in app.ws.ephemerals(user="U0CAROL")[0].text
        assert lead_row(app).stage == "mql"

        # Bob's screen still shows the buttons when he clicks, after Alice
        stale = app.people.click("U0BOB", sales.channel, sales.ts, REJECT_ACTION)
        await app.click("U0ALICE", sales, ACCEPT_ACTION)
        await app.ws.wait_until(lambda: lead_row(app).stage == "sql", timeout=5)
        await app.send(stale)
        await app.ws.wait_until(lambda: bool(app.ws.ephemerals(user="U0BOB")))
        (late,) = app.ws.ephemerals(user="U0BOB")
        assert "already decided" in late.text and "Accepted by <@U0ALICE>" in late.text
        assert not app.ws.views.open_views("U0BOB")


async def test_simultaneous_accepts_have_exactly_one_winner(db_url: str) -> None:
    async with slack_app(db_url) as app:
        emails = [f"lead{n}@acme.example" for n in range(3)]
        for email in emails:
            await app.event(demo_request(email))
        await handed_over(app, cards=9)
        for card in app.cards("C0SALES"):
            clicks = [
                app.people.click(u, card.channel, card.ts, ACCEPT_ACTION)
                for u in ("U0ALICE", "U0BOB")
            ]
            answers = await asyncio.gather(*(app.send(click) for click in clicks))
            assert [a.status_code for a in answers] == [200, 200]
        await app.ws.wait_until(lambda: len(app.ws.ephemerals()) == len(emails))
        owners = {lead_row(app, email).owner_id for email in emails}
        assert owners <= {"U0ALICE", "U0BOB"}
        accepted = [t for t in transitions(app) if t.to_stage == "sql"]
        assert len(accepted) == len(emails)
        for late in app.ws.ephemerals():
            assert "already decided" in late.text


async def test_slack_outage_delays_messages_and_never_duplicates_them(db_url: str) -> None:
    slack = FakeSlackServer(Workspace.demo(), token=TOKEN)
    slack.faults.server_error("chat.postMessage", times=4)
    slack.faults.ambiguous("chat.postMessage", times=2)
    async with slack_app(db_url, slack=slack) as app:
        for n in range(3):
            await app.event(demo_request(f"lead{n}@acme.example"))
        await app.ws.wait_until(lambda: len(app.cards("C0SALES")) == 3, timeout=10)
        await app.ws.wait_until(lambda: len(app.cards("C0MARKETING")) == 3, timeout=10)
        await app.ws.wait_until(lambda: len(app.cards("C0URGENT")) == 3, timeout=10)
        await asyncio.sleep(0.3)
        assert [len(app.cards(c)) for c in ("C0MARKETING", "C0SALES", "C0URGENT")] == [3, 3, 3]
        with app.services.engine.connect() as conn:
            statuses = set(conn.execute(select(Outbox.status)).scalars())
        assert statuses == {"done"}


async def test_hostile_lead_fields_reach_slack_escaped(db_url: str) -> None:
    hostile = {
        "first_name": "<!channel>",
        "last_name": "<@U0BOB> *bold* _it_",
        "company": "<https://evil.example|click> & Co " + "x" * 250,
        "job_title": "VP Sales " + "<!here> " * 30,
    }
    async with slack_app(db_url) as app:
        await app.event(demo_request(**hostile))
        await handed_over(app)
        for call in app.ws.calls("chat.postMessage"):
            sent = "\n".join([call.params["text"], *mrkdwn_texts(call.params["blocks"])])
            for raw in ("<!channel>", "<@U0BOB>", "<!here>", "<https://evil"):
                assert raw not in sent
            assert "&lt;!channel&gt;" in sent
            assert call.ok


async def test_sla_reminder_and_escalation_are_sent_once_each(db_url: str) -> None:
    async with slack_app(db_url) as app:
        await app.event(demo_request("waiting@acme.example"))
        await app.event(demo_request("decided@acme.example"))
        await handed_over(app, cards=6)
        decided = next(c for c in app.cards("C0SALES") if "decided@" in dump(c.blocks))
        await app.click("U0ALICE", decided, ACCEPT_ACTION)
        await app.ws.wait_until(lambda: lead_row(app, "decided@acme.example").stage == "sql")
        waiting = next(c for c in app.cards("C0SALES") if "waiting@" in dump(c.blocks))
        start = datetime.now(UTC)
        sla = app.runtime.config.sla  # both leads are hot: a demo request today

        for minutes in (sla.hot_reminder_after_minutes - 1, sla.hot_reminder_after_minutes + 1):
            app.set_clock(start + timedelta(minutes=minutes))
            for _ in range(2):  # two sweeps, as after a restart, queue it once
                await app.slack_component.reminders.run()
        await app.ws.wait_until(lambda: len(app.ws.replies("C0SALES", waiting.ts)) == 2)
        reminder = app.ws.replies("C0SALES", waiting.ts)[1]
        assert reminder.text.startswith("<!subteam^S0SALES> ⏰")
        assert app.ws.messages("C0ESCALATION") == []

        app.set_clock(start + timedelta(minutes=sla.hot_escalate_after_minutes + 1))
        for _ in range(2):
            await app.slack_component.reminders.run()
        await app.ws.wait_until(lambda: len(app.ws.messages("C0ESCALATION")) == 1)
        await asyncio.sleep(0.3)
        (escalated,) = app.ws.messages("C0ESCALATION")
        assert "still undecided" in escalated.text and "Jane Doe" in escalated.text
        assert len(app.ws.replies("C0SALES", waiting.ts)) == 2
        # the decided lead's thread holds only the decision
        assert len(app.ws.replies("C0SALES", decided.ts)) == 2


async def test_an_undecided_mqls_cards_follow_its_score_and_turn_hot(db_url: str) -> None:
    async with slack_app(db_url) as app:
        pricing = demo_request()
        pricing["activity"] = {"type": "pricing_view", "properties": {"path": "/pricing"}}
        assert (await app.event(pricing)).is_success
        await handed_over(app, cards=2)  # marketing notice and sales card; not hot yet
        (sales,) = app.cards("C0SALES")
        assert "🔥" not in sales.text and app.ws.messages("C0URGENT") == []
        before = lead_row(app)
        assert (before.stage, before.hot) == ("mql", False)

        assert (await app.event(demo_request())).is_success  # she now asks for a demo
        await app.ws.wait_until(lambda: len(app.ws.messages("C0URGENT")) == 1)
        await app.ws.wait_for_calls("chat.update", 2)
        after = lead_row(app)
        assert after.hot and after.score > before.score
        (sales,) = app.cards("C0SALES")  # the same card, updated in place
        assert "🔥" in sales.text and has_buttons(sales.blocks)
        assert f"{after.score} (fit" in dump(sales.blocks)
        assert f"{after.score} (fit" in dump(app.cards("C0MARKETING")[0].blocks)
        (urgent,) = app.ws.messages("C0URGENT")
        assert has_buttons(urgent.blocks) and "🔥" in urgent.text

        await app.click("U0ALICE", sales, ACCEPT_ACTION)  # the decision still wins
        await app.ws.wait_until(
            lambda: not any(has_buttons(app.cards(c)[0].blocks) for c in ("C0SALES", "C0URGENT"))
        )


async def test_the_demo_shows_as_many_hot_cards_as_it_announces(db_url: str) -> None:
    leads = sample_leads()
    hot = sum(lead.hot for lead in leads if lead.expect == "mql")
    async with slack_app(db_url) as app:
        with httpx.Client(timeout=10) as client:
            responses = send_demo(client, app.url, SECRET)
        assert all(r.status_code == 202 for r in responses)
        await app.ws.wait_until(lambda: len(app.ws.messages("C0URGENT")) == hot)
        await app.ws.wait_until(
            lambda: sum("🔥" in card.text for card in app.cards("C0SALES")) == hot
        )


async def test_a_slack_outage_at_start_up_still_answers_commands_and_clicks(db_url: str) -> None:
    fake = FakeSlackServer(Workspace.demo(), token=TOKEN)
    fake.faults.server_error(times=None)  # every Web API method, auth.test included
    base = load_config(None)
    deciders = base.slack.model_copy(update={"deciders": Deciders(users=["U0ALICE"])})
    async with slack_app(
        db_url, slack=fake, config=base.model_copy(update={"slack": deciders})
    ) as app:
        assert (await app.event(demo_request())).is_success
        command = app.people.command("U0ALICE", "C0SALES", "/leads", "help")
        assert (await app.send(command)).status_code == 200  # acknowledged, not a 500

        app.slack.faults.clear()  # Slack is back: the queued cards go out
        await handed_over(app)
        (sales,) = app.cards("C0SALES")

        app.slack.faults.server_error(times=None)  # down again while someone clicks
        assert (await app.click("U0ALICE", sales, ACCEPT_ACTION)).status_code == 200
        await app.ws.wait_until(lambda: lead_row(app).stage == "sql")
        app.slack.faults.clear()
        await app.ws.wait_until(lambda: not has_buttons(app.cards("C0SALES")[0].blocks))
