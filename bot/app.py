"""``create_app(settings)``: the one ASGI application that carries every route.

Features plug in as components (``bot.runtime.component``): each contributes routes,
stage-change effects, scheduled jobs and background work. The lifespan starts
them after the event writer and stops them before it, in tests as in
production.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager

from sqlalchemy.engine import Engine
from standardwebhooks import Webhook
from starlette.applications import Starlette
from starlette.routing import Route

from bot.config.rules import LeadbotConfig, load_config
from bot.config.settings import Settings
from bot.digests.component import CommandsComponent
from bot.leads.ingest import EventWriter
from bot.leads.qualify import Qualifier
from bot.leads.rescore import add_rescore_jobs
from bot.outbound.component import webhooks_component
from bot.runtime.component import Component
from bot.runtime.context import AppContext
from bot.runtime.metrics import Metrics
from bot.runtime.schedule import Schedule
from bot.sandbox.component import sandbox_component
from bot.slack.component import SlackComponent
from handlers.health import healthz, metrics
from handlers.webhooks.generic import receive_webhook
from handlers.webhooks.sources import source_routes
from storage.db import make_engine

ComponentFactory = Callable[[AppContext], Component]


def default_components() -> list[ComponentFactory]:
    """The features a normal server runs, in the order their effects apply."""
    return [SlackComponent, CommandsComponent, webhooks_component, sandbox_component]


def create_app(
    settings: Settings,
    *,
    engine: Engine | None = None,
    config: LeadbotConfig | None = None,
    components: Sequence[ComponentFactory] | None = None,
) -> Starlette:
    engine = engine or make_engine(settings.database_url)
    config = config or load_config(settings.config_path)
    qualifier = Qualifier(config.scoring)
    ctx = AppContext(
        settings=settings,
        config=config,
        engine=engine,
        writer=EventWriter(engine, qualifier),
        metrics=Metrics(),
        webhook=Webhook(settings.effective_webhook_secret()),
        schedule=Schedule(),
        qualifier=qualifier,
    )
    parts = [build(ctx) for build in (default_components() if components is None else components)]
    ctx.effects.extend(effect for part in parts for effect in part.effects())
    ctx.erasure_effects.extend(effect for part in parts for effect in part.erasure_effects())
    qualifier.effects = ctx.effects
    ctx.writer.after_commit = ctx.after_commit
    add_rescore_jobs(ctx)
    for part in parts:
        part.add_jobs(ctx.schedule)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        ctx.writer.start()
        started: list[Component] = []
        try:
            for part in parts:
                await part.start()
                started.append(part)
            ctx.schedule.start()
            yield
        finally:
            ctx.schedule.stop()
            for part in reversed(started):
                await part.stop()
            ctx.writer.stop()

    app = Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
            *source_routes(),
            Route("/webhooks/{source}", receive_webhook, methods=["POST"]),
            *(route for part in parts for route in part.routes()),
        ],
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    return app
