"""The ``routing:`` section: the smallest form, defaults, and mistakes reported by line."""

from __future__ import annotations

import pytest

from bot.config.rules import default_rules_text, parse_config
from bot.config.yaml_places import RulesError

SMALLEST = """
routing:
  teams:
    - name: sales
      mode: round_robin        # claim | round_robin | weighted
      members: [U0ALICE, U0BOB, U0DAN]
"""


def rules(section: str = "", text: str | None = None) -> str:
    """The packaged rules with their (empty) routing section replaced by ``section``."""
    base = default_rules_text() if text is None else text
    assert "routing:\n  teams: []\n" in base
    return base.replace("routing:\n  teams: []\n", "") + section


def problems(section: str) -> list[str]:
    with pytest.raises(RulesError) as caught:
        parse_config(rules(section))
    return caught.value.problems


def test_the_smallest_section_routes_the_sales_channel_to_its_team() -> None:
    config = parse_config(rules(SMALLEST))
    team = config.routing.team_for(None)
    assert team is not None and team.routed and team.name == "sales"
    assert [m.user for m in team.members] == ["U0ALICE", "U0BOB", "U0DAN"]
    assert (team.offer_minutes, team.hot_offer_minutes) == (30, 10)
    assert config.routing.members == {"U0ALICE", "U0BOB", "U0DAN"}


def test_without_the_section_every_lead_is_claimed() -> None:
    assert parse_config(default_rules_text()).routing.team_for(None) is None


def test_claim_is_the_default_mode() -> None:
    config = parse_config(rules("routing:\n  teams: [{name: sales}]\n"))
    team = config.routing.team_for(None)
    assert team is not None and team.mode == "claim" and not team.routed


def test_mistakes_are_named_with_their_line() -> None:
    found = problems(
        """
routing:
  teams:
    - name: sales
      mode: round_robin
      members: [U0ALICE, alice]
      hours: "9-17"
    - name: key
      mode: weighted
      members: []
      timezone: Mars/Base
  accounts: {"Acme.COM": U0DANA}
"""
    )
    assert any(p.startswith("routing.teams[0].members[1].user (line") for p in found)
    assert any("give working hours as" in p for p in found)
    assert any("unknown time zone 'Mars/Base'" in p for p in found)
    assert any(p.startswith("routing.accounts (line") for p in found)


@pytest.mark.parametrize(
    ("section", "message"),
    [
        (
            "routing:\n  teams: [{name: s, mode: round_robin, members: [{user: U0A, weight: 2}]}]",
            "weight only applies to a team in weighted mode",
        ),
        ("routing:\n  teams: [{name: s, mode: weighted}]", "needs at least one member"),
        ("routing:\n  teams: [{name: s}]\n  routes: {Enterprise: s}", "is not the name of a"),
        ("routing:\n  teams: [{name: s}]\n  default_team: nobody", "is not a listed team"),
        ("routing:\n  teams: [{name: s, hot_offer_minutes: 40}]", "must not be above"),
    ],
)
def test_inconsistent_sections_are_refused(section: str, message: str) -> None:
    assert any(message in p for p in problems("\n" + section + "\n"))


def test_routes_hand_their_leads_to_teams() -> None:
    text = default_rules_text().replace(
        "  routes: []",
        "  routes: [{name: Enterprise, min_company_size: 1000, channel: C0ENTERPRISE}]",
    )
    section = "routing:\n  teams: [{name: sales}, {name: big}]\n  routes: {Enterprise: big}\n"
    config = parse_config(rules(section, text))
    assert config.routing.team_for("Enterprise").name == "big"
    assert config.routing.team_for(None).name == "sales"
