"""Deliver ``slack`` outbox rows with the Web API, without ever posting a message twice.

Every ``chat.postMessage`` carries its dedupe key in Slack message metadata.
When an earlier attempt may have reached Slack (a 5xx, a timeout, a reset
connection, or an instance that died mid-call), the channel is searched for
that key first and a message found there is recorded instead of re-posted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.engine import Connection, Engine

from bot.delivery.policy import (
    Delivered,
    ErrorClass,
    Outcome,
    Permanent,
    RateLimited,
    Retry,
    Waiting,
    classify_slack_error,
    parse_retry_after,
)
from storage.clock import utc_now
from storage.outbox import DEAD, DONE, OutboxItem, find_item
from storage.slack_messages import PostedMessage, find_message, record_message

log = logging.getLogger(__name__)

POST = "chat.postMessage"
#: ``event_type`` of the metadata that marks messages leadbot posted
METADATA_EVENT = "leadbot_message"
#: how far before a row's creation to search for an earlier copy (clock skew with Slack)
LOOKUP_MARGIN = timedelta(minutes=5)
#: how soon a row waiting for the message it refers to looks again
WAIT_STEP = timedelta(milliseconds=500)


class SlackSender:
    """The ``Sender`` for ``slack`` rows (see ``bot.delivery.worker``)."""

    def __init__(
        self,
        client: AsyncWebClient,
        engine: Engine,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._client = client
        self._engine = engine
        self._clock = clock

    def paced(self, item: OutboxItem) -> bool:
        """Only posting is held to a message per second per channel; updates go at once."""
        return bool(item.payload["method"] == POST)

    async def send(self, item: OutboxItem) -> Outcome:
        method: str = item.payload["method"]
        resolved = await asyncio.to_thread(self._resolve, item)
        if not isinstance(resolved, dict):
            return resolved
        args = {**item.payload["args"], **resolved}
        try:
            if method == POST:
                args["metadata"] = _tagged(args.get("metadata"), item.dedupe_key)
                if item.attempts > 0:
                    found = await self._find_posted(item, args)
                    if found is not None:
                        log.info("outbox item %s was already posted; recorded", item.id)
                        return Delivered(found)
            response = await self._client.api_call(method, json=args)
        except SlackApiError as exc:
            return _failure(exc)
        except (aiohttp.ClientError, TimeoutError) as exc:
            return Retry(f"{type(exc).__name__}: {exc}".strip(": "))
        return Delivered(_result(response.data if isinstance(response.data, dict) else {}))

    def record(
        self, conn: Connection, item: OutboxItem, result: Mapping[str, Any], now: datetime
    ) -> None:
        """Keep a delivered card's ``ts`` so it can be updated in place, and never re-posted."""
        purpose = item.payload.get("purpose")
        message = _posted(result)
        if item.payload["method"] != POST or not purpose or message is None:
            return
        record_message(
            conn,
            dedupe_key=item.dedupe_key,
            lead_id=item.lead_id,
            purpose=purpose,
            message=message,
            now=now,
        )

    def _resolve(self, item: OutboxItem) -> dict[str, str] | Permanent | Waiting:
        """The arguments a ``thread_of``/``update_of`` reference stands for, once known."""
        update_of, thread_of = item.payload.get("update_of"), item.payload.get("thread_of")
        ref = update_of or thread_of
        if ref is None:
            return {}
        with self._engine.connect() as conn:
            message = find_message(conn, ref)
            parent = None if message else find_item(conn, ref)
        if message is None and parent is not None and parent.status == DONE:
            message = _posted(parent.result)
        if message is not None:
            if update_of:
                return {"channel": message.channel, "ts": message.ts}
            return {"channel": message.channel, "thread_ts": message.thread_ts or message.ts}
        if parent is None:
            return Permanent(f"refers to {ref!r}, which was never queued")
        if parent.status in (DEAD, DONE):
            return Permanent(
                f"refers to {ref!r} (outbox item {parent.id}), which is {parent.status}"
            )
        until = max(parent.next_attempt_at, self._clock()) + WAIT_STEP
        return Waiting(until, f"waiting for outbox item {parent.id} ({ref!r})")

    async def _find_posted(
        self, item: OutboxItem, args: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        """Search the channel (or thread) for a copy an earlier attempt may have posted."""
        channel, thread_ts = str(args["channel"]), args.get("thread_ts")
        query: dict[str, Any] = {
            "channel": channel,
            "oldest": f"{(item.created_at - LOOKUP_MARGIN).timestamp():.6f}",
            "include_all_metadata": True,
            "limit": 200,
        }
        cursor: str | None = None
        while True:
            if thread_ts:
                page = await self._client.conversations_replies(
                    ts=thread_ts, cursor=cursor, **query
                )
            else:
                page = await self._client.conversations_history(cursor=cursor, **query)
            messages: list[dict[str, Any]] = page.get("messages", [])
            for message in messages:
                metadata = message.get("metadata") or {}
                payload = metadata.get("event_payload") or {}
                if (
                    metadata.get("event_type") == METADATA_EVENT
                    and payload.get("dedupe_key") == item.dedupe_key
                ):
                    return _result({"channel": channel, "ts": message["ts"], "message": message})
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if cursor is None:
                return None


def _tagged(metadata: Mapping[str, Any] | None, dedupe_key: str) -> dict[str, Any]:
    """Message metadata carrying the dedupe key, next to whatever the producer put there."""
    if not metadata:
        return {"event_type": METADATA_EVENT, "event_payload": {"dedupe_key": dedupe_key}}
    payload = {**(metadata.get("event_payload") or {}), "dedupe_key": dedupe_key}
    return {**metadata, "event_payload": payload}


def _result(data: Mapping[str, Any]) -> dict[str, Any]:
    """What later rows need from an answer: where the message is, and its thread."""
    result = {name: data[name] for name in ("channel", "ts") if data.get(name)}
    message = data.get("message") or {}
    thread_ts = message.get("thread_ts")
    if thread_ts and thread_ts != result.get("ts"):
        result["thread_ts"] = thread_ts
    return result


def _posted(result: Mapping[str, Any]) -> PostedMessage | None:
    if not result.get("channel") or not result.get("ts"):
        return None
    return PostedMessage(result["channel"], result["ts"], result.get("thread_ts"))


def _failure(exc: SlackApiError) -> Outcome:
    status = exc.response.status_code
    data = exc.response.data
    error = data.get("error") if isinstance(data, dict) else None
    text = f"HTTP {status}: {error or 'no error code'}"
    match classify_slack_error(status, error):
        case ErrorClass.RATE_LIMITED:
            return RateLimited(parse_retry_after(exc.response.headers.get("Retry-After")), text)
        case ErrorClass.RETRYABLE:
            return Retry(text)
        case ErrorClass.PERMANENT:
            return Permanent(text)
