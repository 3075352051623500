"""The sandbox page's endpoints on a live server: HTML, state, live stream, gestures.

The app behind ``/slack/events`` here is a small Bolt app built for the test,
with the signing secret the sandbox signs with; it talks back to the
stand-in through the Web API mounted at ``/sandbox/api/``, as the Slack
component does in sandbox mode.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from starlette.routing import BaseRoute, Route

from bot.app import Features, create_app
from bot.config.settings import Settings
from bot.runtime.component import Component
from bot.runtime.services import Services
from bot.runtime.serving import ThreadedServer
from bot.sandbox import Workspace
from storage.db import make_engine
from tests.support.servers import free_port
from tests.support.webhooks import wait_until

CARD = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "*Jane Doe* wants a demo"}},
    {
        "type": "actions",
        "elements": [
            {"type": "button", "action_id": "accept", "text": {"type": "plain_text", "text": "OK"}}
        ],
    },
]
MODAL = {
    "type": "modal",
    "callback_id": "why",
    "title": {"type": "plain_text", "text": "Why?"},
    "submit": {"type": "plain_text", "text": "Send"},
    "blocks": [
        {
            "type": "input",
            "block_id": "note",
            "label": {"type": "plain_text", "text": "Note"},
            "element": {"type": "plain_text_input", "action_id": "text"},
        }
    ],
}


@dataclass
class RecordingBolt(Component):
    """A Bolt app at ``/slack/events`` that records what reached its listeners."""

    services: Services
    signing_secret: str | None = None
    seen: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        base = self.services.settings.base_url
        client = AsyncWebClient(token="xoxb-sandbox", base_url=f"{base}/sandbox/api/")
        secret = self.signing_secret or self.services.settings.effective_signing_secret()
        bolt = AsyncApp(signing_secret=secret, client=client)

        @bolt.action("accept")
        async def accept(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
            await ack()
            self.seen.append(body)
            await client.chat_update(
                channel=body["channel"]["id"],
                ts=body["message"]["ts"],
                text="accepted",
                blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "Accepted"}}],
            )
            await client.views_open(trigger_id=body["trigger_id"], view=MODAL)

        @bolt.view("why")
        async def why(ack: Any, view: dict[str, Any]) -> None:
            note = view["state"]["values"]["note"]["text"]["value"] or ""
            if len(note) < 3:
                await ack(response_action="errors", errors={"note": "Say a little more"})
            else:
                await ack()
                self.seen.append(view)

        @bolt.command("/leads")
        async def leads(ack: Any, command: dict[str, Any]) -> None:
            await ack(f"pending for <@{command['user_id']}>: none")

        self._handler = AsyncSlackRequestHandler(bolt)

    def routes(self) -> list[BaseRoute]:
        return [Route("/slack/events", self._handler.handle, methods=["POST"])]


@dataclass
class Live:
    url: str
    http: httpx.Client
    workspace: Workspace
    bolt: list[RecordingBolt]

    def act(self, kind: str, **body: Any) -> httpx.Response:
        return self.http.post(f"{self.url}/sandbox/act/{kind}", json=body)


@pytest.fixture
def live(tmp_path: Path, sqlite_template: Path, request: pytest.FixtureRequest) -> Iterator[Live]:
    """The sandbox and a test Bolt app; ``@pytest.mark.parametrize`` may pass another secret."""
    port = free_port()
    database = shutil.copy(sqlite_template, tmp_path / "leadbot.db")
    settings = Settings(database_url=f"sqlite:///{database}", port=port)
    workspace = Workspace.demo()
    bolts: list[RecordingBolt] = []
    secret = getattr(request, "param", None)

    def bolt(services: Services) -> RecordingBolt:
        bolts.append(RecordingBolt(services, secret))
        return bolts[-1]

    only_the_sandbox = Features(
        slack=False, webhooks=False, sandbox_workspace=workspace, extra=(bolt,)
    )
    app = create_app(settings, engine=make_engine(settings.database_url), features=only_the_sandbox)
    with ThreadedServer(app, port=port) as server, httpx.Client(timeout=10) as http:
        yield Live(server.url, http, workspace, bolts)


def test_the_page_and_its_assets_are_served(live: Live) -> None:
    page = live.http.get(f"{live.url}/sandbox")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "/sandbox/static/sandbox.js" in page.text
    script = live.http.get(f"{live.url}/sandbox/static/sandbox.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert live.http.post(f"{live.url}/sandbox/api/auth.test").json()["ok"] is True


def test_state_shows_threads_and_only_the_viewers_ephemerals(live: Live) -> None:
    card = live.workspace.post("C0SALES", text="card", blocks=CARD)
    live.workspace.post("C0SALES", text="a *reply*", thread_ts=card.ts)
    live.workspace.post_ephemeral("C0SALES", "U0BOB", text="for Bob only")

    def sales(user: str) -> dict[str, Any]:
        state = live.http.get(f"{live.url}/sandbox/state", params={"user": user}).json()
        return next(c for c in state["channels"] if c["id"] == "C0SALES")

    alice = sales("U0ALICE")["messages"]
    assert [m["ts"] for m in alice] == [card.ts]
    assert alice[0]["blocks"][0]["text"]["nodes"][0] == {
        "tag": "b",
        "children": [{"text": "Jane Doe"}],
    }
    assert alice[0]["replies"][0]["nodes"] == [
        {"text": "a "},
        {"tag": "b", "children": [{"text": "reply"}]},
    ]
    bob = sales("U0BOB")["messages"]
    assert [m["ephemeral"] for m in bob] == [False, True]
    assert (
        live.http.get(f"{live.url}/sandbox/state", params={"user": "U0NOBODY"}).status_code == 400
    )


def test_the_stream_delivers_workspace_changes(live: Live) -> None:
    with live.http.stream("GET", f"{live.url}/sandbox/stream") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.iter_lines()
        assert "event: ready" in [next(lines), next(lines)]
        posted = live.workspace.post("C0SALES", text="hello")
        next(line for line in lines if line == "event: change")
        change = json.loads(next(lines).removeprefix("data: "))
    assert change["kind"] == "message" and change["channel"] == "C0SALES"
    assert change["ts"] == posted.ts


def test_a_click_reaches_the_app_signed_and_its_modal_settles(live: Live) -> None:
    card = live.workspace.post("C0SALES", text="card", blocks=CARD)

    clicked = live.act("click", user="U0ALICE", channel="C0SALES", ts=card.ts, action_id="accept")

    assert clicked.json()["ok"] is True and clicked.json()["status"] == 200
    # Bolt answers as soon as the listener acknowledges; the rest of it runs after
    wait_until(lambda: live.workspace.views.open_views("U0ALICE"), timeout=10)
    (seen,) = live.bolt[0].seen
    assert seen["user"]["id"] == "U0ALICE" and seen["actions"][0]["action_id"] == "accept"
    assert live.workspace.message("C0SALES", card.ts).text == "accepted"
    (view,) = live.workspace.views.open_views("U0ALICE")

    refused = live.act("submit", user="U0ALICE", view_id=view.id, values={"text": "no"})
    assert refused.json()["errors"] == {"note": "Say a little more"}
    assert live.workspace.views.open_views("U0ALICE") == [view]

    accepted = live.act("submit", user="U0ALICE", view_id=view.id, values={"text": "good fit"})
    assert accepted.json() == {**accepted.json(), "ok": True, "errors": {}}
    assert live.workspace.views.open_views("U0ALICE") == []
    wait_until(lambda: len(live.bolt[0].seen) == 2, timeout=10)
    assert live.bolt[0].seen[-1]["state"]["values"]["note"]["text"]["value"] == "good fit"


@pytest.mark.parametrize("live", ["not-the-signing-secret"], indirect=True)
def test_the_app_refuses_requests_signed_with_another_secret(live: Live) -> None:
    card = live.workspace.post("C0SALES", text="card", blocks=CARD)
    clicked = live.act("click", user="U0ALICE", channel="C0SALES", ts=card.ts, action_id="accept")
    assert clicked.json() == {**clicked.json(), "ok": False, "status": 401}
    assert live.bolt[0].seen == []


def test_a_slash_command_answer_is_shown_to_its_author_only(live: Live) -> None:
    ran = live.act("command", user="U0BOB", channel="C0SALES", text="/leads pending")
    assert ran.json()["ok"] is True
    (reply,) = live.workspace.ephemerals(user="U0BOB")
    assert reply.text == "pending for <@U0BOB>: none"

    live.act("command", user="U0BOB", channel="C0SALES", text="/nothing here")
    failed = live.workspace.ephemerals(user="U0BOB")[-1].text
    assert failed == '/nothing failed with the error "dispatch_failed"'
    assert live.workspace.ephemerals(user="U0ALICE") == []


def test_bad_gestures_are_refused_with_a_reason(live: Live) -> None:
    assert live.act("command", user="U0BOB", channel="C0SALES", text="hi").status_code == 400
    missing = live.act("click", user="U0ALICE", channel="C0SALES", ts="1.0", action_id="accept")
    assert missing.status_code == 400 and missing.json()["error"] == "message_not_found"
    broken = live.http.post(f"{live.url}/sandbox/act/click", content=b"{")
    assert broken.status_code == 400


async def test_with_a_slack_token_nothing_is_served_under_sandbox(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'leadbot.db'}",
        slack_bot_token="xoxb-real",
        slack_signing_secret="real-secret",
        webhook_secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    )
    app = create_app(settings, features=Features(slack=False, webhooks=False))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://leadbot") as client:
        for path in ("/sandbox", "/sandbox/state?user=U0ALICE", "/sandbox/api/auth.test"):
            assert (await client.get(path)).status_code == 404
