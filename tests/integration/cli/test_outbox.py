"""``leadbot outbox list|retry``: find what failed for good and send it again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from bot.cli.outbox import outbox_app
from bot.sandbox import FakeSlackServer, Workspace
from storage import outbox
from tests.support.delivery import make_worker, post, running, settled


@pytest.fixture
def slack() -> Iterator[FakeSlackServer]:
    with FakeSlackServer(Workspace.demo()) as server:
        yield server


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("LEADBOT_DATABASE_URL", db_url)
    monkeypatch.setenv("COLUMNS", "200")
    return CliRunner()


async def test_a_dead_item_is_listed_retried_and_then_delivered(
    engine: Engine, slack: FakeSlackServer, cli: CliRunner
) -> None:
    post(engine, "card:1", channel="C0NEWSALES")
    post(engine, "card:2")
    async with running(make_worker(engine, slack)):
        assert await settled(engine) == {"card:1": "dead", "card:2": "done"}

    listed = cli.invoke(outbox_app, ["list", "--status", "dead"])
    assert listed.exit_code == 0, listed.output
    assert "card:1" in listed.output and "channel_not_found" in listed.output
    assert "card:2" not in listed.output
    with engine.connect() as conn:
        [dead] = outbox.list_items(conn, status=outbox.DEAD)

    slack.workspace.add_channel("C0NEWSALES", "new-sales")  # the operator fixed the cause
    retried = cli.invoke(outbox_app, ["retry", str(dead.id)])
    assert retried.exit_code == 0 and f"outbox item {dead.id} queued again" in retried.output
    async with running(make_worker(engine, slack)):
        assert await settled(engine) == {"card:1": "done", "card:2": "done"}
    assert [m.text for m in slack.workspace.messages("C0NEWSALES")] == ["card:1"]


def test_retry_explains_what_it_cannot_do(engine: Engine, cli: CliRunner) -> None:
    post(engine, "card:1")
    with engine.connect() as conn:
        [item] = outbox.list_items(conn)

    unknown = cli.invoke(outbox_app, ["retry", "999"])
    assert unknown.exit_code == 1 and "no outbox item 999" in unknown.output
    not_dead = cli.invoke(outbox_app, ["retry", str(item.id)])
    assert not_dead.exit_code == 1
    assert f"outbox item {item.id} is pending, not dead" in not_dead.output


def test_list_shows_every_status_and_refuses_unknown_ones(engine: Engine, cli: CliRunner) -> None:
    assert "no outbox items" in cli.invoke(outbox_app, ["list"]).output
    post(engine, "card:1")
    listed = cli.invoke(outbox_app, ["list", "--limit", "5"])
    assert listed.exit_code == 0 and "card:1" in listed.output and "pending" in listed.output
    assert cli.invoke(outbox_app, ["list", "--status", "lost"]).exit_code == 2


async def test_list_counts_the_attempt_that_delivered(
    engine: Engine, slack: FakeSlackServer, cli: CliRunner
) -> None:
    slack.faults.server_error("chat.postMessage")
    post(engine, "card:1")
    post(engine, "card:2")
    async with running(make_worker(engine, slack)):
        assert await settled(engine) == {"card:1": "done", "card:2": "done"}

    listed = cli.invoke(outbox_app, ["list"]).output
    rows = [row.split("│") for row in listed.splitlines() if " card:" in row]
    assert sorted(row[6].strip() for row in rows) == ["1", "2"]  # at once, and after a 500
