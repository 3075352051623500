"""Sandbox mode stays on this machine unless told otherwise, and then needs a password.

The sandbox's built-in secrets are public, so a sandbox other machines can
reach must neither take leads signed with them, nor let anyone decide
leads with them, nor show lead data without a password.
"""

from __future__ import annotations

import gc
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import select
from typer.testing import CliRunner

from bot.app import create_app
from bot.cli.main import app as cli
from bot.config.settings import SANDBOX_SIGNING_SECRET, SANDBOX_WEBHOOK_SECRET, Settings
from bot.demo.client import signed_request
from bot.runtime import logs
from bot.runtime.serving import ThreadedServer
from bot.sandbox.signing import block_actions_payload, signed_payload
from bot.slack.blocks import ACCEPT_ACTION
from storage.db import make_engine
from storage.models import Lead
from tests.support.ingest import SECRET
from tests.support.servers import free_port
from tests.support.slack import demo_request
from tests.support.webhooks import wait_until

PASSWORD = "correct horse battery"


@pytest.fixture
def database(tmp_path: Path, sqlite_template: Path) -> str:
    return f"sqlite:///{shutil.copy(sqlite_template, tmp_path / 'leadbot.db')}"


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """``leadbot serve`` runs to the point of listening; where it would listen is recorded.

    The process-wide parts of start-up (log handlers, freezing the heap) are left out.
    """
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda _app, **options: calls.append(options))
    monkeypatch.setattr(logs, "configure_logging", lambda _level: None)
    monkeypatch.setattr(gc, "freeze", lambda: None)
    return calls


def serve(database: str, *args: str, **env: str) -> Any:
    return CliRunner().invoke(cli, ["serve", *args], env={"LEADBOT_DATABASE_URL": database, **env})


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "leadbot.example"])
def test_sandbox_mode_refuses_to_listen_beyond_loopback(database, served, host) -> None:
    result = serve(database, "--host", host)
    assert result.exit_code == 2
    assert "--allow-remote-sandbox" in result.output
    assert served == []


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_sandbox_mode_listens_on_loopback(database, served, host) -> None:
    result = serve(database, "--host", host)
    assert result.exit_code == 0, result.output
    assert [call["host"] for call in served] == [host]


def test_a_remote_sandbox_needs_a_password_and_its_own_webhook_secret(database, served) -> None:
    result = serve(database, "--host", "0.0.0.0", "--allow-remote-sandbox")
    assert result.exit_code == 2
    assert "LEADBOT_SANDBOX_PASSWORD" in result.output
    assert "LEADBOT_WEBHOOK_SECRET" in result.output
    assert served == []


def test_a_remote_sandbox_starts_with_a_loud_warning(database, served) -> None:
    result = serve(
        database,
        "--host",
        "0.0.0.0",
        "--allow-remote-sandbox",
        LEADBOT_SANDBOX_PASSWORD=PASSWORD,
        LEADBOT_WEBHOOK_SECRET=SECRET,
    )
    assert result.exit_code == 0, result.output
    assert [call["host"] for call in served] == ["0.0.0.0"]
    assert "WARNING: the sandbox is open to other machines" in result.output


@pytest.fixture
def remote(database: str) -> Iterator[httpx.Client]:
    """A remote sandbox (served on loopback for the test) and a client without credentials."""
    port = free_port()
    settings = Settings(
        database_url=database,
        port=port,
        allow_remote_sandbox=True,
        sandbox_password=PASSWORD,
        webhook_secret=SECRET,
    )
    app = create_app(settings, engine=make_engine(database))
    with (
        ThreadedServer(app, port=port) as server,
        httpx.Client(base_url=server.url, timeout=10) as client,
    ):
        yield client


def sales_cards(client: httpx.Client) -> list[dict[str, Any]]:
    state = client.get("/sandbox/state", params={"user": "U0ALICE"}, auth=("", PASSWORD)).json()
    return next(c for c in state["channels"] if c["id"] == "C0SALES")["messages"]


def lead_stage(engine: Any) -> str:
    with engine.connect() as conn:
        return str(conn.execute(select(Lead.stage)).scalar_one())


def test_the_remote_sandbox_page_and_state_need_the_password(remote) -> None:
    for path in ("/sandbox", "/sandbox/state?user=U0ALICE", "/sandbox/static/sandbox.js"):
        assert remote.get(path).status_code == 401
        assert remote.get(path, auth=("anyone", "wrong password")).status_code == 401
        assert remote.get(path, auth=("anyone", PASSWORD)).status_code == 200
    assert "Basic" in remote.get("/sandbox").headers["www-authenticate"]
    assert remote.post("/sandbox/act/command", json={}).status_code == 401


def test_the_public_sandbox_secrets_decide_nothing(remote, database) -> None:
    headers, body = signed_request(SANDBOX_WEBHOOK_SECRET, demo_request())
    assert remote.post("/webhooks/generic", content=body, headers=headers).status_code == 401
    headers, body = signed_request(SECRET, demo_request())
    assert remote.post("/webhooks/generic", content=body, headers=headers).status_code == 202
    wait_until(lambda: sales_cards(remote), timeout=15)
    (card,) = sales_cards(remote)

    # a stranger signs an Accept with the public sandbox signing secret
    payload = block_actions_payload(
        user={"id": "U0ALICE", "name": "alice"},
        team={"id": "T0LEADBOT", "domain": "leadbot"},
        channel={"id": "C0SALES", "name": "sales"},
        message={"ts": card["ts"], "text": "", "blocks": []},
        action={"action_id": ACCEPT_ACTION, "type": "button", "value": "1"},
        block_id="lead_decision",
        api_app_id="A0LEADBOT",
        trigger_id="1.2.3",
        response_url="http://127.0.0.1/unused",
        token="unused",
        action_ts="1.0",
    )
    forged = signed_payload(payload, SANDBOX_SIGNING_SECRET)
    assert remote.request(**forged.httpx_kwargs()).status_code == 401
    # nor does the public sandbox bot token open the Web API stand-in
    history = remote.post(
        "/sandbox/api/conversations.history",
        json={"channel": "C0SALES"},
        headers={"Authorization": "Bearer xoxb-sandbox"},
    ).json()
    assert history == {"ok": False, "error": "invalid_auth"}

    # the page itself, with the password, still decides
    clicked = remote.post(
        "/sandbox/act/click",
        json={
            "user": "U0ALICE",
            "channel": "C0SALES",
            "ts": card["ts"],
            "action_id": ACCEPT_ACTION,
        },
        auth=("", PASSWORD),
    )
    assert clicked.json()["ok"] is True, clicked.text
    engine = make_engine(database)
    wait_until(lambda: lead_stage(engine) == "sql", timeout=15)
    engine.dispose()
