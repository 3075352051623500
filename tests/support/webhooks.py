"""A webhook receiver on loopback, and a leadbot app that delivers to it quickly."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.engine import Engine
from standardwebhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.app import Features, create_app
from bot.config.rules import LeadbotConfig, load_config
from bot.config.settings import Settings
from bot.config.webhooks import Subscriber, WebhooksConfig
from bot.core.lifecycle import Actor, ActorKind, plan_transition
from bot.delivery.worker import DeliveryConfig
from bot.demo.client import signed_request
from bot.leads.forget import Erasure, forget_lead
from bot.leads.qualify import change_stage
from bot.outbound.sender import WebhookRetry
from bot.runtime.services import Services
from bot.runtime.serving import ThreadedServer
from storage.db import make_engine
from storage.leads import lead_by_email
from storage.models import Outbox
from tests.support.ingest import SECRET

#: the subscribers' secret (distinct from the inbound one, as in production)
SUBSCRIBER_SECRET = "whsec_" + "c3Vic2NyaWJlci1zZWNyZXQtZm9yLWxlYWRib3QtdGVzdHM="
#: retries a few tenths of a second apart instead of hours
FAST = DeliveryConfig(
    per_second=100,
    burst=100,
    poll_interval=0.05,
    hold=0.5,
    retry=WebhookRetry(schedule=(0.1, 0.2, 0.3, 0.4, 0.4, 0.4, 0.4)),
)


@dataclass
class Delivery:
    path: str
    status: int
    body: bytes
    event: dict[str, Any]
    headers: dict[str, str]
    at: float

    @property
    def type(self) -> str:
        return str(self.event["type"])


@dataclass
class Receiver:
    """Records every request; verifies each signature on its own with ``standardwebhooks``.

    ``answers["lead.mql"]`` (any lead) or ``answers["a@x.example lead.mql"]``
    (one lead) holds statuses, or ``(status, headers)``, to answer before the
    default 200; an unsigned or badly signed request gets a 401.
    """

    secret: str = SUBSCRIBER_SECRET
    deliveries: list[Delivery] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    answers: dict[str, deque[Any]] = field(default_factory=lambda: defaultdict(deque))

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{path}", self._handle, methods=["POST"])])

    async def _handle(self, request: Request) -> Response:
        body = await request.body()
        try:
            event = Webhook(self.secret).verify(body, dict(request.headers))
        except WebhookVerificationError as exc:
            self.rejected.append(str(exc))
            return Response(status_code=401)
        email = event["data"]["lead"].get("email")  # lead.erased carries none
        status, headers = 200, {}
        for key in (f"{email} {event['type']}", event["type"]):
            if self.answers[key]:
                answer = self.answers[key].popleft()
                status, headers = answer if isinstance(answer, tuple) else (answer, {})
                break
        self.deliveries.append(
            Delivery(
                request.path_params["path"],
                status,
                body,
                event,
                dict(request.headers),
                time.monotonic(),
            )
        )
        return Response(status_code=status, headers=headers)

    def delivered(self, path: str | None = None) -> list[Delivery]:
        """Successful deliveries, in arrival order."""
        return [d for d in self.deliveries if d.status < 300 and (path is None or d.path == path)]

    def wait_for(self, count: int, *, path: str | None = None, timeout: float = 15) -> None:
        wait_until(lambda: len(self.delivered(path)) >= count, timeout)


@contextmanager
def receiving(receiver: Receiver, port: int = 0) -> Iterator[str]:
    with ThreadedServer(receiver.app(), port=port) as server:
        yield server.url


@dataclass
class App:
    """A running leadbot with only the webhooks component, and what tests do to it."""

    url: str
    engine: Engine
    services: Services
    client: httpx.Client

    def post(self, document: Any) -> httpx.Response:
        headers, body = signed_request(SECRET, document)
        return self.client.post(f"{self.url}/webhooks/generic", content=body, headers=headers)

    def decide(self, email: str, stage: str, reason: str | None = None) -> None:
        """What a Slack button does: move the lead in one transaction with every effect."""
        with self.services.work.begin() as work:
            lead = lead_by_email(work.conn, email)
            assert lead is not None
            actor = Actor(ActorKind.SLACK, "U0ALICE")
            plan = plan_transition(lead.stage, stage, actor, reason, now=self.services.clock())
            change_stage(work, lead, plan)

    def forget(self, email: str) -> Erasure:
        """What ``/leads forget`` does: erase the lead, with every component's erasure effect."""
        with self.services.work.begin() as work:
            lead = lead_by_email(work.conn, email)
            assert lead is not None
            return forget_lead(work, lead, now=self.services.clock())

    def outbox(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            query = select(Outbox.__table__).order_by(Outbox.id)
            return [dict(row) for row in conn.execute(query).mappings()]


def config_with(subscribers: Sequence[dict[str, Any]]) -> LeadbotConfig:
    webhooks = WebhooksConfig(subscribers=[Subscriber.model_validate(s) for s in subscribers])
    return load_config(None).model_copy(update={"webhooks": webhooks})


def subscriber(name: str, url: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "url": url, "secret": SUBSCRIBER_SECRET, **extra}


@contextmanager
def leadbot(
    db_url: str, subscribers: Sequence[dict[str, Any]] = (), delivery: DeliveryConfig = FAST
) -> Iterator[App]:
    engine = make_engine(db_url)
    settings = Settings(database_url=db_url, webhook_secret=SECRET)
    app = create_app(
        settings,
        engine=engine,
        config=config_with(subscribers),
        features=Features(slack=False, webhook_delivery=delivery),
    )
    try:
        with ThreadedServer(app) as server, httpx.Client(timeout=10) as client:
            yield App(server.url, engine, app.state.services, client)
    finally:
        engine.dispose()


def wait_until(predicate: Callable[[], object], timeout: float = 15) -> None:
    """Poll ``predicate`` until it holds; the app and the receiver run on their own threads."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached")
        time.sleep(0.02)
