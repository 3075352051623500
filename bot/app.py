"""``create_app(settings)``: the one ASGI application that carries every route.

It is built in an order no feature can get wrong, because each step only
uses what the steps before it made:

1. the effects every feature runs inside lead transactions, from the rules
   file alone (``Effects``), in the order they must run;
2. the frozen ``Services`` — settings, rules, database, clock, metrics, and
   the unit of work that runs those effects and rings the delivery doorbell;
3. the features (``Component``), each from the finished services: Slack
   first, then routing and the digests that use its client, outbound
   webhooks, the sandbox; then the Slack listeners of ``handlers/slack`` on
   its Bolt app.

This is the only module of ``bot`` that imports ``handlers``. The lifespan
starts the writer and the features, and stops them in reverse, in tests as in
production.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
from sqlalchemy.engine import Engine
from standardwebhooks import Webhook
from starlette.applications import Starlette
from starlette.routing import Route

import handlers.slack
from bot.config.rules import LeadbotConfig, load_config
from bot.config.settings import Settings
from bot.delivery.doorbell import Doorbell
from bot.delivery.worker import DeliveryConfig
from bot.digests.component import DigestsComponent
from bot.leads.effects import Effects
from bot.leads.ingest import EventWriter
from bot.leads.qualify import Qualifier
from bot.leads.rescore import add_rescore_jobs
from bot.leads.unit_of_work import UnitOfWork
from bot.outbound import component as outbound
from bot.routing import effects as routing
from bot.routing.component import RoutingComponent
from bot.runtime.clock import Clock, utc_now
from bot.runtime.component import Component
from bot.runtime.metrics import Metrics
from bot.runtime.schedule import Schedule
from bot.runtime.services import Services
from bot.sandbox.component import SandboxComponent
from bot.sandbox.workspace import Workspace
from bot.slack import component as slack
from handlers.health import healthz, metrics
from handlers.webhooks import routes as webhook_routes
from storage.db import make_engine


@dataclass(frozen=True)
class Features:
    """Which features an app runs, and how; the defaults are what a server runs.

    Tests and benchmarks shorten delivery timings, point the sandbox at a
    workspace of their own or add a component; nothing here can be wired in
    the wrong order, because ``create_app`` builds the features itself.
    """

    #: the Slack feature (handoff, reminders, slash commands, digests)
    slack: bool = True
    slack_delivery: DeliveryConfig | None = None
    #: outbound webhooks to the subscribers of the rules file
    webhooks: bool = True
    webhook_delivery: DeliveryConfig | None = None
    webhook_client: httpx.AsyncClient | None = None
    #: the in-process Slack stand-in, served in sandbox mode only
    sandbox: bool = True
    sandbox_workspace: Workspace | None = None
    #: effects run after the features' own (tests watch changes with these)
    extra_effects: Effects = field(default_factory=Effects)
    #: more components, built last from the services
    extra: tuple[Callable[[Services], Component], ...] = ()


def app_effects(config: LeadbotConfig, features: Features | None = None) -> Effects:
    """What the chosen features do inside lead transactions, in the order they run.

    Routing (part of the Slack feature) makes a new MQL's first offer after
    the outbound webhooks queued ``lead.mql`` and before the Slack handoff
    posts the card naming the rep; it tells the features that follow offers
    itself, so ``lead.offered`` comes after ``lead.mql``.
    """
    features = features or Features()
    effects = Effects()
    if features.webhooks:
        effects += outbound.effects(config)
    if features.slack:
        cards = slack.effects(config)
        listeners = (effects + cards + features.extra_effects).offer
        effects += routing.effects(config, listeners) + cards
    return effects + features.extra_effects


def build_services(
    settings: Settings,
    engine: Engine,
    config: LeadbotConfig,
    effects: Effects,
    *,
    clock: Clock = utc_now,
) -> Services:
    doorbell = Doorbell()
    work = UnitOfWork(engine, effects, doorbell)
    qualifier = Qualifier(config.scoring)
    return Services(
        settings=settings,
        config=config,
        engine=engine,
        clock=clock,
        metrics=Metrics(),
        work=work,
        writer=EventWriter(work, qualifier, clock=clock),
        qualifier=qualifier,
        doorbell=doorbell,
        webhook=Webhook(settings.effective_webhook_secret()),
    )


def _components(services: Services, features: Features) -> list[Component]:
    parts: list[Component] = []
    if features.slack:
        feature = slack.SlackComponent(services, delivery=features.slack_delivery)
        handlers.slack.register(feature.runtime)
        client = feature.runtime.client
        parts += [feature, RoutingComponent(services, client), DigestsComponent(services, client)]
    if features.webhooks:
        parts.append(
            outbound.WebhooksComponent(
                services, delivery=features.webhook_delivery, client=features.webhook_client
            )
        )
    if features.sandbox and services.settings.sandbox:
        parts.append(SandboxComponent(services, workspace=features.sandbox_workspace))
    parts += [build(services) for build in features.extra]
    return parts


def create_app(
    settings: Settings,
    *,
    engine: Engine | None = None,
    config: LeadbotConfig | None = None,
    features: Features | None = None,
    clock: Clock = utc_now,
) -> Starlette:
    features = features or Features()
    config = config or load_config(settings.config_path)
    services = build_services(
        settings,
        engine or make_engine(settings.database_url),
        config,
        app_effects(config, features),
        clock=clock,
    )
    parts = _components(services, features)
    schedule = Schedule()
    services.metrics.writer_cpu_seconds.set_function(lambda: services.writer.cpu_seconds)
    add_rescore_jobs(schedule, services.work, services.qualifier, services.clock)
    for part in parts:
        part.add_jobs(schedule)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        services.writer.start()
        started: list[Component] = []
        try:
            for part in parts:
                await part.start()
                started.append(part)
            schedule.start()
            yield
        finally:
            schedule.stop()
            for part in reversed(started):
                await part.stop()
            services.writer.stop()

    app = Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
            *webhook_routes(),
            *(route for part in parts for route in part.routes()),
        ],
        lifespan=lifespan,
    )
    app.state.services = services
    app.state.schedule = schedule
    app.state.components = parts
    return app
