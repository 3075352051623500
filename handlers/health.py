"""Operations endpoints: liveness with a database check, and Prometheus metrics."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.runtime.metrics import CONTENT_TYPE_LATEST
from bot.runtime.services import Services

log = logging.getLogger(__name__)


async def healthz(request: Request) -> Response:
    services: Services = request.app.state.services

    def ping() -> None:
        with services.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    try:
        await asyncio.wait_for(asyncio.to_thread(ping), timeout=5)
    except Exception as exc:
        log.warning("health check failed", extra={"error": type(exc).__name__})
        return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


async def metrics(request: Request) -> Response:
    services: Services = request.app.state.services
    return Response(services.metrics.render(), media_type=CONTENT_TYPE_LATEST)
