"""The objects a running app shares with its handlers and components.

Handlers receive this through ``request.app.state.ctx`` rather than reaching
for globals, so each test can build an app with its own database, rules and
clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from standardwebhooks import Webhook

from bot.config.rules import LeadbotConfig
from bot.config.settings import Settings
from bot.leads.forget import ErasureEffect
from bot.leads.ingest import EventWriter
from bot.leads.qualify import Qualifier
from bot.leads.stage_change import TransitionEffect
from bot.runtime.metrics import Metrics
from bot.runtime.schedule import Schedule

if TYPE_CHECKING:
    from bot.slack.component import SlackRuntime


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class AppContext:
    settings: Settings
    config: LeadbotConfig
    engine: Engine
    writer: EventWriter
    metrics: Metrics
    webhook: Webhook
    schedule: Schedule
    qualifier: Qualifier
    clock: Callable[[], datetime] = utc_now
    #: every stage change runs these in its transaction (filled from the components)
    effects: list[TransitionEffect] = field(default_factory=list)
    #: what each component does when a lead is erased (filled from the components)
    erasure_effects: list[ErasureEffect] = field(default_factory=list)
    #: thread-safe callbacks run after the ingest writer commits (wake the outbox worker)
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    #: the Slack component's shared objects (Bolt app, client, worker), when it runs
    slack: SlackRuntime | None = None
