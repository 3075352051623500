"""The Slack stand-in, driven over HTTP by the real ``slack_sdk`` clients."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.routing import Mount

from bot.sandbox import FakeSlackServer, Workspace, create_app

TOKEN = "xoxb-sandbox-test"


@pytest.fixture
def slack() -> Iterator[FakeSlackServer]:
    with FakeSlackServer(Workspace.demo(), token=TOKEN) as server:
        yield server


@pytest.fixture
async def client(slack: FakeSlackServer) -> AsyncIterator[AsyncWebClient]:
    yield AsyncWebClient(token=TOKEN, base_url=slack.api_url)


async def test_messages_round_trip_and_every_call_is_recorded(
    slack: FakeSlackServer, client: AsyncWebClient
) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hello*"}}]
    posted = await client.chat_postMessage(channel="#sales", text="hello", blocks=blocks)
    assert posted["channel"] == "C0SALES" and posted["message"]["text"] == "hello"
    assert posted["message"]["blocks"][0]["text"]["text"] == "*hello*"

    updated = await client.chat_update(channel="C0SALES", ts=posted["ts"], text="bye", blocks=[])
    assert updated["ts"] == posted["ts"] and updated["message"]["text"] == "bye"
    reply = await client.chat_postMessage(
        channel="C0SALES", text="in thread", thread_ts=posted["ts"]
    )
    thread = await client.conversations_replies(channel="C0SALES", ts=posted["ts"])
    assert [m["ts"] for m in thread["messages"]] == [posted["ts"], reply["ts"]]
    ephemeral = await client.chat_postEphemeral(channel="C0SALES", user="U0ALICE", text="psst")
    assert ephemeral["message_ts"]

    assert [m.text for m in slack.workspace.messages("C0SALES")] == ["bye", "in thread"]
    assert [e.text for e in slack.workspace.ephemerals(user="U0ALICE")] == ["psst"]
    calls = slack.workspace.calls()
    assert [c.method for c in calls] == [
        "chat.postMessage",
        "chat.update",
        "chat.postMessage",
        "conversations.replies",
        "chat.postEphemeral",
    ]
    assert calls[0].params["blocks"] == blocks and all(c.ok for c in calls)


async def test_slack_errors_have_slacks_shapes(slack: FakeSlackServer) -> None:
    with pytest.raises(SlackApiError) as unknown:
        await AsyncWebClient(token=TOKEN, base_url=slack.api_url).chat_postMessage(
            channel="C0NOPE", text="x"
        )
    assert unknown.value.response.data == {"ok": False, "error": "channel_not_found"}
    with pytest.raises(SlackApiError) as wrong_token:
        await AsyncWebClient(token="xoxb-wrong", base_url=slack.api_url).auth_test()
    assert wrong_token.value.response["error"] == "invalid_auth"


async def test_directory_methods(client: AsyncWebClient) -> None:
    assert (await client.auth_test())["user_id"] == "U0LEADBOT"
    assert (await client.users_info(user="U0ALICE"))["user"]["real_name"] == "Alice Martin"
    assert (await client.usergroups_users_list(usergroup="S0SALES"))["users"] == [
        "U0ALICE",
        "U0BOB",
    ]
    assert (await client.conversations_info(channel="C0SALES"))["channel"]["name"] == "sales"
    names = {c["name"] for c in (await client.conversations_list())["channels"]}
    assert {"marketing", "sales"} <= names


async def test_modals_need_a_fresh_trigger_id(
    slack: FakeSlackServer, client: AsyncWebClient
) -> None:
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Reject lead"}, "blocks": []}
    trigger = slack.workspace.views.issue_trigger_id("U0ALICE")
    opened = await client.views_open(trigger_id=trigger, view=view)
    assert opened["view"]["id"] and opened["view"]["root_view_id"] == opened["view"]["id"]
    with pytest.raises(SlackApiError) as reused:
        await client.views_open(trigger_id=trigger, view=view)
    assert reused.value.response["error"] == "exchanged_trigger_id"

    changed = {**view, "title": {"type": "plain_text", "text": "Rejected"}}
    await client.views_update(view_id=opened["view"]["id"], view=changed)
    (open_view,) = slack.workspace.views.open_views("U0ALICE")
    assert open_view.payload["title"]["text"] == "Rejected"
    with pytest.raises(SlackApiError) as stale:
        await client.views_update(view_id=open_view.id, view=view, hash=opened["view"]["hash"])
    assert stale.value.response["error"] == "hash_conflict"


async def test_rate_limit_reaches_the_client_with_retry_after(
    slack: FakeSlackServer, client: AsyncWebClient
) -> None:
    slack.faults.rate_limit("chat.postMessage", retry_after=7)
    with pytest.raises(SlackApiError) as limited:
        await client.chat_postMessage(channel="C0SALES", text="x")
    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] == "7"
    assert slack.workspace.messages("C0SALES") == []


async def test_the_sdk_retry_handler_rides_out_a_429(slack: FakeSlackServer) -> None:
    slack.faults.rate_limit("chat.postMessage", retry_after=1)
    retrying = AsyncWebClient(
        token=TOKEN, base_url=slack.api_url, retry_handlers=[AsyncRateLimitErrorRetryHandler()]
    )
    started = time.monotonic()
    posted = await retrying.chat_postMessage(channel="C0SALES", text="x")
    assert posted["ok"] and time.monotonic() - started >= 1.0
    assert [c.status for c in slack.workspace.calls("chat.postMessage")] == [429, 200]


async def test_server_errors_and_slowness_on_demand(
    slack: FakeSlackServer, client: AsyncWebClient
) -> None:
    slack.faults.server_error(times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as failed:
            await client.auth_test()
        assert failed.value.response.status_code == 500
    assert (await client.auth_test())["ok"]

    slack.faults.delay(0.5, "chat.postMessage")
    impatient = AsyncWebClient(token=TOKEN, base_url=slack.api_url, timeout=0.1)
    with pytest.raises(TimeoutError):
        await impatient.chat_postMessage(channel="C0SALES", text="slow")
    await slack.workspace.wait_until(lambda: len(slack.workspace.messages("C0SALES")) == 1)


async def test_rate_limit_mode_refuses_more_than_one_message_per_second_per_channel(
    slack: FakeSlackServer, client: AsyncWebClient
) -> None:
    slack.faults.enforce_rate_limit(per_second=1, burst=2)
    outcomes = []
    for _ in range(4):
        try:
            await client.chat_postMessage(channel="C0SALES", text="burst")
            outcomes.append("ok")
        except SlackApiError as exc:
            outcomes.append(exc.response.headers["Retry-After"])
    assert outcomes == ["ok", "ok", "1", "1"]
    assert (await client.chat_postMessage(channel="C0MARKETING", text="other channel"))["ok"]
    assert len(slack.workspace.messages("C0SALES")) == 2


async def test_ambiguous_failure_stores_the_message_and_history_finds_it(
    slack: FakeSlackServer, client: AsyncWebClient
) -> None:
    slack.faults.ambiguous("chat.postMessage")
    metadata = {"event_type": "lead_card", "event_payload": {"dedupe_key": "lead-42-handoff"}}
    with pytest.raises(SlackApiError) as failed:
        await client.chat_postMessage(channel="C0SALES", text="card", metadata=metadata)
    assert failed.value.response.status_code == 500

    history = await client.conversations_history(channel="C0SALES", include_all_metadata=True)
    (found,) = [
        m
        for m in history["messages"]
        if m.get("metadata", {}).get("event_payload") == metadata["event_payload"]
    ]
    assert found["text"] == "card"
    plain = await client.conversations_history(channel="C0SALES")
    assert "metadata" not in plain["messages"][0]


async def test_waiting_for_calls_and_watching_changes(slack: FakeSlackServer) -> None:
    seen = []
    unsubscribe = slack.workspace.subscribe(lambda change: seen.append(change.kind))
    sync_client = WebClient(token=TOKEN, base_url=slack.api_url)
    sync_client.chat_postMessage(channel="C0SALES", text="one")
    sync_client.chat_postMessage(channel="C0SALES", text="two")
    calls = await slack.workspace.wait_for_calls("chat.postMessage", count=2, timeout=2)
    assert [c.params["text"] for c in calls] == ["one", "two"]
    unsubscribe()
    assert seen == ["message", "call", "message", "call"]
    with pytest.raises(TimeoutError, match=r"chat\.update"):
        await slack.workspace.wait_for_calls("chat.update", timeout=0.1)


async def test_response_urls_answer_in_place_of_the_clicked_message(slack: FakeSlackServer) -> None:
    card = slack.workspace.post("C0SALES", text="card")
    token = slack.workspace.issue_response_token("U0BOB", "C0SALES", card.ts)
    async with httpx.AsyncClient(base_url=slack.response_base) as http:
        only_bob = await http.post(token, json={"text": "only you see this"})
        replaced = await http.post(token, json={"text": "decided", "replace_original": True})
        unknown = await http.post("nope", json={"text": "x"})
    assert (only_bob.text, replaced.text, unknown.status_code) == ("ok", "ok", 404)
    assert [e.text for e in slack.workspace.ephemerals(user="U0BOB")] == ["only you see this"]
    assert slack.workspace.message("C0SALES", card.ts).text == "decided"


async def test_the_api_can_be_mounted_inside_another_app() -> None:
    workspace = Workspace.demo()
    host = Starlette(routes=[Mount("/sandbox/slack", app=create_app(workspace))])
    transport = httpx.ASGITransport(app=host)
    async with httpx.AsyncClient(transport=transport, base_url="http://leadbot.test") as http:
        answer = await http.post(
            "/sandbox/slack/api/chat.postMessage", data={"channel": "C0SALES", "text": "hi"}
        )
    assert answer.json()["ok"] and workspace.messages("C0SALES")[0].text == "hi"
