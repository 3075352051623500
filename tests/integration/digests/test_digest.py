"""Scheduled digests: known numbers, equal to ``/leads stats``, sent exactly once."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime

import typer
from sqlalchemy import insert, select
from typer.testing import CliRunner

from bot.cli.digest import digest_app, schedule_app
from bot.config.rules import default_rules_text
from bot.digests.job import send_latest
from bot.sandbox import FakeSlackServer, Workspace
from storage.db import make_engine
from storage.models import DigestRun, Outbox
from tests.support.commands import NOW, commands_app, config_with, seed
from tests.support.slack import TOKEN

DAILY = {"schedules": [{"channel": "C0SALES", "at": "08:00"}]}
WEEKLY = {"schedules": [{"channel": "C0SALES", "edition": "weekly", "at": "08:00"}]}


def fields(blocks: list[dict]) -> dict[str, str]:
    """The headline numbers of a message, label → value without week-over-week changes."""
    found = {}
    for block in blocks:
        for item in block.get("fields", []):
            label, value = item["text"].split("\n", 1)
            found[label.strip("*")] = re.sub(r" \([+-]\d+\)$", "", value)
    return found


def digests(app) -> list:
    return [m for m in app.posted() if "lead digest" in m.text]


def runs(engine) -> list:
    with engine.connect() as conn:
        return list(conn.execute(select(DigestRun.channel, DigestRun.period)))


async def test_the_morning_digest_has_the_known_numbers_and_is_sent_once(db_url: str) -> None:
    fake = FakeSlackServer(Workspace.demo(), token=TOKEN)
    engine = make_engine(db_url)
    seed(engine, fake.workspace)
    engine.dispose()
    async with commands_app(db_url, config=config_with(**DAILY), fake=fake) as app:
        await app.ws.wait_until(lambda: len(digests(app)) == 1)  # the start-up catch-up
        digest = digests(app)[0]
        assert fields(digest.blocks) == {
            "New leads": "4",
            "New MQLs": "3",
            "Accepted": "1",
            "Rejected": "2",
            "Pending now": "1",
            "MQL → SQL": "33%",
            "Median time to decision": "10 h",
            "SLA breaches": "3, 1 of them still waiting",
        }
        text = json.dumps(digest.blocks, ensure_ascii=False)
        assert "Fri 20 Nov 08:00 → Mon 23 Nov 08:00 (UTC)" in text
        assert "🔥 Ada Tester (Ada GmbH)" in text.split("Ben Tester")[0]  # hot first
        card = app.ws.messages("C0SALES")[0]
        assert f"/archives/C0SALES/p{card.ts.replace('.', '')}|Cy Tester" in text
        assert "webinar: 2 leads · 2 MQLs · 1 SQL" in text and "Competitor: 1" in text

        services = app.services
        schedule = services.config.digests.schedules[0]
        sent = await send_latest(services.work, services.config, schedule, None, NOW)
        assert sent is None and len(digests(app)) == 1
        assert runs(services.engine) == [("C0SALES", "daily:2026-11-23")]


async def test_stats_for_the_same_week_match_the_weekly_digest(db_url: str) -> None:
    fake = FakeSlackServer(Workspace.demo(), token=TOKEN)
    engine = make_engine(db_url)
    seed(engine, fake.workspace)
    engine.dispose()
    async with commands_app(db_url, config=config_with(**WEEKLY), fake=fake) as app:
        await app.ws.wait_until(lambda: len(digests(app)) == 1)
        weekly = digests(app)[0]
        assert "Weekly lead digest" in weekly.text
        stats = await app.answer("stats 7d")
        assert fields(stats.blocks) == fields(weekly.blocks)
        assert fields(stats.blocks)["New leads"] == "4"


async def test_two_instances_on_one_database_send_each_digest_once(db_url: str) -> None:
    fake = FakeSlackServer(Workspace.demo(), token=TOKEN)
    config = config_with(**DAILY)
    async with (
        commands_app(db_url, config=config, fake=fake) as first,
        commands_app(db_url, config=config, fake=fake) as second,
    ):
        schedule = config.digests.schedules[0]
        later = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
        results = await asyncio.gather(
            *(
                send_latest(app.services.work, config, schedule, None, later)
                for app in (first, second, first, second)
            )
        )
        assert sum(result is not None for result in results) == 1
        await first.ws.wait_until(lambda: len(digests(first)) == 2)
        await asyncio.sleep(0.3)
        assert len(digests(first)) == 2  # start-up catch-up (Monday) + Tuesday, once each
        assert sorted(p for _, p in runs(first.services.engine)) == [
            "daily:2026-11-23",
            "daily:2026-11-24",
        ]
        with first.services.engine.connect() as conn:
            queued = conn.execute(select(Outbox.dedupe_key).where(Outbox.target == "C0SALES"))
            assert sorted(k for (k,) in queued if k.startswith("digest:")) == [
                "digest:C0SALES:daily:2026-11-23",
                "digest:C0SALES:daily:2026-11-24",
            ]


async def test_after_downtime_only_the_latest_missed_digest_is_sent(db_url: str) -> None:
    fake = FakeSlackServer(Workspace.demo(), token=TOKEN)
    engine = make_engine(db_url)
    with engine.begin() as conn:  # Monday's went out; then the server was down until Wednesday
        conn.execute(
            insert(DigestRun.__table__).values(
                channel="C0SALES", period="daily:2026-11-16", claimed_at=NOW, claimed_by="old"
            )
        )
    engine.dispose()
    async with commands_app(db_url, config=config_with(**DAILY), fake=fake) as app:
        await app.ws.wait_until(lambda: len(digests(app)) == 1)
        await asyncio.sleep(0.3)
        assert len(digests(app)) == 1
        assert "Fri 20 Nov 08:00 → Mon 23 Nov 08:00" in json.dumps(
            digests(app)[0].blocks, ensure_ascii=False
        )
    async with commands_app(db_url, config=config_with(**DAILY)) as again:  # a restart
        await asyncio.sleep(0.5)
        assert digests(again) == []


def test_cli_dry_run_prints_blocks_and_send_claims(db_url: str, tmp_path, monkeypatch) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        default_rules_text().replace(
            "  schedules: []\n", "  schedules:\n    - channel: C0SALES\n      at: '08:00'\n"
        )
    )
    monkeypatch.setenv("LEADBOT_DATABASE_URL", db_url)
    monkeypatch.setenv("LEADBOT_CONFIG", str(rules))
    runner, cli = CliRunner(), typer.Typer()
    cli.add_typer(digest_app, name="digest")
    cli.add_typer(schedule_app, name="schedule")
    dry = runner.invoke(cli, ["digest", "send", "--channel", "C0SALES", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    printed = json.loads(dry.output)
    assert printed["channel"] == "C0SALES" and printed["blocks"][0]["type"] == "header"
    engine = make_engine(db_url)
    assert runs(engine) == []
    sent = runner.invoke(cli, ["digest", "send", "--channel", "C0SALES"])
    assert "Queued the daily:" in sent.output
    again = runner.invoke(cli, ["digest", "send", "--channel", "C0SALES"])
    assert "already sent" in again.output
    assert len(runs(engine)) == 1
    engine.dispose()
    listed = runner.invoke(cli, ["schedule", "list"])
    assert listed.exit_code == 0 and "digest:daily:C0SALES:08:00" in listed.output
    assert "mon,tue,wed,thu,fri" in listed.output
