"""``create_app(settings)``: the one ASGI application that carries every route.

The lifespan owns the long-lived parts (event writer, and the workers that
later issues add), so starting and stopping the app starts and stops them,
in tests as in production.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.engine import Engine
from standardwebhooks import Webhook
from starlette.applications import Starlette
from starlette.routing import Route

from bot.config import Settings
from bot.context import AppContext
from bot.ingest import EventWriter
from bot.metrics import Metrics
from handlers.health import healthz, metrics
from handlers.webhooks import receive_webhook
from storage.db import make_engine


def create_app(settings: Settings, *, engine: Engine | None = None) -> Starlette:
    engine = engine or make_engine(settings.database_url)
    ctx = AppContext(
        settings=settings,
        engine=engine,
        writer=EventWriter(engine),
        metrics=Metrics(),
        webhook=Webhook(settings.effective_webhook_secret()),
    )

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        ctx.writer.start()
        try:
            yield
        finally:
            ctx.writer.stop()

    app = Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
            Route("/webhooks/{source}", receive_webhook, methods=["POST"]),
        ],
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    return app
