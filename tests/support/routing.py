"""Routing set-ups several tests share: a workspace with a team of reps, rules that route to it."""

from __future__ import annotations

import json
from typing import Any

import yaml
from sqlalchemy import select

from bot.config.rules import LeadbotConfig, default_rules_text, parse_config
from bot.sandbox import FakeSlackServer, Message, Workspace
from storage.models import Lead, RoutingEvent
from tests.support.slack import TOKEN, SlackApp

TEAM = ["U0ALICE", "U0BOB", "U0DAN"]


def team_workspace() -> FakeSlackServer:
    """The demo workspace plus Dan and Dana, who are in no user group."""
    ws = Workspace.demo()
    ws.add_user("U0DAN", "dan", "Dan Ray")
    ws.add_user("U0DANA", "dana", "Dana Scott")
    return FakeSlackServer(ws, token=TOKEN)


def routed_config(routing: dict[str, Any] | None = None, **slack: Any) -> LeadbotConfig:
    """The packaged rules with a ``routing:`` section (default: the issue's smallest one).

    Goes through the YAML parser, as a rules file would; ``slack`` overrides keys
    of the ``slack:`` section (``admins``, ``routes``…).
    """
    section = routing or {"teams": [{"name": "sales", "mode": "round_robin", "members": TEAM}]}
    document = yaml.safe_load(default_rules_text())
    document["routing"] = section
    document["slack"] = {**document["slack"], **slack}
    return parse_config(yaml.safe_dump(document, sort_keys=False))


def events(app: SlackApp, kind: str | None = None) -> list[Any]:
    """Routing events, oldest first (of one kind when given)."""
    query = select(RoutingEvent.__table__).order_by(RoutingEvent.id)
    if kind is not None:
        query = query.where(RoutingEvent.kind == kind)
    with app.services.engine.connect() as conn:
        return list(conn.execute(query))


def lead_id(app: SlackApp, email: str) -> int:
    with app.services.engine.connect() as conn:
        return int(conn.execute(select(Lead.id).where(Lead.email == email)).scalar_one())


def offered(app: SlackApp) -> list[str]:
    """Whom each offer went to, in order."""
    return [row.user_id for row in events(app, "offered")]


def direct_messages(app: SlackApp, user: str) -> list[Message]:
    return app.ws.messages(app.ws.direct(user).id, include_replies=False)


async def card_of(app: SlackApp, email: str, channel: str = "C0SALES") -> Message:
    """The lead's card in ``channel``, once it is there."""

    def found() -> list[Message]:
        return [c for c in app.cards(channel) if email in json.dumps(c.blocks)]

    await app.ws.wait_until(lambda: bool(found()))
    return found()[0]


async def command(app: SlackApp, user: str, text: str) -> str:
    """``/leads <text>`` typed by ``user``; waits for and returns the private answer's text."""
    before = len(app.ws.ephemerals(user=user))
    response = await app.send(app.people.command(user, "C0SALES", "/leads", text))
    assert response.status_code == 200, response.text
    await app.ws.wait_until(lambda: len(app.ws.ephemerals(user=user)) > before)
    answer = app.ws.ephemerals(user=user)[-1]
    return answer.text + json.dumps(answer.blocks, ensure_ascii=False)
