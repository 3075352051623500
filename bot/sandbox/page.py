"""The sandbox page: its HTML, a live change stream, and what a person can do on it.

Clicks, modal submissions and slash commands are not applied here: each
becomes the request Slack would send (``bot.sandbox.interactions``), signed
with the app's signing secret and POSTed over HTTP to the app's own
``/slack/events``, so the real Bolt listeners and signature check run. What
Slack does with the answer (settle a modal, show a command's reply) is then
applied to the workspace, which announces the change to every open page.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.sandbox.interactions import Interactions
from bot.sandbox.methods import respond
from bot.sandbox.models import Change, SlackError
from bot.sandbox.render import snapshot
from bot.sandbox.signing import SignedRequest
from bot.sandbox.workspace import Workspace

log = logging.getLogger(__name__)

STATIC = Path(__file__).with_name("static")
#: Slack gives up on an app that has not answered within three seconds.
ACK_TIMEOUT = 3.0
#: A stream ends after this long and the browser reconnects (and re-reads the
#: state), so an open tab never holds up a server shutdown for long.
STREAM_SECONDS = 20.0
KEEPALIVE_SECONDS = 5.0

Handler = Callable[[Request], Awaitable[Response]]


class GestureError(Exception):
    """A request from the page that names no such user, channel, message or view."""


class SandboxPage:
    """Routes under ``/sandbox``; ``client`` reaches the app itself (``base_url`` = the app)."""

    def __init__(
        self, workspace: Workspace, interactions: Interactions, client: httpx.AsyncClient
    ) -> None:
        self.workspace = workspace
        self.interactions = interactions
        self.client = client

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/sandbox", self.index, methods=["GET"]),
            Route("/sandbox/state", self.state, methods=["GET"]),
            Route("/sandbox/stream", self.stream, methods=["GET"]),
            Route("/sandbox/act/click", _gesture(self.click), methods=["POST"]),
            Route("/sandbox/act/submit", _gesture(self.submit), methods=["POST"]),
            Route("/sandbox/act/close", _gesture(self.close), methods=["POST"]),
            Route("/sandbox/act/command", _gesture(self.command), methods=["POST"]),
            Mount("/sandbox/static", StaticFiles(directory=STATIC), name="sandbox-static"),
        ]

    async def index(self, _request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    async def state(self, request: Request) -> Response:
        viewer = request.query_params.get("user", "")
        try:
            self.workspace.user(viewer)
        except SlackError:
            return JSONResponse({"error": "unknown user"}, status_code=400)
        return JSONResponse(snapshot(self.workspace, viewer), headers={"Cache-Control": "no-store"})

    async def stream(self, _request: Request) -> Response:
        """Server-sent events: one ``change`` per workspace change, for the page to re-read."""
        return StreamingResponse(
            self._changes(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    async def _changes(self) -> AsyncIterator[str]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Change] = asyncio.Queue()

        def listen(change: Change) -> None:
            # Web API calls themselves change nothing on the page
            if change.kind != "call" and not loop.is_closed():
                loop.call_soon_threadsafe(queue.put_nowait, change)

        unsubscribe = self.workspace.subscribe(listen)
        try:
            yield "retry: 1000\nevent: ready\ndata: {}\n\n"
            deadline = loop.time() + STREAM_SECONDS
            while (left := deadline - loop.time()) > 0:
                try:
                    async with asyncio.timeout(min(KEEPALIVE_SECONDS, left)):
                        change = await queue.get()
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                yield f"event: change\ndata: {json.dumps(asdict(change))}\n\n"
        finally:
            unsubscribe()

    # -- gestures -------------------------------------------------------------

    async def click(self, body: dict[str, Any]) -> dict[str, Any]:
        """``user`` clicks the button ``action_id`` on message ``ts`` in ``channel``."""
        try:
            request = self.interactions.click(
                _text(body, "user"),
                _text(body, "channel"),
                _text(body, "ts"),
                _text(body, "action_id"),
            )
        except LookupError as exc:
            raise GestureError(str(exc)) from None
        outcome, _ = await self._deliver(request)
        return outcome

    async def submit(self, body: dict[str, Any]) -> dict[str, Any]:
        """``user`` submits modal ``view_id``; on a 200, Slack's side of the answer is applied."""
        view_id = _text(body, "view_id")
        values = body.get("values") or {}
        if not isinstance(values, dict):
            raise GestureError("values must be an object")
        try:
            request = self.interactions.submit(_text(body, "user"), view_id, values)
        except ValueError as exc:
            raise GestureError(str(exc)) from None
        outcome, response = await self._deliver(request)
        if response is not None and response.status_code == 200:
            try:
                outcome["errors"] = self.interactions.settle_submission(view_id, response.content)
            except (ValueError, KeyError, SlackError) as exc:
                outcome.update(ok=False, error=f"the app's answer cannot be applied: {exc}")
        return outcome

    async def close(self, body: dict[str, Any]) -> dict[str, Any]:
        """Cancel a modal. (Slack would send ``view_closed`` if asked; the sandbox does not.)"""
        self.workspace.views.close(_text(body, "view_id"))
        return {"ok": True}

    async def command(self, body: dict[str, Any]) -> dict[str, Any]:
        """``user`` types ``/command text`` in ``channel``; a reply in the answer is shown."""
        user, channel, line = _text(body, "user"), _text(body, "channel"), _text(body, "text")
        command, _, text = line.strip().partition(" ")
        if not command.startswith("/") or len(command) < 2:
            raise GestureError("only slash commands run here, for example /leads pending")
        outcome, response = await self._deliver(
            self.interactions.command(user, channel, command, text.strip())
        )
        if response is None or response.status_code != 200:
            # an app that answered with an error is "dispatch_failed" to Slack
            reason = outcome["error"] if response is None else "dispatch_failed"
            message = f'{command} failed with the error "{reason}"'
            self.workspace.post_ephemeral(channel, user, text=message)
        elif answer := _answer(response):
            respond(self.workspace, self.workspace.issue_response_token(user, channel), answer)
        return outcome

    async def _deliver(
        self, request: SignedRequest
    ) -> tuple[dict[str, Any], httpx.Response | None]:
        """POST the signed request to the app as Slack would, timing out as Slack does."""
        started = time.perf_counter()
        try:
            response = await self.client.request(**request.httpx_kwargs(), timeout=ACK_TIMEOUT)
        except httpx.TimeoutException:
            return {"ok": False, "error": "operation_timeout"}, None
        except httpx.HTTPError as exc:
            log.warning("sandbox could not reach the app at %s: %s", self.client.base_url, exc)
            return {"ok": False, "error": "dispatch_failed"}, None
        outcome: dict[str, Any] = {
            "ok": response.status_code == 200,
            "status": response.status_code,
            "ms": round((time.perf_counter() - started) * 1000),
        }
        if response.status_code != 200:
            outcome["error"] = f"the app answered {response.status_code}"
        return outcome, response


def _gesture(action: Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]) -> Handler:
    """A JSON endpoint around ``action``: bad input is a 400 that says what was wrong."""

    async def endpoint(request: Request) -> Response:
        try:
            body = json.loads(await request.body())
            if not isinstance(body, dict):
                raise GestureError("expected a JSON object")
            return JSONResponse(await action(body))
        except (json.JSONDecodeError, GestureError) as exc:
            return JSONResponse({"ok": False, "error": str(exc)}, status_code=400)
        except SlackError as exc:
            return JSONResponse({"ok": False, "error": exc.error}, status_code=400)

    return endpoint


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise GestureError(f"{name} is required")
    return value


def _answer(response: httpx.Response) -> dict[str, Any] | None:
    """A command's immediate answer: Slack shows a JSON body's message, or plain text as-is."""
    if not response.content.strip():
        return None
    if response.headers.get("content-type", "").startswith("application/json"):
        decoded = response.json()
        return (
            decoded
            if isinstance(decoded, dict) and (decoded.get("text") or decoded.get("blocks"))
            else None
        )
    return {"text": response.text}
