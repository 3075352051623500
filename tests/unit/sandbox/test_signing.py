"""Requests built as Slack builds them reach the right Bolt listener, and forgeries do not.

Bolt's own Web API and response-URL calls go to the Slack stand-in over HTTP.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.sandbox import FakeSlackServer, Interactions, SignedRequest, Workspace, sign
from bot.slack.blocks import (
    ACCEPT_ACTION,
    REJECT_ACTION,
    REJECT_CALLBACK,
    LeadCard,
    parse_reject_submission,
    reject_modal,
    sales_handoff,
)

SECRET = "test-signing-secret"
TOKEN = "xoxb-sandbox-test"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
CARD = LeadCard(lead_id=42, email="jane@acme.example", first_name="Jane", company="Acme")


@pytest.fixture
def slack() -> Iterator[FakeSlackServer]:
    with FakeSlackServer(Workspace.demo(), token=TOKEN) as server:
        yield server


@pytest.fixture
def people(slack: FakeSlackServer) -> Interactions:
    """Workspace members acting in Slack; replies to response URLs land in the workspace."""
    return Interactions(slack.workspace, SECRET, response_base=slack.response_base)


class Received:
    """What the Bolt listeners were handed."""

    def __init__(self) -> None:
        self.commands: list[dict[str, Any]] = []
        self.actions: list[dict[str, Any]] = []
        self.submissions: list[Any] = []


@pytest.fixture
async def bolt(slack: FakeSlackServer) -> AsyncIterator[tuple[httpx.AsyncClient, Received]]:
    app = AsyncApp(
        signing_secret=SECRET,
        client=AsyncWebClient(token=TOKEN, base_url=slack.api_url),
        process_before_response=True,
    )
    received = Received()

    @app.command("/leads")
    async def leads(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        received.commands.append(command)
        await respond(f"No {command['text']} leads.")

    @app.action(ACCEPT_ACTION)
    async def accept(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        received.actions.append(body)

    @app.action(REJECT_ACTION)
    async def reject(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        received.actions.append(body)
        modal = reject_modal(
            body["actions"][0]["value"],
            CARD,
            channel=body["channel"]["id"],
            message_ts=body["message"]["ts"],
        )
        await client.views_open(trigger_id=body["trigger_id"], view=modal)

    @app.view(REJECT_CALLBACK)
    async def rejected(ack: AsyncAck, view: dict[str, Any]) -> None:
        await ack()
        received.submissions.append(parse_reject_submission(view))

    handler = AsyncSlackRequestHandler(app)

    async def events(request: Request) -> Response:
        return await handler.handle(request)

    asgi = Starlette(routes=[Route("/slack/events", events, methods=["POST"])])
    transport = httpx.ASGITransport(app=asgi)
    async with httpx.AsyncClient(transport=transport, base_url="http://leadbot.test") as client:
        yield client, received


def verifies(request: SignedRequest) -> bool:
    return SignatureVerifier(SECRET).is_valid_request(request.body, request.headers)


async def test_slash_command_form_is_signed_and_dispatched(
    slack: FakeSlackServer, people: Interactions, bolt: tuple[httpx.AsyncClient, Received]
) -> None:
    http, received = bolt
    request = people.command("U0ALICE", "#sales", "/leads", "pending")
    assert verifies(request)
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert (await http.request(**request.httpx_kwargs())).status_code == 200
    (command,) = received.commands
    assert (command["text"], command["user_id"], command["channel_id"]) == (
        "pending",
        "U0ALICE",
        "C0SALES",
    )
    assert command["trigger_id"]
    (reply,) = slack.workspace.ephemerals(user="U0ALICE", channel="C0SALES")
    assert reply.text == "No pending leads."


async def test_button_click_carries_the_message_and_value(
    slack: FakeSlackServer, people: Interactions, bolt: tuple[httpx.AsyncClient, Received]
) -> None:
    http, received = bolt
    card = slack.workspace.post("C0SALES", **sales_handoff(CARD, NOW).as_kwargs())
    request = people.click("U0BOB", "C0SALES", card.ts, ACCEPT_ACTION)
    assert verifies(request) and request.body.startswith(b"payload=")
    assert (await http.request(**request.httpx_kwargs())).status_code == 200
    (body,) = received.actions
    assert body["type"] == "block_actions" and body["user"]["id"] == "U0BOB"
    assert body["container"] == {
        "type": "message",
        "message_ts": card.ts,
        "channel_id": "C0SALES",
        "is_ephemeral": False,
    }
    assert body["message"]["blocks"] == card.blocks
    assert body["actions"][0]["value"] == "42" and body["actions"][0]["block_id"] == "lead_decision"


async def test_reject_opens_the_modal_and_its_submission_is_dispatched(
    slack: FakeSlackServer, people: Interactions, bolt: tuple[httpx.AsyncClient, Received]
) -> None:
    http, received = bolt
    card = slack.workspace.post("C0SALES", **sales_handoff(CARD, NOW).as_kwargs())
    click = people.click("U0BOB", "C0SALES", card.ts, REJECT_ACTION)
    assert (await http.request(**click.httpx_kwargs())).status_code == 200
    (modal,) = slack.workspace.views.open_views("U0BOB")

    submit = people.submit("U0BOB", modal.id, {"reason": "not_ready", "note": " call in Q3 "})
    assert verifies(submit)
    answer = await http.request(**submit.httpx_kwargs())
    assert answer.status_code == 200
    (submission,) = received.submissions
    assert (submission.lead_id, submission.reason, submission.note) == (
        "42",
        "not_ready",
        "call in Q3",
    )
    assert (submission.channel, submission.message_ts) == ("C0SALES", card.ts)
    assert people.settle_submission(modal.id, answer.content) == {}
    assert slack.workspace.views.open_views("U0BOB") == []


async def test_forged_and_replayed_requests_are_refused(
    people: Interactions, bolt: tuple[httpx.AsyncClient, Received]
) -> None:
    http, received = bolt
    genuine = people.command("U0ALICE", "C0SALES", "/leads")
    forged = SignedRequest(
        genuine.path, genuine.headers, genuine.body.replace(b"U0ALICE", b"U0BOB")
    )
    replayed = sign(genuine.body, SECRET, timestamp=1_600_000_000)
    wrong_secret = sign(genuine.body, "not-the-secret")
    for request in (forged, replayed, wrong_secret):
        assert (await http.request(**request.httpx_kwargs())).status_code == 401
    assert received.commands == []
