"""The demo's sample leads, sent signed to a live server, end where each says it will.

The expectations are written against the packaged rules; if someone retunes
``bot/config/defaults/rules.yaml``, this test says which sample lead no longer
shows what it was chosen to show.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
from sqlalchemy import select
from typer.testing import CliRunner

from bot.app import Features, create_app
from bot.cli.main import app as cli
from bot.config.settings import Settings
from bot.demo.leads import sample_leads, send_demo
from bot.runtime.serving import ThreadedServer
from storage.db import make_engine
from storage.models import Lead

STAGE = {"mql": "mql", "disqualified": "disqualified", "below threshold": "new"}


def _server(tmp_path: Path, sqlite_template: Path) -> tuple[ThreadedServer, Settings]:
    database = shutil.copy(sqlite_template, tmp_path / "leadbot.db")
    settings = Settings(database_url=f"sqlite:///{database}")
    ingest_only = Features(slack=False, webhooks=False, sandbox=False)
    return ThreadedServer(create_app(settings, features=ingest_only)), settings


def test_each_sample_lead_ends_as_intended_under_the_default_rules(
    tmp_path: Path, sqlite_template: Path
) -> None:
    server, settings = _server(tmp_path, sqlite_template)
    with server, httpx.Client(timeout=10) as client:
        responses = send_demo(client, server.url, settings.effective_webhook_secret())
    assert all(r.status_code == 202 for r in responses)

    engine = make_engine(settings.database_url)
    with engine.connect() as conn:
        stored = {row.email: row for row in conn.execute(select(Lead))}
    engine.dispose()
    leads = sample_leads()
    mqls = {lead.email for lead in leads if lead.expect == "mql"}
    assert {lead.email: stored[lead.email].stage for lead in leads} == {
        lead.email: STAGE[lead.expect] for lead in leads
    }
    assert {email: stored[email].hot for email in mqls} == {
        lead.email: lead.hot for lead in leads if lead.email in mqls
    }
    expects = [lead.expect for lead in leads]
    assert expects.count("mql") >= 5 and sum(lead.hot for lead in leads) >= 2
    assert {"disqualified", "below threshold"} <= set(expects)
    reasons = {
        stored[lead.email].disqualify_reason for lead in leads if lead.expect == "disqualified"
    }
    assert len(reasons) == 3  # personal email, competitor, outside the service area


def test_the_demo_command_reports_progress_and_where_to_watch(
    tmp_path: Path, sqlite_template: Path
) -> None:
    server, _ = _server(tmp_path, sqlite_template)
    with server:
        result = CliRunner().invoke(
            cli, ["demo", "--url", server.url, "--count", "3", "--pause", "0"]
        )
    assert result.exit_code == 0, result.output
    assert f"{server.url}/sandbox" in result.output
    assert "Sending 3 sample leads to" in result.output
    assert "Maria Schmidt" in result.output and "expect MQL (hot)" in result.output
    assert "Done: 1 MQL card (1 hot)" in result.output


def test_the_demo_command_explains_an_unreachable_server() -> None:
    result = CliRunner().invoke(cli, ["demo", "--url", "http://127.0.0.1:9", "--count", "1"])
    assert "Sending 1 sample lead to" in result.output
    assert result.exit_code == 1 and "Is the server running?" in result.output
