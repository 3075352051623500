"""The HTTP face of the Slack stand-in: ``/api/<method>`` as an ASGI app.

``slack_sdk`` sends some methods as JSON, some as url-encoded forms and some
as GET query strings, always with ``Authorization: Bearer …``; all are
accepted (multipart is only used for file uploads, which are not served).
The app can be served on its own (``bot.sandbox.server``) or mounted inside
another Starlette app, so the sandbox mode of ``leadbot serve`` and the
tests run the same code.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute

from bot.sandbox.faults import FaultKind, Faults
from bot.sandbox.methods import METHODS, Params, respond
from bot.sandbox.models import SlackError
from bot.sandbox.socket_mode import SocketModeHub
from bot.sandbox.workspace import Workspace

#: Arguments that ``slack_sdk`` sends JSON-encoded inside forms and query strings.
_JSON_ARGUMENTS = ("blocks", "attachments", "metadata", "view")


class SlackWebApi:
    """Routes Web API calls to the workspace, applying auth checks and scripted faults."""

    def __init__(
        self, workspace: Workspace, *, faults: Faults | None = None, token: str | None = None
    ) -> None:
        self.workspace = workspace
        self.faults = faults or Faults()
        self.token = token
        self.socket_mode = SocketModeHub(workspace.app_id)

    async def handle(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        try:
            params, token = await _read_params(request)
        except ValueError:  # malformed JSON or form encoding
            return self._answer(method, {}, {"ok": False, "error": "invalid_json"})
        if method == "apps.connections.open":  # app-level token, not the bot's
            return self._answer(method, params, self.socket_mode.open_connection(request, token))
        fault = self.faults.take(method)
        if fault and fault.kind is FaultKind.DELAY:
            await asyncio.sleep(fault.delay)
        elif fault and fault.kind is FaultKind.RATE_LIMITED:
            return self._rate_limited(method, params, fault.retry_after)
        elif fault and fault.kind is FaultKind.SERVER_ERROR:
            return self._failed(method, params, fault.status)
        auth_error = self._auth_error(token)
        if auth_error:
            return self._answer(method, params, {"ok": False, "error": auth_error})
        limited = self.faults.check_rate(method, self._channel_key(params))
        if limited:
            return self._rate_limited(method, params, limited.retry_after)
        body = self._run(method, params)
        if fault and fault.kind is FaultKind.AMBIGUOUS:
            return self._failed(method, params, fault.status)
        return self._answer(method, params, body)

    async def handle_response_url(self, request: Request) -> Response:
        """``POST`` to a ``response_url``; Slack answers ``ok`` in plain text."""
        try:
            respond(self.workspace, request.path_params["token"], await request.json())
        except ValueError:
            return PlainTextResponse("invalid_payload", status_code=400)
        except SlackError as exc:
            status = 404 if exc.error == "invalid_token" else 400
            return PlainTextResponse(exc.error, status_code=status)
        return PlainTextResponse("ok")

    def _run(self, method: str, params: Params) -> dict[str, Any]:
        handler = METHODS.get(method)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        try:
            return handler(self.workspace, params)
        except SlackError as exc:
            return {"ok": False, "error": exc.error}

    def _auth_error(self, token: str | None) -> str | None:
        if self.token is None:
            return None
        if not token:
            return "not_authed"
        return None if token == self.token else "invalid_auth"

    def _channel_key(self, params: Params) -> str:
        """Rate limits apply per channel, whether it was named by id or by name."""
        channel = str(params.get("channel") or "")
        try:
            return self.workspace.channel(channel).id
        except SlackError:
            return channel

    def _failed(self, method: str, params: Params, status: int) -> JSONResponse:
        return self._answer(method, params, {"ok": False, "error": "internal_error"}, status)

    def _rate_limited(self, method: str, params: Params, retry_after: int) -> JSONResponse:
        response = self._answer(method, params, {"ok": False, "error": "ratelimited"}, 429)
        response.headers["Retry-After"] = str(retry_after)
        return response

    def _answer(
        self, method: str, params: Params, body: dict[str, Any], status: int = 200
    ) -> JSONResponse:
        error = None if body.get("ok") else str(body.get("error"))
        self.workspace.record(method, params, status, error)
        return JSONResponse(body, status_code=status)


async def _read_params(request: Request) -> tuple[Params, str | None]:
    """Merge query string and body (JSON or form) and find the token, as Slack does."""
    params: Params = dict(request.query_params)
    content_type = request.headers.get("content-type", "")
    raw = await request.body()
    if "application/json" in content_type and raw.strip():
        decoded = json.loads(raw)
        if isinstance(decoded, dict):
            params.update(decoded)
    elif content_type.startswith("application/x-www-form-urlencoded"):
        params.update(parse_qsl(raw.decode(), keep_blank_values=True))
    for name in _JSON_ARGUMENTS:
        value = params.get(name)
        if isinstance(value, str) and value:
            with contextlib.suppress(json.JSONDecodeError):
                params[name] = json.loads(value)
    authorization = request.headers.get("authorization", "")
    token = authorization.removeprefix("Bearer ").strip() or params.pop("token", None)
    params.pop("token", None)
    return params, token


def create_app(
    workspace: Workspace, *, faults: Faults | None = None, token: str | None = None
) -> Starlette:
    """An ASGI app serving ``/api/<method>``, ``/response/<token>`` (response URLs)
    and ``/socket-mode`` (the WebSocket ``apps.connections.open`` hands out).

    With ``token`` set, calls bearing any other token are refused.

    The ``SlackWebApi`` behind the route is ``app.state.web_api``, so its
    faults can be scripted when the app is mounted elsewhere.
    """
    web_api = SlackWebApi(workspace, faults=faults, token=token)
    routes = [
        Route("/api/{method}", web_api.handle, methods=["GET", "POST"]),
        Route("/response/{token}", web_api.handle_response_url, methods=["POST"]),
        WebSocketRoute("/socket-mode", web_api.socket_mode.endpoint),
    ]
    app = Starlette(routes=routes)
    app.state.web_api = web_api
    return app
