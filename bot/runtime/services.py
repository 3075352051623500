"""What every part of one running app shares, built once by ``create_app`` and never changed.

Handlers find it at ``request.app.state.services``; features get it when they
are built. Everything a test may want to vary (the database, the rules, the
clock) is in here, so each test builds an app of its own instead of patching
globals.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine
from standardwebhooks import Webhook

from bot.config.rules import LeadbotConfig
from bot.config.settings import Settings
from bot.delivery.doorbell import Doorbell
from bot.leads.ingest import EventWriter
from bot.leads.qualify import Qualifier
from bot.leads.unit_of_work import UnitOfWork
from bot.runtime.clock import Clock
from bot.runtime.metrics import Metrics


@dataclass(frozen=True)
class Services:
    settings: Settings
    config: LeadbotConfig
    engine: Engine
    clock: Clock
    metrics: Metrics
    #: every transaction that changes leads (effects run in it, delivery wakes after)
    work: UnitOfWork
    #: the single writer thread of lead events (group commit)
    writer: EventWriter
    qualifier: Qualifier
    #: rung after commits; the delivery workers of the features listen to it
    doorbell: Doorbell
    #: verifies the generic webhook source's Standard Webhooks signatures
    webhook: Webhook
