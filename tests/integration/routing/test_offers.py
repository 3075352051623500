"""Offers end to end: signed webhooks in, offers in Slack, clicks and sweeps moving them on."""

from __future__ import annotations

import json

from bot.slack.blocks import ACCEPT_ACTION, PASS_ACTION
from tests.support.routing import (
    card_of,
    direct_messages,
    events,
    lead_id,
    offered,
    routed_config,
    team_workspace,
)
from tests.support.slack import demo_request, slack_app


def buttons(message) -> list[str]:
    return [
        element["action_id"]
        for block in message.blocks
        if block["type"] == "actions"
        for element in block["elements"]
    ]


async def test_round_robin_offers_each_mql_to_the_next_rep_by_name_and_direct_message(
    db_url: str,
) -> None:
    async with slack_app(db_url, slack=team_workspace(), config=routed_config()) as app:
        emails = [f"lead{n}@acme{n}.example" for n in range(4)]
        for email in emails:
            assert (await app.event(demo_request(email, company=f"Acme {email[4]}"))).is_success
        await app.ws.wait_until(lambda: len(app.cards("C0SALES")) == 4)
        assert offered(app) == ["U0ALICE", "U0BOB", "U0DAN", "U0ALICE"]
        first = card_of(app, emails[0])
        assert first.text.startswith("<@U0ALICE>") and "<!subteam^S0SALES>" not in first.text
        assert "📨 Offered to <@U0ALICE> · round robin · answer by" in json.dumps(
            first.blocks, ensure_ascii=False
        )
        assert buttons(first) == [ACCEPT_ACTION, PASS_ACTION, "lead_reject"]
        await app.ws.wait_until(lambda: len(direct_messages(app, "U0ALICE")) == 2)
        copy = direct_messages(app, "U0ALICE")[0]
        assert emails[0] in json.dumps(copy.blocks) and buttons(copy) == buttons(first)


async def test_only_the_offered_rep_or_an_admin_may_accept(db_url: str) -> None:
    config = routed_config(admins=["U0CAROL"])
    async with slack_app(db_url, slack=team_workspace(), config=config) as app:
        await app.event(demo_request("first@acme.example"))
        await app.event(demo_request("second@beta.example", company="Beta"))
        await app.ws.wait_until(lambda: len(app.cards("C0SALES")) == 2)
        first = card_of(app, "first@acme.example")
        await app.click("U0BOB", first, ACCEPT_ACTION)  # offered to Alice
        await app.ws.wait_until(lambda: bool(app.ws.ephemerals(user="U0BOB")))
        (refusal,) = app.ws.ephemerals(user="U0BOB")
        assert "offered to <@U0ALICE>" in refusal.text
        await app.click("U0ALICE", first, ACCEPT_ACTION)
        await app.ws.wait_until(lambda: [e.kind for e in events(app)][-1] == "accepted")
        second = card_of(app, "second@beta.example")
        await app.click("U0CAROL", second, ACCEPT_ACTION)  # an admin, for Bob
        await app.ws.wait_until(lambda: [e.kind for e in events(app)][-1] == "withdrawn")
        accepted = events(app, "accepted")[0]
        assert (accepted.user_id, accepted.lead_id) == (
            "U0ALICE",
            lead_id(app, "first@acme.example"),
        )
        assert events(app, "withdrawn")[0].actor == "slack:U0CAROL"
