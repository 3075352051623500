"""Qualification questions at Accept, end to end: signed clicks and modal submissions in,
the decision, its answers, the thread reply, the webhook and ``/leads show`` out."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sqlalchemy import select

from bot.core.qualification import ANSWER_MAX, MISSING, NOT_AN_OPTION, TOO_LONG
from bot.sandbox import View
from bot.sandbox.interactions import input_state
from bot.sandbox.signing import SignedRequest, signed_payload, view_submission_payload
from bot.slack.blocks import ACCEPT_ACTION
from storage.models import Lead, QualificationAnswer, Transition
from tests.support.commands import wait_until
from tests.support.qualification import with_questions
from tests.support.slack import SIGNING_SECRET, SlackApp, demo_request, slack_app
from tests.support.webhooks import FAST as WEBHOOKS_FAST
from tests.support.webhooks import Receiver, config_with, receiving, subscriber

COMPLETE = {
    "budget": "Confirmed",
    "authority": "Yes",
    "need": "<!channel> needs *SSO* & audit logs\nby Q3",
}


def dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def lead_row(app: SlackApp) -> Any:
    with app.services.engine.connect() as conn:
        return conn.execute(select(Lead.__table__)).one()


def stored(app: SlackApp) -> tuple[list[Any], list[Any]]:
    """The lead's transitions and qualification answers, oldest first."""
    with app.services.engine.connect() as conn:
        moves = list(conn.execute(select(Transition.__table__).order_by(Transition.id)))
        answers = conn.execute(
            select(QualificationAnswer.__table__).order_by(QualificationAnswer.position)
        )
        return moves, list(answers)


async def sales_card(app: SlackApp) -> Any:
    await app.ws.wait_for_calls("chat.postMessage", 3)
    (card,) = app.cards("C0SALES")
    return card


async def open_questions(app: SlackApp, user: str, card: Any) -> View:
    """``user`` clicks Accept and gets the questions modal."""
    assert (await app.click(user, card, ACCEPT_ACTION)).status_code == 200
    await app.ws.wait_until(lambda: bool(app.ws.views.open_views(user)))
    (view,) = app.ws.views.open_views(user)
    return view


async def submit(app: SlackApp, user: str, view: View, values: dict[str, str]) -> dict[str, str]:
    """Submit the modal as Slack does; the field errors the app answered with."""
    answer = await app.send(app.people.submit(user, view.id, values))
    assert answer.status_code == 200
    return app.people.settle_submission(view.id, answer.content)


def forged(app: SlackApp, user: str, view: View, state: dict[str, Any]) -> SignedRequest:
    """A submission whose state no Slack client would send (a client may send anything)."""
    ws = app.ws
    payload = view_submission_payload(
        user={"id": user, "name": ws.user(user).name},
        team={"id": ws.team_id, "domain": ws.team_name},
        view=ws.views.get(view.id).to_slack(ws.team_id, ws.app_id, ws.bot_id),
        values=state,
        api_app_id=ws.app_id,
        trigger_id=ws.views.issue_trigger_id(user),
        token=app.people.token,
    )
    return signed_payload(payload, SIGNING_SECRET, path=app.people.path)


async def test_accept_asks_the_questions_and_stores_nothing_until_they_are_answered(
    db_url: str,
) -> None:
    async with slack_app(db_url, config=with_questions()) as app:
        await app.event(demo_request())
        card = await sales_card(app)
        view = await open_questions(app, "U0ALICE", card)

        payload = view.payload
        assert (payload["callback_id"], payload["title"]["text"]) == (
            "lead_qualify_modal",
            "Accept lead",
        )
        inputs = {b["block_id"]: b for b in payload["blocks"] if b["type"] == "input"}
        assert list(inputs) == ["budget", "authority", "need", "timeline"]
        assert [o["value"] for o in inputs["budget"]["element"]["options"]] == [
            "Confirmed",
            "Being discussed",
            "No budget yet",
        ]
        assert inputs["need"]["element"]["max_length"] == ANSWER_MAX
        assert inputs["timeline"]["optional"] and not inputs["budget"].get("optional")
        assert "Jane Doe (Acme)" in dump(payload["blocks"][0])
        assert lead_row(app).stage == "mql"

        errors = await submit(app, "U0ALICE", view, {"budget": "Confirmed"})
        assert errors == {"authority": MISSING, "need": MISSING}
        assert [v.id for v in app.ws.views.open_views("U0ALICE")] == [view.id]
        moves, answers = stored(app)
        assert (lead_row(app).stage, [m.to_stage for m in moves], answers) == ("mql", ["mql"], [])
        assert app.ws.calls("chat.update") == [] and app.ws.ephemerals() == []


async def test_answers_accept_the_lead_and_go_to_the_thread_the_webhook_and_leads_show(
    db_url: str,
) -> None:
    receiver = Receiver()
    with receiving(receiver) as url:
        config = with_questions(config_with([subscriber("crm", f"{url}/crm")]))
        async with slack_app(db_url, config=config, webhooks=WEBHOOKS_FAST) as app:
            await app.event(demo_request())
            card = await sales_card(app)
            view = await open_questions(app, "U0ALICE", card)
            assert await submit(app, "U0ALICE", view, COMPLETE) == {}
            assert app.ws.views.open_views("U0ALICE") == []

            await app.ws.wait_until(lambda: len(app.ws.replies("C0SALES", card.ts)) == 2)
            lead = lead_row(app)
            assert (lead.stage, lead.owner_id) == ("sql", "U0ALICE")
            moves, answers = stored(app)
            accepted = [m for m in moves if m.to_stage == "sql"]
            assert [(m.actor, m.version) for m in accepted] == [("slack:U0ALICE", lead.version)]
            assert [(a.question, a.answer, a.version) for a in answers] == [
                ("budget", "Confirmed", lead.version),
                ("authority", "Yes", lead.version),
                ("need", "<!channel> needs *SSO* & audit logs by Q3", lead.version),
                ("timeline", None, lead.version),
            ]

            reply = dump(app.ws.replies("C0SALES", card.ts)[1].blocks)
            assert "Accepted by <@U0ALICE>" in reply
            assert "*Budget*\\nConfirmed" in reply and "*Timeline*\\n—" in reply
            assert "&lt;!channel&gt; needs \u2217SSO\u2217 &amp; audit logs by Q3" in reply
            assert "<!channel>" not in reply

            def accepted_events() -> list[dict[str, Any]]:
                return [d.event for d in receiver.delivered() if d.type == "lead.accepted"]

            await wait_until(accepted_events, timeout=10)
            (event,) = accepted_events()
            assert event["data"]["qualification"] == [
                {"question": "budget", "label": "Budget", "answer": "Confirmed"},
                {
                    "question": "authority",
                    "label": "Talking to the decision maker?",
                    "answer": "Yes",
                },
                {
                    "question": "need",
                    "label": "Need",
                    "answer": "<!channel> needs *SSO* & audit logs by Q3",
                },
                {"question": "timeline", "label": "Timeline", "answer": None},
            ]

            command = app.people.command("U0BOB", "C0SALES", "/leads", "show jane@acme.example")
            assert (await app.send(command)).status_code == 200
            await app.ws.wait_until(lambda: bool(app.ws.ephemerals(user="U0BOB")))
            shown = dump(app.ws.ephemerals(user="U0BOB")[-1].blocks)
            assert "Qualification" in shown and "*Talking to the decision maker?*\\nYes" in shown
            assert "&lt;!channel&gt; needs" in shown and "<!channel>" not in shown


async def test_of_two_people_submitting_at_once_one_accepts_and_the_other_hears_who(
    db_url: str,
) -> None:
    async with slack_app(db_url, config=with_questions()) as app:
        await app.event(demo_request())
        card = await sales_card(app)
        views = {user: await open_questions(app, user, card) for user in ("U0ALICE", "U0BOB")}
        budgets = {"U0ALICE": "Confirmed", "U0BOB": "No budget yet"}
        submissions = [
            app.people.submit(user, view.id, {**COMPLETE, "budget": budgets[user]})
            for user, view in views.items()
        ]
        answers = await asyncio.gather(*(app.send(s) for s in submissions))
        assert [a.status_code for a in answers] == [200, 200]

        await app.ws.wait_until(lambda: len(app.ws.ephemerals()) == 1)
        winner = lead_row(app).owner_id
        (loser,) = {"U0ALICE", "U0BOB"} - {winner}
        (late,) = app.ws.ephemerals(user=loser)
        assert "already decided" in late.text and f"Accepted by <@{winner}>" in late.text
        moves, stored_answers = stored(app)
        assert [m.actor for m in moves if m.to_stage == "sql"] == [f"slack:{winner}"]
        assert [a.answer for a in stored_answers if a.question == "budget"] == [budgets[winner]]
        await app.ws.wait_until(lambda: len(app.ws.replies("C0SALES", card.ts)) == 2)
        await asyncio.sleep(0.3)  # room for a second reply to show up
        assert len(app.ws.replies("C0SALES", card.ts)) == 2


async def test_answers_no_slack_client_would_send_are_refused_by_the_server(db_url: str) -> None:
    async with slack_app(db_url, config=with_questions()) as app:
        await app.event(demo_request())
        card = await sales_card(app)
        view = await open_questions(app, "U0ALICE", card)
        rendered = app.ws.views.get(view.id).to_slack(app.ws.team_id, app.ws.app_id, "B0")
        state = input_state(rendered["blocks"], {**COMPLETE, "need": "x" * (ANSWER_MAX + 1)})
        state["budget"]["budget"]["selected_option"] = {
            "text": {"type": "plain_text", "text": "Unlimited"},
            "value": "Unlimited",
        }
        answer = await app.send(forged(app, "U0ALICE", view, state))
        assert answer.status_code == 200
        assert app.people.settle_submission(view.id, answer.content) == {
            "budget": NOT_AN_OPTION,
            "need": TOO_LONG,
        }
        moves, answers = stored(app)
        assert (lead_row(app).stage, [m.to_stage for m in moves], answers) == ("mql", ["mql"], [])


async def test_without_questions_accept_stays_one_click(db_url: str) -> None:
    async with slack_app(db_url) as app:
        await app.event(demo_request())
        card = await sales_card(app)
        await app.click("U0ALICE", card, ACCEPT_ACTION)
        await app.ws.wait_until(lambda: len(app.ws.replies("C0SALES", card.ts)) == 2)
        assert lead_row(app).stage == "sql"
        assert app.ws.calls("views.open") == []
        assert "Qualification" not in dump(app.ws.replies("C0SALES", card.ts)[1].blocks)
        assert stored(app)[1] == []
