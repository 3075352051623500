"""``POST /webhooks/typeform`` and the other native lead sources, one route each, from the registry.

Checks run cheapest-first and nothing is read before the signature holds:
source on (404, naming the variable to set) → size (413) → the vendor's own
signature on the raw bytes (401, nothing stored) → body decodes (400). From
there the vendor's payload is translated into generic events and stored
exactly as ``POST /webhooks/generic`` stores them; a payload that names no
lead is kept for audit and answered 202 with a warning, never refused, since
the vendor could only retry it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.runtime.services import Services
from bot.sources.delivery import (
    Delivery,
    PayloadError,
    SignatureError,
    SourceEvent,
    content_id,
    stored_only,
)
from bot.sources.inbound import inbound_events
from bot.sources.registry import SOURCES, Source
from handlers.http_errors import Refused, refusal
from handlers.webhooks.intake import BodyTooLarge, answer, measured, read_body, store, too_large

log = logging.getLogger(__name__)


def source_routes() -> list[BaseRoute]:
    """A POST route per registered source (and ``…/{token}`` for those that take a URL token)."""
    routes: list[BaseRoute] = []
    for source in SOURCES.values():
        endpoint = _endpoint(source)
        routes.append(Route(source.path, endpoint, methods=["POST"]))
        if source.token_in_url:
            routes.append(Route(source.path + "/{token}", endpoint, methods=["POST"]))
    return routes


def _endpoint(source: Source) -> Callable[[Request], Awaitable[Response]]:
    async def receive(request: Request) -> Response:
        return await measured(request, source.name, lambda: _handle(request, source))

    return receive


async def _handle(request: Request, source: Source) -> Response:
    services: Services = request.app.state.services
    secret = source.secret(services.settings)
    if secret is None:
        return refusal(
            404,
            "source_off",
            f"the {source.title} source is off: set {source.secret_env} to turn it on "
            f"(docs/sources.md)",
        )
    limit = services.settings.max_body_bytes
    try:
        body = await read_body(request, limit)
    except BodyTooLarge as exc:
        return too_large(limit, exc)
    now = datetime.now(UTC)
    query = f"?{request.url.query}" if request.url.query else ""
    delivery = Delivery(
        method=request.method,
        url=f"{services.settings.base_url}{request.url.path}{query}",
        headers={name.lower(): value for name, value in request.headers.items()},
        body=body,
        token=request.path_params.get("token"),
    )
    try:
        source.verify(delivery, secret, now)
    except SignatureError as exc:
        return refusal(401, "invalid_signature", str(exc))
    try:
        translated = source.translate(delivery, services.config.sources, now)
    except PayloadError as exc:
        return refusal(400, "malformed_payload", str(exc))
    except Exception:  # a shape no one foresaw: keep it for audit rather than answer 5xx
        log.exception("payload not translated", extra={"source": source.name})
        translated = [_unreadable(source, body)]
    results = await store(services, source.name, inbound_events(translated, now))
    if isinstance(results, Refused):
        return results
    return answer(results, batch=len(results) != 1)


def _unreadable(source: Source, body: bytes) -> SourceEvent:
    text = body.decode("utf-8", "replace")
    problem = f"leadbot could not read this {source.title} payload; it is kept for audit"
    return stored_only(content_id(source.name, text), {"body": text}, problem)
