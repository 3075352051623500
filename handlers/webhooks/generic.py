"""``POST /webhooks/generic``: verify, validate, hand to the writer, answer after commit.

Checks run cheapest-first and nothing is parsed before the signature holds:
content type (415) → size (413) → signature on the raw bytes (401) → JSON
(400) → schema (422). A refused request stores nothing.

The signature is Standard Webhooks'. Svix, its most common sender, names the
headers ``svix-id``, ``svix-timestamp`` and ``svix-signature``; both
spellings are accepted, as Svix's own libraries do.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime

from standardwebhooks.webhooks import WebhookVerificationError
from starlette.requests import Request
from starlette.responses import Response

from bot.leads.events import InvalidPayload, parse_events
from bot.leads.json_limits import TOO_DEEP
from bot.runtime.services import Services
from bot.sources.registry import SOURCES
from handlers.http_errors import Refused, refusal
from handlers.webhooks.intake import BodyTooLarge, answer, measured, read_body, store, too_large

NAME = "generic"
_PARTS = ("id", "timestamp", "signature")


async def receive_webhook(request: Request) -> Response:
    source = request.path_params["source"]
    if source != NAME:
        available = ", ".join([NAME, *SOURCES])
        return refusal(
            404, "unknown_source", f"no webhook source {source!r}; available: {available}"
        )
    return await measured(request, NAME, lambda: _handle(request, request.app.state.services))


async def _handle(request: Request, services: Services) -> Response:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        return refusal(415, "unsupported_media_type", "send the body as application/json")
    limit = services.settings.max_body_bytes
    try:
        body = await read_body(request, limit)
    except BodyTooLarge as exc:
        return too_large(limit, exc)
    headers = standard_headers(request.headers)
    try:
        services.webhook.verify(body, headers, json_parse=False)
    except (WebhookVerificationError, ValueError) as exc:
        return refusal(401, "invalid_signature", _signature_message(exc))
    try:
        document = json.loads(body)
    except ValueError as exc:
        return refusal(400, "malformed_json", f"the body is not valid JSON: {exc}")
    except RecursionError:  # thousands of nested brackets: valid JSON, refused like any depth
        return refusal(
            422, "invalid_event", "the event does not match the schema", [("body", TOO_DEEP)]
        )
    try:
        events = parse_events(document, delivery_id=headers["webhook-id"], now=datetime.now(UTC))
    except InvalidPayload as exc:
        return refusal(422, "invalid_event", "the event does not match the schema", exc.errors)
    results = await store(services, NAME, events)
    if isinstance(results, Refused):
        return results
    return answer(results, batch=isinstance(document, dict) and "events" in document)


def standard_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The request's headers, lower-cased, with Svix's spellings as ``webhook-*`` where missing."""
    lowered = {name.lower(): value for name, value in headers.items()}
    for part in _PARTS:
        if f"webhook-{part}" not in lowered and f"svix-{part}" in lowered:
            lowered[f"webhook-{part}"] = lowered[f"svix-{part}"]
    return lowered


def _signature_message(exc: Exception) -> str:
    if isinstance(exc, WebhookVerificationError):
        text = str(exc)
        if "Missing required headers" in text:
            return (
                "missing webhook-id, webhook-timestamp or webhook-signature header "
                "(svix-id, svix-timestamp and svix-signature are accepted too)"
            )
        if "too old" in text or "too new" in text:
            return f"the webhook-timestamp is outside the 5-minute tolerance ({text.lower()})"
    return "the webhook-signature does not match the body (check LEADBOT_WEBHOOK_SECRET)"
