"""Socket Mode in the Slack stand-in: ``apps.connections.open`` and the WebSocket it hands out.

A Socket Mode app (one with an app-level ``xapp-`` token and no public URL)
asks ``apps.connections.open`` for a WebSocket URL, connects, receives
``hello``, and from then on gets each interaction as an *envelope* that it
must acknowledge with the envelope's id — for a slash command the ack may
carry the immediate answer. The hub speaks that protocol to the real
``slack_sdk`` Socket Mode client, so leadbot's Socket Mode set-up is tested
as it runs against Slack.

Interactions are built by ``Interactions`` exactly as for HTTP and turned
into envelopes here: what differs between the two modes is only the
transport, as it is in Slack.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import uuid
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.websockets import WebSocket, WebSocketDisconnect

from bot.sandbox.signing import SignedRequest

#: Slack gives an app 3 seconds to acknowledge an envelope
ACK_TIMEOUT = 3.0


class SocketModeHub:
    """The stand-in's Socket Mode endpoint and the envelopes sent through it."""

    def __init__(self, app_id: str) -> None:
        self.app_id = app_id
        self._sockets: list[WebSocket] = []
        self._acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def connected(self) -> bool:
        return bool(self._sockets)

    def open_connection(self, request: Request, token: str | None) -> dict[str, Any]:
        """The answer to ``apps.connections.open``: only app-level tokens may call it."""
        if not token:
            return {"ok": False, "error": "not_authed"}
        if not token.startswith("xapp-"):
            return {"ok": False, "error": "not_allowed_token_type"}
        base = str(request.url).rsplit("/api/", 1)[0]
        return {"ok": True, "url": base.replace("http", "ws", 1) + "/socket-mode"}

    async def endpoint(self, websocket: WebSocket) -> None:
        """One app connection: ``hello``, then acknowledgements until it goes away."""
        await websocket.accept()
        self._loop = asyncio.get_running_loop()
        self._sockets.append(websocket)
        await websocket.send_json(
            {
                "type": "hello",
                "num_connections": len(self._sockets),
                "debug_info": {"host": "leadbot-sandbox", "approximate_connection_time": 3600},
                "connection_info": {"app_id": self.app_id},
            }
        )
        try:
            while True:
                ack = json.loads(await websocket.receive_text())
                waiting = self._acks.pop(str(ack.get("envelope_id")), None)
                if waiting is not None and not waiting.done():
                    waiting.set_result(ack)
        except WebSocketDisconnect:
            pass
        finally:
            self._sockets.remove(websocket)

    def deliver(self, request: SignedRequest) -> concurrent.futures.Future[dict[str, Any]]:
        """Send what ``request`` would have posted as an envelope; resolves to the app's ack.

        Callable from any thread (the hub runs on the stand-in's server loop);
        ``await asyncio.wrap_future(hub.deliver(...))`` from a test.
        """
        if self._loop is None or not self._sockets:
            raise RuntimeError("no app is connected over Socket Mode")
        return asyncio.run_coroutine_threadsafe(self._send(envelope(request)), self._loop)

    async def _send(self, message: dict[str, Any]) -> dict[str, Any]:
        waiting = asyncio.get_running_loop().create_future()
        self._acks[message["envelope_id"]] = waiting
        await self._sockets[-1].send_json(message)
        try:
            return await asyncio.wait_for(waiting, ACK_TIMEOUT)
        finally:
            self._acks.pop(message["envelope_id"], None)


def envelope(request: SignedRequest) -> dict[str, Any]:
    """The Socket Mode envelope carrying what ``request`` carries over HTTP."""
    fields = dict(parse_qsl(request.body.decode(), keep_blank_values=True))
    if "payload" in fields:
        kind, payload = "interactive", json.loads(fields["payload"])
    else:
        kind, payload = "slash_commands", fields
    return {
        "envelope_id": str(uuid.uuid4()),
        "type": kind,
        "payload": payload,
        "accepts_response_payload": kind == "slash_commands"
        or payload.get("type") == "view_submission",
        "retry_attempt": 0,
        "retry_reason": "",
    }
