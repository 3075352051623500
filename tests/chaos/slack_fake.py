"""A small Slack Web API of the chaos suite's own, with the faults a real outage brings.

Deliberately independent of ``bot/sandbox`` (the stand-in the product ships):
if that stand-in had a quirk that hid a delivery bug, this one, written
separately and only from Slack's documented behaviour, would not share it.
It serves the methods leadbot calls, over real HTTP on loopback, and can

- answer ``500`` (``FaultMode.SERVER_ERROR``),
- answer ``429`` with ``Retry-After`` (``FaultMode.RATE_LIMITED``),
- post the message and then cut the connection before the answer is complete
  (``FaultMode.CUT``): the worst case, the caller cannot know it was posted,
- stop listening altogether, so connections are refused (``go_down``/``come_up``).

Every call is recorded with its time, so tests can check exactly-once and
that a ``Retry-After`` was honoured.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from starlette.types import Receive, Scope, Send

TOKEN = "xoxb-chaos-token"
TEAM = "T0CHAOS"
METADATA_EVENT = "leadbot_message"


class FaultMode(Enum):
    NONE = "none"
    SERVER_ERROR = "500"
    RATE_LIMITED = "429"
    CUT = "cut"


class ConnectionCut(Exception):
    """Raised after the answer started: the server drops the connection mid-answer."""


@dataclass
class Call:
    method: str
    channel: str
    at: float
    status: int
    fault: str = ""
    retry_after: float = 0.0


@dataclass
class Posted:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    metadata: dict[str, Any] | None
    thread_ts: str | None = None
    edits: int = 0

    @property
    def dedupe_key(self) -> str | None:
        return ((self.metadata or {}).get("event_payload") or {}).get("dedupe_key")

    def button_value(self, action_id: str) -> str | None:
        for block in self.blocks:
            for element in block.get("elements", ()):
                if isinstance(element, dict) and element.get("action_id") == action_id:
                    return str(element.get("value"))
        return None


@dataclass
class Faults:
    """Which calls fail: ``mode`` for every ``every``-th call of the methods in ``methods``."""

    mode: FaultMode = FaultMode.NONE
    every: int = 1
    retry_after: int = 1
    methods: frozenset[str] = frozenset({"chat.postMessage", "chat.update"})
    _counter: itertools.count[int] = field(default_factory=itertools.count)

    def take(self, method: str) -> FaultMode:
        if self.mode is FaultMode.NONE or method not in self.methods:
            return FaultMode.NONE
        return self.mode if next(self._counter) % self.every == 0 else FaultMode.NONE


class SlackState:
    """The workspace: messages per channel and every call made, shared across restarts."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: dict[str, list[Posted]] = {}
        self.ephemerals: list[dict[str, Any]] = []
        self.calls: list[Call] = []
        self.faults = Faults()
        self._ts = itertools.count(1)

    def set_faults(self, mode: FaultMode, *, every: int = 1, retry_after: int = 1) -> None:
        with self.lock:
            self.faults = Faults(mode, every, retry_after)

    def posted(self, *, top_level: bool = True) -> list[Posted]:
        with self.lock:
            return [
                m
                for channel in self.messages.values()
                for m in channel
                if not (top_level and m.thread_ts)
            ]

    def calls_of(self, method: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, condition: Callable[[], bool], *, timeout: float, what: str) -> float:
        """Poll ``condition`` until it holds; returns the seconds it took."""
        started = time.monotonic()
        while not condition():
            if time.monotonic() - started > timeout:
                raise TimeoutError(f"{what}: not reached within {timeout:.0f} s")
            time.sleep(0.05)
        return time.monotonic() - started

    # -- methods ------------------------------------------------------------

    def handle(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        handler = _METHODS.get(method)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        with self.lock:
            return handler(self, params)

    def _next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    def _find(self, channel: str, ts: str) -> Posted | None:
        return next((m for m in self.messages.get(channel, ()) if m.ts == ts), None)


def _post(state: SlackState, params: dict[str, Any]) -> dict[str, Any]:
    channel = str(params.get("channel") or "")
    if not channel:
        return {"ok": False, "error": "channel_not_found"}
    message = Posted(
        channel=channel,
        ts=state._next_ts(),
        text=str(params.get("text") or ""),
        blocks=list(params.get("blocks") or []),
        metadata=params.get("metadata"),
        thread_ts=params.get("thread_ts"),
    )
    state.messages.setdefault(channel, []).append(message)
    body = {"type": "message", "ts": message.ts, "text": message.text, "bot_id": "B0CHAOS"}
    if message.thread_ts:
        body["thread_ts"] = message.thread_ts
    return {"ok": True, "channel": channel, "ts": message.ts, "message": body}


def _update(state: SlackState, params: dict[str, Any]) -> dict[str, Any]:
    channel, ts = str(params.get("channel") or ""), str(params.get("ts") or "")
    message = state._find(channel, ts)
    if message is None:
        return {"ok": False, "error": "message_not_found"}
    message.text = str(params.get("text") or message.text)
    message.blocks = list(params.get("blocks") or message.blocks)
    message.edits += 1
    return {"ok": True, "channel": channel, "ts": ts, "text": message.text}


def _ephemeral(state: SlackState, params: dict[str, Any]) -> dict[str, Any]:
    state.ephemerals.append(dict(params))
    return {"ok": True, "message_ts": state._next_ts()}


def _history(
    state: SlackState, params: dict[str, Any], thread: str | None = None
) -> dict[str, Any]:
    channel = str(params.get("channel") or "")
    oldest = float(params.get("oldest") or 0)
    limit = int(params.get("limit") or 100)
    start = int(params.get("cursor") or 0)
    found = [
        m
        for m in state.messages.get(channel, ())
        if float(m.ts) >= oldest
        and (m.thread_ts == thread or (thread is not None and m.ts == thread))
    ]
    found.sort(key=lambda m: float(m.ts), reverse=thread is None)
    page = found[start : start + limit]
    more = start + limit < len(found)
    return {
        "ok": True,
        "messages": [
            {
                "type": "message",
                "ts": m.ts,
                "text": m.text,
                "thread_ts": m.thread_ts,
                **({"metadata": m.metadata} if m.metadata else {}),
            }
            for m in page
        ],
        "has_more": more,
        "response_metadata": {"next_cursor": str(start + limit) if more else ""},
    }


_METHODS: dict[str, Callable[[SlackState, dict[str, Any]], dict[str, Any]]] = {
    "auth.test": lambda _s, _p: {
        "ok": True,
        "url": "https://chaos.example/",
        "team": "chaos",
        "user": "leadbot",
        "team_id": TEAM,
        "user_id": "U0LEADBOT",
        "bot_id": "B0CHAOS",
    },
    "chat.postMessage": _post,
    "chat.update": _update,
    "chat.postEphemeral": _ephemeral,
    "chat.getPermalink": lambda _s, p: {
        "ok": True,
        "permalink": f"https://chaos.example/archives/{p.get('channel')}/p1",
    },
    "conversations.history": lambda s, p: _history(s, p),
    "conversations.replies": lambda s, p: _history(s, p, thread=str(p.get("ts") or "")),
    "views.open": lambda _s, _p: {"ok": True, "view": {"id": "V0CHAOS"}},
    "usergroups.users.list": lambda _s, _p: {"ok": True, "users": []},
}


class SlackApi:
    """The ASGI app: ``/api/<method>``, JSON or form bodies, bearer token required."""

    def __init__(self, state: SlackState) -> None:
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        method = scope["path"].removeprefix("/api/")
        params, token = _params(scope, body)
        channel = str(params.get("channel") or "")
        fault = self.state.faults.take(method)
        if token != TOKEN:
            await _answer(send, 200, {"ok": False, "error": "invalid_auth"})
            return
        if fault is FaultMode.SERVER_ERROR:
            self._record(method, channel, 500, fault)
            await _answer(send, 500, {"ok": False, "error": "internal_error"})
            return
        if fault is FaultMode.RATE_LIMITED:
            retry_after = self.state.faults.retry_after
            self._record(method, channel, 429, fault, retry_after)
            await _answer(send, 429, {"ok": False, "error": "ratelimited"},
                          {"retry-after": str(retry_after)})  # fmt: skip
            return
        result = self.state.handle(method, params)
        self._record(method, channel, 200, fault)
        if fault is FaultMode.CUT:
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", b"4096")]})  # fmt: skip
            await send({"type": "http.response.body", "body": b'{"ok": tr', "more_body": True})
            raise ConnectionCut(f"{method} processed, connection cut")
        await _answer(send, 200, result)

    def _record(
        self, method: str, channel: str, status: int, fault: FaultMode, retry_after: float = 0
    ) -> None:
        call = Call(method, channel, time.monotonic(), status, fault.value, retry_after)
        with self.state.lock:
            self.state.calls.append(call)


def _params(scope: Scope, body: bytes) -> tuple[dict[str, Any], str | None]:
    headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
    params: dict[str, Any] = dict(parse_qsl(scope.get("query_string", b"").decode()))
    if body.strip():
        if headers.get("content-type", "").startswith("application/json"):
            params.update(json.loads(body))
        else:
            params.update(parse_qsl(body.decode(), keep_blank_values=True))
    for name in ("blocks", "metadata"):
        if isinstance(params.get(name), str):
            params[name] = json.loads(params[name])
    token = headers.get("authorization", "").removeprefix("Bearer ").strip() or params.get("token")
    return params, token


async def _answer(
    send: Send, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> None:
    data = json.dumps(body).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": data})


class SlackFake:
    """The fake on a fixed loopback port, which can stop listening and come back."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.state = SlackState()
        self.api_url = f"http://127.0.0.1:{port}/api/"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def come_up(self) -> None:
        config = uvicorn.Config(
            SlackApi(self.state), host="127.0.0.1", port=self.port, log_config=None,
            access_log=False, lifespan="on", timeout_graceful_shutdown=1,
        )  # fmt: skip
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True, name="slack-fake")
        self._thread.start()
        self.state.wait_for(lambda: self._server is not None and self._server.started,
                            timeout=10, what="the Slack fake listening")  # fmt: skip

    def go_down(self) -> None:
        """Stop listening: from now on connections are refused."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        self._server = self._thread = None
