"""Hostile Slack payloads and hostile lead text, over signed HTTP as Slack sends them.

Slack enforces the modal's note limit and sends the button values leadbot
set, but anyone holding the signing secret (or a modified client) can send
anything: the server holds the limits itself, and answers nonsense politely.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

import pytest
from sqlalchemy import select

from bot.sandbox import SignedRequest
from bot.sandbox.signing import signed_payload
from bot.slack.blocks import ACCEPT_ACTION, NOTE_MAX, REJECT_ACTION
from storage.models import Lead, Transition
from tests.support.slack import SIGNING_SECRET, SlackApp, demo_request, handed_over, slack_app

INVISIBLE = [
    *(chr(c) for c in range(0x202A, 0x202F)),
    *(chr(c) for c in range(0x2066, 0x206A)),
    *(chr(c) for c in range(0x200B, 0x2010)),
]


def tampered(request: SignedRequest, change: Any) -> SignedRequest:
    """``request`` with its interactivity payload changed by ``change``, signed again."""
    payload = json.loads(parse_qs(request.body.decode())["payload"][0])
    change(payload)
    return signed_payload(payload, SIGNING_SECRET)


def stage(app: SlackApp) -> str:
    with app.services.engine.connect() as conn:
        return conn.execute(select(Lead.stage)).scalar_one()


def decisions(app: SlackApp) -> int:
    with app.services.engine.connect() as conn:
        decided = select(Transition.id).where(Transition.actor.like("slack:%"))
        return len(conn.execute(decided).all())


@pytest.mark.parametrize("value", ["٣", "²", "1" * 40, "9" * 5000, "-1", "1.0", " 1", ""], ids=repr)
async def test_a_button_value_that_is_not_a_lead_id_gets_a_polite_answer(db_url, value) -> None:
    async with slack_app(db_url) as app:
        await app.event(demo_request())
        await handed_over(app)
        (card,) = app.cards("C0SALES")
        click = app.people.click("U0ALICE", card.channel, card.ts, ACCEPT_ACTION)

        def set_value(payload: dict[str, Any]) -> None:
            payload["actions"][0]["value"] = value

        answer = await app.send(tampered(click, set_value))
        assert answer.status_code == 200
        await app.ws.wait_until(lambda: bool(app.ws.ephemerals(user="U0ALICE")))
        (reply,) = app.ws.ephemerals(user="U0ALICE")
        assert "does not name a lead" in reply.text
        assert stage(app) == "mql"
        assert decisions(app) == 0


async def test_an_over_long_reject_note_is_refused_in_the_modal(db_url) -> None:
    async with slack_app(db_url) as app:
        await app.event(demo_request())
        await handed_over(app)
        (card,) = app.cards("C0SALES")
        assert (await app.click("U0BOB", card, REJECT_ACTION)).status_code == 200
        await app.ws.wait_until(lambda: bool(app.ws.views.open_views("U0BOB")))
        (view,) = app.ws.views.open_views("U0BOB")
        submit = app.people.submit("U0BOB", view.id, {"reason": "not_a_fit", "note": "short"})

        def long_note(payload: dict[str, Any]) -> None:
            payload["view"]["state"]["values"]["reject_note"]["note"]["value"] = "x" * 2_000_000

        answer = await app.send(tampered(submit, long_note))
        assert answer.status_code == 200
        body = answer.json()
        assert body["response_action"] == "errors"
        assert f"{NOTE_MAX:,}" in body["errors"]["reject_note"]
        assert stage(app) == "mql"

        def note_at_limit(payload: dict[str, Any]) -> None:
            payload["view"]["state"]["values"]["reject_note"]["note"]["value"] = "y" * NOTE_MAX

        answer = await app.send(tampered(submit, note_at_limit))
        assert answer.status_code == 200 and not answer.content.strip()
        await app.ws.wait_until(lambda: stage(app) == "disqualified")


async def test_bidi_overrides_and_invisible_characters_never_reach_slack(db_url) -> None:
    hostile = {
        "first_name": "Ann\u202egnp.exe",
        "last_name": "Lee\u200b\u200d",
        "company": "\u2066Acme\u2069 \u202aLtd\u202c",
        "job_title": "VP\u200f Sales\u200e",
    }
    async with slack_app(db_url) as app:
        await app.event(demo_request(**hostile))
        await handed_over(app)
        calls = app.ws.calls("chat.postMessage")
        assert calls
        for call in calls:
            sent = json.dumps(call.params, ensure_ascii=False)
            assert not [c for c in INVISIBLE if c in sent], call.params["text"]
            assert "Anngnp.exe" in sent and "Acme Ltd" in sent
