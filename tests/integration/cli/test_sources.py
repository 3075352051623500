"""``leadbot sources`` and ``leadbot demo --source NAME`` as an operator runs them."""

from __future__ import annotations

import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from bot.app import create_app
from bot.cli.main import app as cli
from bot.config.settings import Settings
from bot.runtime.serving import ThreadedServer
from bot.sources.registry import SOURCES
from bot.sources.samples import sample
from tests.support.ingest import INGEST_ONLY, live_app
from tests.support.servers import free_port
from tests.support.sources import SECRETS, deliver, fixture

runner = CliRunner()


def test_sources_lists_urls_states_and_last_deliveries(
    tmp_path: Path, sqlite_template: Path
) -> None:
    database = f"sqlite:///{shutil.copy(sqlite_template, tmp_path / 'leadbot.db')}"
    with live_app(database, features=INGEST_ONLY, **SECRETS) as app:
        deliver(app, "typeform", fixture("typeform", "payload_example_2023_via_triggerdev.json"))
        deliver(app, "segment", fixture("segment", "payload_spec_track_typical.json"))
    env = {
        "LEADBOT_DATABASE_URL": database,
        "LEADBOT_PUBLIC_URL": "https://leads.example.com",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "signing",
        "LEADBOT_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "LEADBOT_TYPEFORM_SECRET": "123456",
        "LEADBOT_SEGMENT_SECRET": "s",
        "LEADBOT_UNBOUNCE_TOKEN": "unbounce-test-token-0123456789",
        "COLUMNS": "200",
    }
    result = runner.invoke(cli, ["sources"], env=env)
    assert result.exit_code == 0, result.output
    rows = {line.split("│")[1].strip(): line for line in result.output.splitlines() if "│" in line}
    assert "https://leads.example.com/webhooks/typeform" in rows["typeform"]
    assert " on " in rows["typeform"] and "UTC" in rows["typeform"]
    assert "(unmapped)" in rows["segment"]
    assert "off: set LEADBOT_TALLY_SECRET" in rows["tally"] and "never" in rows["tally"]
    assert "/webhooks/unbounce/<LEADBOT_UNBOUNCE_TOKEN>" in rows["unbounce"]
    assert "unbounce-test-token" not in result.output


@pytest.mark.parametrize("name", list(SOURCES))
def test_demo_source_reaches_the_sandbox_slack(
    tmp_path: Path, sqlite_template: Path, name: str
) -> None:
    database = shutil.copy(sqlite_template, tmp_path / "leadbot.db")
    port = free_port()
    settings = Settings(database_url=f"sqlite:///{database}", port=port)
    with ThreadedServer(create_app(settings), port=port) as server:
        result = runner.invoke(cli, ["demo", "--source", name, "--url", server.url])
        assert result.exit_code == 0, result.output
        assert "should now be an MQL card" in result.output
        person = sample(name, "any", datetime.now(UTC)).person.split(",")[0]
        assert person in result.output
        assert _card_in_sales(server.url, person), f"no card for {person} in #sales"


def _card_in_sales(url: str, name: str, timeout: float = 15) -> bool:
    """Poll the sandbox page's state until #sales holds a message naming ``name``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = httpx.get(f"{url}/sandbox/state", params={"user": "U0ALICE"}).json()
        sales = next(c for c in state["channels"] if c["id"] == "C0SALES")
        if any(name in str(message) for message in sales["messages"]):
            return True
        time.sleep(0.05)
    return False


def test_demo_source_names_an_unknown_or_switched_off_source() -> None:
    unknown = runner.invoke(cli, ["demo", "--source", "myspace", "--url", "http://127.0.0.1:9"])
    assert unknown.exit_code == 2 and "typeform" in unknown.output
    workspace = {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "signing",
        "LEADBOT_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    }
    off = runner.invoke(
        cli, ["demo", "--source", "tally", "--url", "http://127.0.0.1:9"], env=workspace
    )
    assert off.exit_code == 1 and "LEADBOT_TALLY_SECRET" in off.output


def test_rules_check_covers_the_sources_section(tmp_path: Path) -> None:
    from bot.config.rules import default_rules_text

    good = tmp_path / "good.yaml"
    good.write_text(
        default_rules_text().replace(
            "sources: {}\n",
            "sources:\n  typeform:\n    fields: {role: job_title}\n    source: website\n",
        )
    )
    result = runner.invoke(cli, ["rules", "check", str(good)])
    assert result.exit_code == 0, result.output
    assert "sources.typeform: 1 field mapping, source website" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        default_rules_text().replace("sources: {}\n", "sources:\n  tally:\n    fields: {a: b}\n")
    )
    result = runner.invoke(cli, ["rules", "check", str(bad)])
    assert result.exit_code == 1
    assert "sources.tally.fields.a (line" in result.output and "unknown target 'b'" in result.output
