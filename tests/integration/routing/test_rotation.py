"""The rotation through signed requests: weights, who is skipped, and no flood on return."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx

from bot.demo.leads import SampleLead, sample_leads, send_demo
from tests.support.ingest import SECRET
from tests.support.routing import TEAM, command, events, offered, routed_config, team_workspace
from tests.support.slack import SlackApp, demo_request, slack_app

MONDAY_8_UTC = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def demo_mqls(count: int, batch: str) -> list[SampleLead]:
    """``count`` leads the demo turns into MQLs, each with an address of its own."""
    mqls = [lead for lead in sample_leads() if lead.expect == "mql"]
    chosen = []
    for n in range(count):
        lead = mqls[n % len(mqls)]
        local, domain = lead.email.split("@")
        profile = {**lead.profile, "email": f"{local}.{batch}{n}@{domain}"}
        chosen.append(replace(lead, profile=profile))
    return chosen


async def send(app: SlackApp, leads: list[SampleLead]) -> None:
    before = len(offered(app))
    with httpx.Client(timeout=10) as client:
        answers = send_demo(client, app.url, SECRET, leads=leads)
    assert all(answer.status_code == 202 for answer in answers)
    await app.ws.wait_until(lambda: len(offered(app)) == before + len(leads))


def spread(names: list[str]) -> list[int]:
    counts = Counter(names)
    return [counts[user] for user in TEAM]


async def test_thirty_demo_mqls_go_round_robin_and_an_absent_rep_is_not_flooded_on_return(
    db_url: str,
) -> None:
    async with slack_app(db_url, slack=team_workspace(), config=routed_config()) as app:
        await send(app, demo_mqls(30, "a"))
        assert spread(offered(app)) == [10, 10, 10]
        assert offered(app)[:6] == TEAM + TEAM

        assert "You are away until `/leads back`" in await command(app, "U0DAN", "away")
        await send(app, demo_mqls(30, "b"))
        assert spread(offered(app)[30:]) == [15, 15, 0]

        assert "You are back" in await command(app, "U0DAN", "back")
        await send(app, demo_mqls(6, "c"))
        # the rotation goes on from where it stands: Dan gets his share, not the 15 he missed
        assert spread(offered(app)[60:]) == [2, 2, 2]


async def test_weights_share_the_leads_and_spread_them_out(db_url: str) -> None:
    routing = {
        "teams": [
            {
                "name": "sales",
                "mode": "weighted",
                "members": ["U0ALICE", {"user": "U0BOB", "weight": 2}, "U0DAN"],
            }
        ]
    }
    async with slack_app(db_url, slack=team_workspace(), config=routed_config(routing)) as app:
        for n in range(8):
            assert (await app.event(demo_request(f"w{n}@acme{n}.example"))).is_success
        await app.ws.wait_until(lambda: len(offered(app)) == 8)
        assert offered(app) == ["U0BOB", "U0ALICE", "U0BOB", "U0DAN"] * 2


async def test_away_at_cap_and_off_hours_reps_are_skipped(db_url: str) -> None:
    routing = {
        "teams": [
            {
                "name": "sales",
                "mode": "round_robin",
                "members": [
                    "U0ALICE",
                    {"user": "U0BOB", "hours": "09:00-17:00", "timezone": "Europe/Berlin"},
                    {"user": "U0DAN", "daily_cap": 2},
                ],
            }
        ]
    }
    async with slack_app(db_url, slack=team_workspace(), config=routed_config(routing)) as app:
        app.set_clock(MONDAY_8_UTC - timedelta(hours=1))  # 08:00 in Berlin: Bob starts at 9
        assert "away until" in await command(app, "U0ALICE", "away until 2026-11-30")
        for n in range(3):
            assert (await app.event(demo_request(f"s{n}@acme{n}.example"))).is_success
        await app.ws.wait_until(lambda: len(events(app, "fallback")) == 1)
        assert offered(app) == ["U0DAN", "U0DAN"]  # the third: Dan at his cap, nobody left
        await app.ws.wait_until(lambda: len(app.ws.messages("C0ESCALATION")) == 1)
        assert "nobody on the team was available" in app.ws.messages("C0ESCALATION")[0].text

        app.set_clock(MONDAY_8_UTC + timedelta(hours=1))  # 10:00 in Berlin
        assert (await app.event(demo_request("s3@acme3.example"))).is_success
        assert "You are back" in await command(app, "U0ALICE", "back")
        for n in (4, 5):
            assert (await app.event(demo_request(f"s{n}@acme{n}.example"))).is_success
        await app.ws.wait_until(lambda: len(offered(app)) == 5)
        assert offered(app)[2:] == ["U0BOB", "U0ALICE", "U0BOB"]

        team = await command(app, "U0CAROL", "team")
        assert "<@U0DAN>: at daily cap · open 2 · today 2/2" in team
        assert "<@U0ALICE>: on · open 1 · today 1" in team
