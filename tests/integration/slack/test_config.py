"""The ``slack:`` section: defaults that match the sandbox, routing, mistakes named by place."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot.config.rules import RulesError, default_rules_text, load_config, parse_config
from bot.config.slack import SlackConfig

ROUTES = {
    "routes": [
        {"name": "Enterprise", "min_company_size": 1000, "channel": "C0ENT", "mention": "S0ENT"},
        {"name": "DACH", "countries": ["de", "AT", "CH"], "channel": "C0DACH"},
    ]
}


def test_the_packaged_defaults_are_the_sandbox_channels() -> None:
    slack = load_config(None).slack
    assert slack.marketing_channels == ["C0MARKETING"]
    assert (slack.sales_channel, slack.urgent_channel) == ("C0SALES", "C0URGENT")
    assert slack.deciders.groups == ["S0SALES"]


@pytest.mark.parametrize(
    ("lead", "channel", "mention"),
    [
        ({"company_size": 5000, "country": "DE"}, "C0ENT", "S0ENT"),  # first match wins
        ({"company_size": 50, "country": "de"}, "C0DACH", None),
        ({"company_size": None, "country": "FR"}, "C0SALES", "S0SALES"),
        ({}, "C0SALES", "S0SALES"),
    ],
)
def test_routing_picks_the_first_matching_route(lead: dict, channel: str, mention: str) -> None:
    routed = SimpleNamespace(**{"company_size": None, "country": None, "source": None, **lead})
    route = SlackConfig.model_validate(ROUTES).route_for(routed)
    assert (route.channel, route.mention) == (channel, mention)


def test_mistakes_name_their_place() -> None:
    text = default_rules_text().replace("sales_mention: S0SALES", "sales_mention: sales-team")
    text = text.replace("  routes: []", "  routes:\n    - {name: Nothing, channel: C0X}")
    text = text.replace("    hot_reminder_after_minutes: 30", "    hot_reminder_after_minutes: 600")
    with pytest.raises(RulesError) as caught:
        parse_config(text)
    problems = "\n".join(caught.value.problems)
    assert "slack.sales_mention (line" in problems and "user group id" in problems
    assert "slack.routes[0] (line" in problems and "give at least one of" in problems
    assert "slack.sla (line" in problems and "hot_escalate_after_minutes" in problems


@pytest.mark.parametrize(
    ("slack", "mention", "people"),
    [
        ({"deciders": {"users": ["U0ANN"], "groups": []}, "sales_mention": None}, None, ["U0ANN"]),
        ({"deciders": {"users": ["U0ANN"], "groups": []}}, "S0SALES", []),  # the group is pinged
        ({"deciders": {"users": ["U0ANN"], "groups": ["S0X"]}, "sales_mention": None}, None, []),
        ({"deciders": {"users": [], "groups": []}, "sales_mention": None}, None, []),  # anyone
    ],
)
def test_without_user_groups_the_card_pings_the_listed_deciders(
    slack: dict, mention: str | None, people: list[str]
) -> None:
    route = SlackConfig.model_validate(slack).route_for({})
    assert (route.mention, route.people) == (mention, people)
