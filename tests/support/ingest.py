"""A live leadbot app on loopback, and counts of what it stored."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bot.app import ComponentFactory, create_app
from bot.config.rules import LeadbotConfig
from bot.config.settings import Settings
from bot.demo.client import signed_request
from bot.runtime.context import AppContext
from bot.runtime.serving import ThreadedServer
from storage.db import make_engine
from storage.models import Activity, Event, Lead

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # the Standard Webhooks spec's example key


@dataclass
class LiveApp:
    url: str
    engine: Engine
    client: httpx.Client
    ctx: AppContext

    def post(
        self, document: Any, *, msg_id: str | None = None, secret: str = SECRET
    ) -> httpx.Response:
        headers, body = signed_request(secret, document, msg_id=msg_id)
        return self.client.post(f"{self.url}/webhooks/generic", content=body, headers=headers)

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {
                model.__tablename__: conn.execute(
                    select(func.count()).select_from(model)
                ).scalar_one()
                for model in (Event, Lead, Activity)
            }


@contextmanager
def live_app(
    db_url: str,
    *,
    components: Sequence[ComponentFactory] | None = None,
    rules: LeadbotConfig | None = None,
    **settings: Any,
) -> Iterator[LiveApp]:
    engine = make_engine(db_url)
    config = Settings(database_url=db_url, webhook_secret=SECRET, **settings)
    app = create_app(config, engine=engine, config=rules, components=components)
    with ThreadedServer(app) as server, httpx.Client(timeout=10) as client:
        yield LiveApp(server.url, engine, client, app.state.ctx)
    engine.dispose()


def activity_event(email: str = "jane@example.com", **lead: Any) -> dict[str, Any]:
    return {
        "type": "lead.activity",
        "lead": {"email": email, **lead},
        "activity": {"type": "demo_request", "properties": {"page": "/demo"}},
    }
