"""Offers end to end: signed webhooks in, offers in Slack, clicks and sweeps moving them on."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.slack.blocks import ACCEPT_ACTION, PASS_ACTION
from tests.support.routing import (
    TEAM,
    card_of,
    command,
    direct_messages,
    events,
    lead_id,
    offered,
    routed_config,
    team_workspace,
)
from tests.support.slack import demo_request, slack_app


def dump(message) -> str:
    return message.text + json.dumps(message.blocks, ensure_ascii=False)


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
        first = await card_of(app, emails[0])
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
        first = await card_of(app, "first@acme.example")
        await app.click("U0BOB", first, ACCEPT_ACTION)  # offered to Alice
        await app.ws.wait_until(lambda: bool(app.ws.ephemerals(user="U0BOB")))
        (refusal,) = app.ws.ephemerals(user="U0BOB")
        assert "offered to <@U0ALICE>" in refusal.text
        await app.click("U0ALICE", first, ACCEPT_ACTION)
        await app.ws.wait_until(lambda: [e.kind for e in events(app)][-1] == "accepted")
        second = await card_of(app, "second@beta.example")
        await app.click("U0CAROL", second, ACCEPT_ACTION)  # an admin, for Bob
        await app.ws.wait_until(lambda: [e.kind for e in events(app)][-1] == "withdrawn")
        accepted = events(app, "accepted")[0]
        assert (accepted.user_id, accepted.lead_id) == (
            "U0ALICE",
            lead_id(app, "first@acme.example"),
        )
        assert events(app, "withdrawn")[0].actor == "slack:U0CAROL"


async def test_pass_and_timeout_move_the_offer_on_until_it_falls_back_to_the_channel(
    db_url: str,
) -> None:
    async with slack_app(db_url, slack=team_workspace(), config=routed_config()) as app:
        start = datetime.now(UTC)
        app.set_clock(start)
        await app.event(demo_request("chain@acme.example"))
        await app.ws.wait_until(lambda: len(direct_messages(app, "U0ALICE")) == 1)
        card = await card_of(app, "chain@acme.example")

        await app.click("U0BOB", card, PASS_ACTION)  # not his to pass
        await app.ws.wait_until(lambda: bool(app.ws.ephemerals(user="U0BOB")))
        assert (
            "offered to <@U0ALICE>; only they can pass" in app.ws.ephemerals(user="U0BOB")[0].text
        )

        await app.click("U0ALICE", direct_messages(app, "U0ALICE")[0], PASS_ACTION)
        await app.ws.wait_until(lambda: len(direct_messages(app, "U0BOB")) == 1)
        await app.ws.wait_until(lambda: "<@U0BOB>" in app.ws.message(card.channel, card.ts).text)
        alice_copy = direct_messages(app, "U0ALICE")[0]
        await app.ws.wait_until(
            lambda: "went to <@U0BOB>" in dump(app.ws.message(alice_copy.channel, alice_copy.ts))
        )
        assert not buttons(app.ws.message(alice_copy.channel, alice_copy.ts))

        app.set_clock(start + timedelta(minutes=9))  # a hot lead's offer lasts 10 minutes
        assert app.routing.sweep.sweep(app.clock()) == 0
        app.set_clock(start + timedelta(minutes=11))
        assert app.routing.sweep.sweep(app.clock()) == 1
        assert app.routing.sweep.sweep(app.clock()) == 0  # a second sweep finds nothing
        await app.ws.wait_until(lambda: len(direct_messages(app, "U0DAN")) == 1)

        await app.click("U0DAN", direct_messages(app, "U0DAN")[0], PASS_ACTION)
        await app.ws.wait_until(lambda: len(app.ws.messages("C0ESCALATION")) == 1)
        notice = app.ws.messages("C0ESCALATION")[0].text
        assert "<@U0ALICE> passed, <@U0BOB> let it time out, <@U0DAN> passed" in notice
        await app.ws.wait_until(
            lambda: PASS_ACTION not in buttons(app.ws.message(card.channel, card.ts))
        )
        claim = app.ws.message(card.channel, card.ts)
        assert claim.text.startswith("<!subteam^S0SALES>") and "Open to everyone here" in dump(
            claim
        )
        assert [e.kind for e in events(app)] == [
            "offered", "passed", "offered", "timed_out", "offered", "passed", "fallback"
        ]  # fmt: skip

        await app.click("U0BOB", claim, ACCEPT_ACTION)  # anyone in the channel may claim it now
        await app.ws.wait_until(
            lambda: "Accepted by <@U0BOB>" in dump(app.ws.message(card.channel, card.ts))
        )
        shown = await command(app, "U0CAROL", "show chain@acme.example")
        for line in (
            "offered to <@U0ALICE>",
            "<@U0ALICE> passed",
            "<@U0BOB> let the offer time out",
            "nobody took it: open to the channel",
            "mql → sql by <@U0BOB>",
        ):
            assert line in shown


async def test_a_lead_from_an_owned_account_goes_to_its_owner_first(db_url: str) -> None:
    config = routed_config(
        {
            "teams": [{"name": "sales", "mode": "round_robin", "members": TEAM}],
            "accounts": {"globex.example": "U0DANA"},
        },
        admins=["U0CAROL"],
    )
    async with slack_app(db_url, slack=team_workspace(), config=config) as app:
        await app.event(demo_request("first@acme.example", company="Acme"))  # Alice's turn
        await app.ws.wait_until(lambda: len(direct_messages(app, "U0ALICE")) == 1)
        await app.click("U0ALICE", direct_messages(app, "U0ALICE")[0], ACCEPT_ACTION)
        await app.ws.wait_until(lambda: [e.kind for e in events(app)][-1] == "accepted")

        await app.event(demo_request("second@acme.example", company="Acme Corp"))
        await app.event(demo_request("cto@globex.example", company="Globex"))
        await app.event(demo_request("new@initech.example", company="Initech"))
        await app.ws.wait_until(lambda: len(app.cards("C0SALES")) == 4)
        assert offered(app) == ["U0ALICE", "U0ALICE", "U0DANA", "U0BOB"]
        acme = dump(await card_of(app, "second@acme.example"))
        assert "Acme Corp already belongs to <@U0ALICE>" in acme
        assert "Globex already belongs to <@U0DANA>" in dump(
            await card_of(app, "cto@globex.example")
        )
        # an account owner's offer is not a turn of the rotation: Bob is next, as before
        assert [e.reason for e in events(app, "offered")][1:3] == [
            "account_owner: Acme Corp",
            "account_owner: Globex",
        ]
        assert "Erased the personal data" in await command(
            app, "U0CAROL", "forget cto@globex.example"
        )
        assert [e.reason for e in events(app, "offered")][1:3] == [
            "account_owner: Acme Corp",
            "account_owner",  # the erased lead's trail keeps no company name
        ]


async def test_stats_show_each_reps_offers(db_url: str) -> None:
    async with slack_app(db_url, slack=team_workspace(), config=routed_config()) as app:
        for n in range(2):
            await app.event(demo_request(f"st{n}@acme{n}.example"))
        await app.ws.wait_until(lambda: len(direct_messages(app, "U0BOB")) == 1)
        await app.click("U0ALICE", direct_messages(app, "U0ALICE")[0], ACCEPT_ACTION)
        await app.click("U0BOB", direct_messages(app, "U0BOB")[0], PASS_ACTION)
        await app.ws.wait_until(lambda: len(events(app)) == 5)
        stats = await command(app, "U0CAROL", "stats 7d")
        assert "<@U0ALICE>: 1 offered · 1 accepted · 0 passed · 0 timed out" in stats
        assert "<@U0BOB>: 1 offered · 0 accepted · 1 passed · 0 timed out" in stats
        assert "<@U0DAN>: 1 offered · 0 accepted" in stats


async def test_unknown_user_ids_are_warned_about_at_start_up(db_url: str, caplog) -> None:
    config = routed_config(
        {"teams": [{"name": "sales", "mode": "round_robin", "members": ["U0ALICE", "U0NOBODY"]}]}
    )
    async with slack_app(db_url, slack=team_workspace(), config=config) as app:
        await app.ws.wait_until(lambda: app.routing.unknown == ["U0NOBODY"])
        assert [c.params["user"] for c in app.ws.calls("users.info")] == ["U0ALICE", "U0NOBODY"]
    assert "routing names a Slack user that does not exist: U0NOBODY" in caplog.text
