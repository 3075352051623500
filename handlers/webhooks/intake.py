"""What every lead webhook route shares: the body under a limit, the writer, the answer, metrics.

An oversized body is answered 413, but only after reading (and throwing
away) what the sender is still sending, up to a bound: a server that answers
and closes while the client is mid-upload makes the client see a broken pipe
or a reset instead of the 413, and retry blindly.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from time import perf_counter

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.leads.events import InboundEvent
from bot.leads.ingest import IngestResult, WriterStopped
from bot.runtime.services import Services
from handlers.http_errors import Refused, refusal

log = logging.getLogger(__name__)

#: an oversized body is drained up to this many times the limit, and at least DRAIN_FLOOR
DRAIN_FACTOR = 4
DRAIN_FLOOR = 4 * 1024 * 1024
#: … for at most this long, so a slow sender cannot hold the connection
DRAIN_SECONDS = 5.0


class BodyTooLarge(Exception):
    def __init__(self, *, complete: bool) -> None:
        super().__init__("the body exceeds the limit")
        #: whether the whole body was read (the connection can then be kept)
        self.complete = complete


async def read_body(request: Request, limit: int) -> bytes:
    """The body, or ``BodyTooLarge`` once the excess has been drained (within bounds)."""
    declared = request.headers.get("content-length")
    over = declared is not None and declared.isdigit() and int(declared) > limit
    if over and "100-continue" in request.headers.get("expect", "").lower():
        raise BodyTooLarge(complete=False)  # nothing was sent yet: the client awaits this answer
    budget = max(DRAIN_FACTOR * limit, DRAIN_FLOOR)
    chunks: list[bytes] = []
    size = 0
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout_at(loop.time() + DRAIN_SECONDS if over else None) as deadline:
            async for chunk in request.stream():
                size += len(chunk)
                if size > budget:
                    raise BodyTooLarge(complete=False)
                if size > limit and not over:
                    over = True
                    deadline.reschedule(loop.time() + DRAIN_SECONDS)
                if not over:
                    chunks.append(chunk)
    except TimeoutError:
        raise BodyTooLarge(complete=False) from None
    if over:
        raise BodyTooLarge(complete=True)
    return b"".join(chunks)


def too_large(limit: int, exc: BodyTooLarge) -> Refused:
    response = refusal(413, "payload_too_large", f"the body exceeds {limit} bytes")
    if not exc.complete:
        response.headers["connection"] = "close"  # unread bytes remain: the connection ends
    return response


async def measured(
    request: Request, source: str, handle: Callable[[], Awaitable[Response]]
) -> Response:
    """Run ``handle`` with the request timed and a refusal counted, under ``source``."""
    services: Services = request.app.state.services
    started = perf_counter()
    try:
        response = await handle()
    finally:
        services.metrics.request_seconds.labels(source).observe(perf_counter() - started)
    if isinstance(response, Refused):
        services.metrics.requests_rejected.labels(source, response.code).inc()
    return response


async def store(
    services: Services, source: str, events: list[InboundEvent]
) -> list[IngestResult] | Refused:
    """Hand the events to the writer and wait for the commit; counted and logged."""
    services.metrics.events_received.labels(source).inc(len(events))
    try:
        results = await services.writer.submit(source, events)
    except WriterStopped:
        return refusal(503, "shutting_down", "the server is shutting down; retry shortly")
    except Exception:  # the writer logged it, by event id; nothing was stored
        return refusal(500, "storage_failed", "the events could not be stored; retry later")
    accepted = sum(not r.duplicate for r in results)
    unmapped = sum(_is_unmapped(r) for r in results)
    services.metrics.events_accepted.labels(source).inc(accepted - unmapped)
    services.metrics.events_duplicate.labels(source).inc(len(results) - accepted)
    if unmapped:
        services.metrics.events_unmapped.labels(source).inc(unmapped)
    log.info(
        "events stored",
        extra={
            "source": source,
            "events": len(results),
            "new": accepted,
            "unmapped": unmapped,
            "lead_ids": [r.lead_id for r in results][:20],
        },
    )
    return results


def answer(results: Sequence[IngestResult], *, batch: bool) -> Response:
    """202 when something new was stored, 200 when all were duplicates; a batch lists each."""
    payloads = [result_body(r) for r in results]
    fresh = any(not r.duplicate for r in results)
    if batch:
        return JSONResponse({"results": payloads}, status_code=202 if fresh else 200)
    only = results[0]
    if only.refused is not None and not _is_unmapped(only):
        return Refused(payloads[0], status=only.refused.status, code=only.refused.code)
    return JSONResponse(payloads[0], status_code=202 if fresh else 200)


def result_body(result: IngestResult) -> dict[str, object]:
    body: dict[str, object] = {
        "id": result.external_id,
        "lead_id": result.lead_id,
        "duplicate": result.duplicate,
    }
    warnings = list(result.warnings)
    if _is_unmapped(result):
        warnings.append(f"stored for audit only: {result.refused.message}")  # type: ignore[union-attr]
    elif result.refused is not None:
        body["error"] = result.refused.code
        body["message"] = f"stored for audit but not applied: {result.refused.message}"
    if warnings:
        body["warnings"] = warnings
    return body


def _is_unmapped(result: IngestResult) -> bool:
    return result.refused is not None and result.refused.code == "unmapped"
