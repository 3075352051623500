"""Outbound webhook events, subscriber configuration and the retry rules, without a network."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from pydantic import ValidationError

from bot.config.webhooks import EVENT_TYPES, Subscriber, WebhooksConfig, WebhookSecretMissing
from bot.core.lifecycle import RULES_ACTOR, Actor, ActorKind, plan_transition
from bot.delivery.policy import Delivered, Permanent, RateLimited, Retry
from bot.outbound.events import build_event, event_types
from bot.outbound.sender import STANDARD_SCHEDULE, WebhookRetry, classify
from storage.rows import LeadRow
from tests.support.leads import a_lead

IN_30_S = format_datetime(datetime(2026, 3, 2, 9, 30, 30, tzinfo=UTC), usegmt=True)

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SALES = Actor(ActorKind.SLACK, "U0ALICE")
CRM = Actor(ActorKind.SOURCE, "hubspot")


@pytest.mark.parametrize(
    ("stage", "target", "actor", "expected"),
    [
        ("new", "mql", RULES_ACTOR, ["lead.mql"]),
        ("recycled", "mql", RULES_ACTOR, ["lead.mql"]),
        ("mql", "sql", SALES, ["lead.accepted", "lead.assigned"]),
        ("mql", "recycled", SALES, ["lead.rejected", "lead.recycled"]),
        ("mql", "disqualified", SALES, ["lead.rejected", "lead.disqualified"]),
        ("new", "disqualified", RULES_ACTOR, ["lead.disqualified"]),
        ("sql", "won", CRM, ["lead.won"]),
        ("sql", "lost", CRM, ["lead.lost"]),
        ("disqualified", "new", Actor(ActorKind.CLI), ["lead.reopened"]),
        ("lost", "sql", Actor(ActorKind.CLI), ["lead.reopened"]),
    ],
)
def test_every_stage_change_names_its_events(stage, target, actor, expected) -> None:
    assert event_types(plan_transition(stage, target, actor, now=NOW)) == expected


def lead_row(**changes: Any) -> LeadRow:
    return a_lead(
        **{
            "stage": "won", "owner_id": "U0ALICE", "source": "website", "campaign": "spring",
            "deal_amount": 1200.0, "deal_currency": "EUR", "version": 4,
            "score_reasons": [{"kind": "fit", "label": "VP or head of department", "points": 20}],
            **changes,
        }
    )  # fmt: skip


def test_a_won_event_carries_the_deal_and_the_transition() -> None:
    plan = plan_transition("sql", "won", CRM, "signed", now=NOW)
    event = build_event("lead.won", lead_row(), plan)
    assert event == {
        "type": "lead.won",
        "id": "evt_7_4_won",
        "occurred_at": "2026-03-02T09:30:00Z",
        "data": {
            "lead": {
                "id": 7,
                "email": "jane@acme.example",
                "name": "Jane Doe",
                "company": "Acme",
                "stage": "won",
                "score": 85,
                "fit": 45,
                "engagement": 40,
                "reasons": [{"kind": "fit", "label": "VP or head of department", "points": 20}],
                "owner": "U0ALICE",
                "source": "website",
                "campaign": "spring",
                "version": 4,
                "amount": 1200.0,
                "currency": "EUR",
            },
            "transition": {
                "from": "sql",
                "to": "won",
                "actor": "source:hubspot",
                "reason": "signed",
                "note": None,
                "at": "2026-03-02T09:30:00Z",
            },
        },
    }
    accepted = build_event("lead.accepted", lead_row(first_name=None, last_name=None),
                           plan_transition("mql", "sql", SALES, now=NOW))  # fmt: skip
    assert "amount" not in accepted["data"]["lead"]
    assert accepted["data"]["lead"]["name"] is None


def test_subscribers_need_one_valid_secret_and_known_events(monkeypatch) -> None:
    base = {"name": "crm", "url": "https://crm.example/hooks"}
    assert Subscriber.model_validate(base | {"secret": SECRET}).events == list(EVENT_TYPES)
    for bad in (
        base,
        base | {"secret": SECRET, "secret_env": "X"},
        base | {"secret": "not-a-secret"},
        base | {"secret": "whsec_c2hvcnQ="},
        base | {"secret": SECRET, "events": ["lead.created"]},
        base | {"secret": SECRET, "url": "ftp://crm.example"},
        base | {"secret": SECRET, "name": "CRM system"},
    ):
        with pytest.raises(ValidationError):
            Subscriber.model_validate(bad)
    with pytest.raises(ValidationError, match="unique"):
        WebhooksConfig.model_validate({"subscribers": [base | {"secret": SECRET}] * 2})

    from_env = Subscriber.model_validate(base | {"secret_env": "CRM_SECRET"})
    with pytest.raises(WebhookSecretMissing, match="CRM_SECRET"):
        from_env.signing_secret()
    monkeypatch.setenv("CRM_SECRET", SECRET)
    assert from_env.signing_secret() == SECRET
    assert SECRET not in repr(Subscriber.model_validate(base | {"secret": SECRET}))


@pytest.mark.parametrize(
    ("status", "retry_after", "expected"),
    [
        (200, None, Delivered({"status": 200})),
        (204, None, Delivered({"status": 204})),
        (408, None, Retry("HTTP 408")),
        (429, None, Retry("HTTP 429")),
        (429, "7", RateLimited(7.0, "HTTP 429")),
        (
            429,
            IN_30_S,
            RateLimited(30.0, "HTTP 429"),
        ),
        (500, None, Retry("HTTP 500")),
        (503, "5", Retry("HTTP 503")),
        (301, None, Permanent("HTTP 301")),
        (400, None, Permanent("HTTP 400")),
        (410, None, Permanent("HTTP 410")),
    ],
)
def test_answers_are_classified_as_the_standard_advises(status, retry_after, expected) -> None:
    assert classify(status, retry_after, NOW) == expected


def test_the_retry_schedule_is_the_standard_one_and_lasts_about_a_day() -> None:
    policy = WebhookRetry()
    rng = random.Random(3)
    waits = [policy.delay(n, rng) for n in range(1, 9)]
    assert waits[-1] is None  # the 8th failed attempt dead-letters
    for wait, nominal in zip(waits, STANDARD_SCHEDULE, strict=False):
        assert wait is not None and 0.75 * nominal <= wait <= nominal
    assert timedelta(hours=24) < timedelta(seconds=policy.total_wait()) < timedelta(hours=30)
    assert WebhookRetry(schedule=(1, 2)).max_attempts == 3
