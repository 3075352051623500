"""Slack's free plan has no user groups: deciders listed by name, and nothing else to change."""

from __future__ import annotations

from bot.config.rules import default_rules_text, parse_config
from bot.slack.blocks import ACCEPT_ACTION
from tests.support.slack import demo_request, handed_over, lead_row, slack_app

#: the free-plan set-up docs/slack.md describes: no user group anywhere
FREE_PLAN = (
    default_rules_text()
    .replace("  sales_mention: S0SALES\n", "  sales_mention: null\n")
    .replace(
        "    users: []\n    groups: [S0SALES]\n", "    users: [U0ALICE, U0CAROL]\n    groups: []\n"
    )
)


async def test_listed_users_decide_and_are_pinged_without_any_user_group(db_url: str) -> None:
    config = parse_config(FREE_PLAN)
    assert (config.slack.sales_mention, config.slack.deciders.groups) == (None, [])
    async with slack_app(db_url, config=config) as app:
        await app.event(demo_request())
        await handed_over(app)
        (sales,) = app.cards("C0SALES")
        assert sales.text.startswith("<@U0ALICE> <@U0CAROL> ")  # who decides is told
        assert "subteam" not in sales.text

        await app.click("U0BOB", sales, ACCEPT_ACTION)  # in the sales group, not listed
        await app.ws.wait_until(lambda: bool(app.ws.ephemerals(user="U0BOB")))
        assert "Only the people set up as deciders" in app.ws.ephemerals(user="U0BOB")[0].text

        await app.click("U0CAROL", sales, ACCEPT_ACTION)
        await app.ws.wait_until(lambda: lead_row(app).stage == "sql")
        assert lead_row(app).owner_id == "U0CAROL"
        assert app.ws.calls("usergroups.users.list") == []  # a paid-plan method, never needed
