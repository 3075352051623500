"""``leadbot forget EMAIL``: the erasure of ``/leads forget`` for whoever runs the server."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from bot.cli.main import app
from bot.sandbox import FakeSlackServer, Workspace
from storage import outbox
from storage.clock import utc_now
from storage.models import Lead, Outbox
from tests.support.delivery import make_worker, running, settled


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("LEADBOT_DATABASE_URL", db_url)
    monkeypatch.setenv("COLUMNS", "200")
    return CliRunner()


def a_lead_with_a_card(engine: Engine) -> None:
    now = utc_now()
    with engine.begin() as conn:
        conn.execute(
            insert(Lead.__table__).values(
                id=7, email="ada@example.com", first_name="Ada", company="Analytical Engines",
                utm={}, attributes={}, score_reasons=[], stage="mql", version=2,
                first_seen_at=now, updated_at=now, mql_at=now,
            )
        )  # fmt: skip
        outbox.enqueue_slack(
            conn,
            dedupe_key="lead:7:card",
            target="C0SALES",
            method="chat.postMessage",
            args={"channel": "C0SALES", "text": "MQL: Ada (Analytical Engines)"},
            lead_id=7,
        )


async def test_forget_on_the_command_line_erases_and_replaces_the_card(
    engine: Engine, cli: CliRunner
) -> None:
    a_lead_with_a_card(engine)
    with FakeSlackServer(Workspace.demo()) as slack:
        async with running(make_worker(engine, slack)):
            await settled(engine)

            unasked = cli.invoke(app, ["forget", "ada@example.com"], input="n\n")
            assert unasked.exit_code == 1 and "This cannot be undone" in unasked.output
            done = cli.invoke(app, ["forget", "ADA@example.com", "--yes"])
            assert done.exit_code == 0, done.output
            assert "Erased the personal data of lead 7" in done.output
            assert "the Slack message about it will show an erasure notice instead" in done.output
            await settled(engine)  # the server's worker picks the update up

        (card,) = slack.workspace.messages("C0SALES")
    assert card.text.startswith("🗑 Lead 7: personal data erased on request")
    with engine.connect() as conn:
        ada = conn.execute(select(Lead.email, Lead.first_name, Lead.company)).one()
        updates = conn.execute(select(Outbox.payload).where(Outbox.dedupe_key.endswith(":erased")))
    assert tuple(ada) == ("erased-7@erased.invalid", None, None)
    assert [p["update_of"] for (p,) in updates] == ["lead:7:card"]

    again = cli.invoke(app, ["forget", "ada@example.com", "--yes"])
    assert again.exit_code == 1 and "no lead has the email address" in again.output
    erased = cli.invoke(app, ["forget", "erased-7@erased.invalid", "--yes"])
    assert erased.exit_code == 0 and "already erased" in erased.output
