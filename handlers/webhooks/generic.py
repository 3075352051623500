"""``POST /webhooks/{source}``: verify, validate, hand to the writer, answer after commit.

Checks run cheapest-first and nothing is parsed before the signature holds:
content type (415) → size (413) → signature on the raw bytes (401) → JSON
(400) → schema (422). A refused request stores nothing.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from time import perf_counter

from standardwebhooks.webhooks import WebhookVerificationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.leads.events import InvalidPayload, parse_events
from bot.leads.ingest import IngestResult, WriterStopped
from bot.leads.json_limits import TOO_DEEP
from bot.runtime.services import Services
from handlers.http_errors import Refused, refusal

log = logging.getLogger(__name__)

SOURCES = ("generic",)


class _TooLarge(Exception):
    pass


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


async def receive_webhook(request: Request) -> Response:
    services: Services = request.app.state.services
    source = request.path_params["source"]
    if source not in SOURCES:
        return refusal(
            404, "unknown_source", f"no webhook source {source!r}; available: {', '.join(SOURCES)}"
        )
    started = perf_counter()
    try:
        response = await _handle(request, services, source)
    finally:
        services.metrics.request_seconds.labels(source).observe(perf_counter() - started)
    if isinstance(response, Refused):
        services.metrics.requests_rejected.labels(source, response.code).inc()
    return response


async def _handle(request: Request, services: Services, source: str) -> Response:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        return refusal(415, "unsupported_media_type", "send the body as application/json")
    limit = services.settings.max_body_bytes
    try:
        body = await _read_body(request, limit)
    except _TooLarge:
        return refusal(413, "payload_too_large", f"the body exceeds {limit} bytes")
    try:
        services.webhook.verify(body, dict(request.headers), json_parse=False)
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
    now = datetime.now(UTC)
    try:
        events = parse_events(document, delivery_id=request.headers["webhook-id"], now=now)
    except InvalidPayload as exc:
        return _invalid(exc.errors)
    services.metrics.events_received.labels(source).inc(len(events))
    try:
        results = await services.writer.submit(source, events)
    except WriterStopped:
        return refusal(503, "shutting_down", "the server is shutting down; retry shortly")
    except Exception:  # the writer logged it, by event id; nothing was stored
        return refusal(500, "storage_failed", "the events could not be stored; retry later")
    accepted = sum(not r.duplicate for r in results)
    services.metrics.events_accepted.labels(source).inc(accepted)
    services.metrics.events_duplicate.labels(source).inc(len(results) - accepted)
    log.info(
        "events stored",
        extra={
            "source": source,
            "events": len(results),
            "new": accepted,
            "lead_ids": [r.lead_id for r in results][:20],
        },
    )
    payloads = [_result_body(r) for r in results]
    if isinstance(document, dict) and "events" in document:
        return JSONResponse({"results": payloads}, status_code=202 if accepted else 200)
    only = results[0]
    if only.refused is not None:
        return Refused(payloads[0], status=only.refused.status, code=only.refused.code)
    return JSONResponse(payloads[0], status_code=200 if only.duplicate else 202)


def _invalid(errors: list[tuple[str, str]]) -> Refused:
    return refusal(422, "invalid_event", "the event does not match the schema", errors)


def _result_body(result: IngestResult) -> dict[str, object]:
    body: dict[str, object] = {
        "id": result.external_id,
        "lead_id": result.lead_id,
        "duplicate": result.duplicate,
    }
    if result.warnings:
        body["warnings"] = list(result.warnings)
    if result.refused is not None:
        body["error"] = result.refused.code
        body["message"] = f"stored for audit but not applied: {result.refused.message}"
    return body


def _signature_message(exc: Exception) -> str:
    if isinstance(exc, WebhookVerificationError):
        text = str(exc)
        if "Missing required headers" in text:
            return "missing webhook-id, webhook-timestamp or webhook-signature header"
        if "too old" in text or "too new" in text:
            return f"the webhook-timestamp is outside the 5-minute tolerance ({text.lower()})"
    return "the webhook-signature does not match the body (check LEADBOT_WEBHOOK_SECRET)"
