"""SQLModel tables for the domain (DESIGN §3).

Each table is the durable form of one concept; behaviour lives in ``bot/``.
Indexes are declared next to the lookups that need them so a reader sees why
each exists.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.clock import utc_now
from storage.enums import OutboxStatus, Stage
from storage.types import JSONType, UTCDateTime


def _ts(*, index: bool = False, nullable: bool = True) -> Any:
    return Field(
        default=None,
        sa_column=Column(UTCDateTime(), index=index, nullable=nullable),
    )


class Lead(SQLModel, table=True):
    """A person marketing wants to hand to sales; identity is the normalised email."""

    __tablename__ = "lead"
    __table_args__ = (
        # pending queue, funnel and digest counts all filter on stage and time
        Index("ix_lead_stage_mql_at", "stage", "mql_at"),
        Index("ix_lead_first_seen_at", "first_seen_at"),
        Index("ix_lead_source_first_seen", "source", "first_seen_at"),
        Index("ix_lead_owner_stage", "owner_id", "stage"),
        # stats and digests: new leads per source and campaign, read from the index alone
        Index("ix_lead_first_seen_source_campaign", "first_seen_at", "source", "campaign"),
        # the sales queue in the order /leads pending shows it: hot first, then oldest
        Index("ix_lead_stage_hot_mql_at", "stage", "hot", "mql_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, sa_column_kwargs={"unique": True}, nullable=False)
    first_name: str | None = Field(default=None, max_length=200)
    last_name: str | None = Field(default=None, max_length=200)
    company: str | None = Field(default=None, max_length=300)
    job_title: str | None = Field(default=None, max_length=300)
    country: str | None = Field(default=None, max_length=2)
    company_size: int | None = None
    industry: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=32)
    website: str | None = Field(default=None, max_length=500)
    source: str | None = Field(default=None, max_length=200)
    campaign: str | None = Field(default=None, max_length=300)
    utm: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    attributes: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONType, nullable=False)
    )

    stage: str = Field(default=Stage.NEW.value, max_length=20, nullable=False)
    fit_score: int = 0
    engagement_score: int = 0
    score: int = 0
    hot: bool = False
    #: the contributions behind the score, as shown on cards and by ``explain``
    score_reasons: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSONType, nullable=False)
    )
    disqualify_reason: str | None = Field(default=None, max_length=300)
    owner_id: str | None = Field(default=None, max_length=64)

    #: outcome learnt from history (CSV import) when no lifecycle exists for it
    converted: bool | None = None
    deal_amount: float | None = None
    deal_currency: str | None = Field(default=None, max_length=3)

    first_seen_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(UTCDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(UTCDateTime(), nullable=False)
    )
    scored_at: datetime | None = _ts()
    stage_changed_at: datetime | None = _ts()
    mql_at: datetime | None = _ts()
    decided_at: datetime | None = _ts()
    closed_at: datetime | None = _ts()
    erased_at: datetime | None = _ts()
    #: set by a CSV import: the lead is history, never announced when rules change
    imported_at: datetime | None = _ts()

    #: optimistic concurrency: every stage change bumps it and checks the old value
    version: int = Field(default=1, nullable=False)


class Event(SQLModel, table=True):
    """A raw inbound event, kept for audit and replay; (source, external_id) is idempotency."""

    __tablename__ = "event"
    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_event_source_external_id"),
        Index("ix_event_received_at", "received_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=64, nullable=False)
    external_id: str = Field(max_length=255, nullable=False)
    type: str = Field(max_length=64, nullable=False)
    received_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(UTCDateTime(), nullable=False)
    )
    payload: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONType, nullable=False)
    )
    lead_id: int | None = Field(default=None, foreign_key="lead.id", index=True)
    #: ``accepted``; ``refused`` (an outcome that broke a lifecycle rule, kept for audit); or
    #: ``unmapped`` (a lead source's payload that names no lead, kept for audit, no lead_id)
    status: str = Field(default="accepted", max_length=16, nullable=False)
    error: str | None = Field(default=None, max_length=1000)


class Activity(SQLModel, table=True):
    """Something a lead did; engagement scoring reads these."""

    __tablename__ = "activity"
    __table_args__ = (
        Index("ix_activity_lead_occurred", "lead_id", "occurred_at"),
        Index("ix_activity_occurred_at", "occurred_at"),
        # one rule's activities of a lead: expiry lines crossed, exact recomputation
        Index("ix_activity_lead_type_occurred", "lead_id", "type", "occurred_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    lead_id: int = Field(foreign_key="lead.id", nullable=False)
    event_id: int | None = Field(default=None, foreign_key="event.id")
    type: str = Field(max_length=64, nullable=False)
    occurred_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    properties: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONType, nullable=False)
    )


class LeadScoreState(SQLModel, table=True):
    """What a lead's score needs (``bot.core.score_state``), so an event never re-reads history.

    A cache of the lead's activities under the engagement and hot rules
    fingerprinted in ``rules``: whatever changes activities other than ingest
    deletes the row, and the next scoring builds it again.
    """

    __tablename__ = "score_state"

    lead_id: int = Field(
        primary_key=True, foreign_key="lead.id", sa_column_kwargs={"autoincrement": False}
    )
    rules: str = Field(max_length=64, nullable=False)
    #: JSON text (not JSONB: floats must come back bit for bit)
    state: str = Field(sa_column=Column(Text, nullable=False))
    #: bumped on every write; a sweep writes only over the revision it read
    revision: int = Field(default=1, nullable=False)


class LeadAlias(SQLModel, table=True):
    """A lead source's own id for a lead's person (a Segment user id, a Calendly invitee).

    Later events from that source which carry the id but no email find the lead through it.
    """

    __tablename__ = "lead_alias"
    __table_args__ = (
        UniqueConstraint("source", "alias", name="uq_lead_alias_source_alias"),
        Index("ix_lead_alias_lead_id", "lead_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=64, nullable=False)
    alias: str = Field(max_length=255, nullable=False)
    lead_id: int = Field(foreign_key="lead.id", nullable=False)
    updated_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(UTCDateTime(), nullable=False)
    )


class Transition(SQLModel, table=True):
    """One stage change: the audit trail the stage can be replayed from."""

    __tablename__ = "transition"
    __table_args__ = (
        Index("ix_transition_lead_at", "lead_id", "at"),
        # stats and digests read a window's moves from this index alone; it
        # also serves every lookup by (to_stage, at)
        Index(
            "ix_transition_to_stage_at_cover", "to_stage", "at", "lead_id", "from_stage", "reason"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    lead_id: int = Field(foreign_key="lead.id", nullable=False)
    from_stage: str = Field(max_length=20, nullable=False)
    to_stage: str = Field(max_length=20, nullable=False)
    #: ``system``, ``rules``, ``source:<name>``, ``slack:<user id>`` or ``cli``
    actor: str = Field(max_length=100, nullable=False)
    reason: str | None = Field(default=None, max_length=300)
    note: str | None = Field(default=None, max_length=3000)
    at: datetime = Field(default_factory=utc_now, sa_column=Column(UTCDateTime(), nullable=False))
    #: the lead's version after this transition
    version: int = Field(nullable=False)


class SlackMessage(SQLModel, table=True):
    """A message leadbot posted, so cards can be updated in place and never re-posted."""

    __tablename__ = "slack_message"
    __table_args__ = (
        UniqueConstraint("dedupe_key", name="uq_slack_message_dedupe_key"),
        Index("ix_slack_message_lead_purpose", "lead_id", "purpose"),
    )

    id: int | None = Field(default=None, primary_key=True)
    lead_id: int | None = Field(default=None, foreign_key="lead.id")
    #: ``marketing_notice``, ``sales_handoff``, ``digest``, ``reminder``, ``escalation`` …
    purpose: str = Field(max_length=32, nullable=False)
    channel: str = Field(max_length=64, nullable=False)
    ts: str = Field(max_length=32, nullable=False)
    thread_ts: str | None = Field(default=None, max_length=32)
    dedupe_key: str = Field(max_length=255, nullable=False)
    created_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(UTCDateTime(), nullable=False)
    )


class Outbox(SQLModel, table=True):
    """Work to send out (Slack calls, outbound webhooks), written with the change that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("dedupe_key", name="uq_outbox_dedupe_key"),
        Index("ix_outbox_status_next", "status", "next_attempt_at"),
        Index("ix_outbox_lead", "lead_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    #: ``slack`` or ``webhook``
    kind: str = Field(max_length=16, nullable=False)
    #: pacing and ordering key: a Slack channel or a subscriber name
    target: str = Field(max_length=300, nullable=False)
    payload: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONType, nullable=False)
    )
    dedupe_key: str = Field(max_length=255, nullable=False)
    lead_id: int | None = Field(default=None, foreign_key="lead.id")
    status: str = Field(default=OutboxStatus.PENDING.value, max_length=16, nullable=False)
    attempts: int = Field(default=0, nullable=False)
    next_attempt_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(UTCDateTime(), nullable=False)
    )
    claimed_until: datetime | None = _ts()
    last_error: str | None = Field(default=None, max_length=2000)
    #: what the receiver answered that later steps need (e.g. a Slack message ``ts``)
    result: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    created_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(UTCDateTime(), nullable=False)
    )
    done_at: datetime | None = _ts()


class DigestRun(SQLModel, table=True):
    """The claim that makes each (channel, period) digest go out exactly once."""

    __tablename__ = "digest_run"
    __table_args__ = (UniqueConstraint("channel", "period", name="uq_digest_run_channel_period"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=64, nullable=False)
    #: e.g. ``daily:2026-11-23`` or ``weekly:2026-W48``
    period: str = Field(max_length=64, nullable=False)
    claimed_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(UTCDateTime(), nullable=False)
    )
    claimed_by: str | None = Field(default=None, max_length=200)


class AppState(SQLModel, table=True):
    """Named facts about the installation, such as the rules the stored scores came from."""

    __tablename__ = "app_state"

    key: str = Field(primary_key=True, max_length=100)
    value: str = Field(max_length=2000, nullable=False)
    updated_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(UTCDateTime(), nullable=False)
    )


class QualificationAnswer(SQLModel, table=True):
    """An answer to a qualification question, given when sales accepted the lead.

    Stored with the acceptance: ``version`` is the lead's version after that
    transition (``Transition.version``), so a lead accepted again after
    recycling keeps each round's answers apart.
    """

    __tablename__ = "qualification_answer"
    __table_args__ = (
        UniqueConstraint(
            "lead_id", "version", "question", name="uq_qualification_answer_lead_question"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    lead_id: int = Field(foreign_key="lead.id", nullable=False)
    version: int = Field(nullable=False)
    #: the order the questions were asked in
    position: int = Field(nullable=False)
    #: the question's id (its ``key`` in the rules file): what insights group by
    question: str = Field(max_length=64, nullable=False)
    #: the question as it was asked
    label: str = Field(max_length=150, nullable=False)
    #: ``choice`` or ``text``
    kind: str = Field(max_length=16, nullable=False)
    #: None for an optional question left empty, and for a text answer once erased
    answer: str | None = Field(default=None, max_length=300)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class RoutingTeam(SQLModel, table=True):
    """One row per team, updated before every pick: the lock that makes picks take turns."""

    __tablename__ = "routing_team"

    team: str = Field(primary_key=True, max_length=64)
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class RoutingSeat(SQLModel, table=True):
    """A member's credit in their team's rotation (``bot.core.rotation``)."""

    __tablename__ = "routing_seat"

    team: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(primary_key=True, max_length=64)
    credit: int = Field(default=0, sa_column=Column(BigInteger(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class RoutingAway(SQLModel, table=True):
    """Someone who takes no leads for now (``/leads away``); ``until`` None: until they return."""

    __tablename__ = "routing_away"

    user_id: str = Field(primary_key=True, max_length=64)
    since: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    until: datetime | None = _ts()
    set_by: str = Field(max_length=64, nullable=False)


class RoutingOffer(SQLModel, table=True):
    """The open offer of a lead: one at most, so a lead is never offered to two reps at once."""

    __tablename__ = "routing_offer"
    __table_args__ = (
        # the sweep finds offers whose time is up
        Index("ix_routing_offer_expires_at", "expires_at"),
        # caps count the offers awaiting each rep
        Index("ix_routing_offer_user_id", "user_id"),
    )

    lead_id: int = Field(primary_key=True, foreign_key="lead.id")
    #: the qualification the offer belongs to (the lead's ``mql_at``)
    round_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    team: str = Field(max_length=64, nullable=False)
    user_id: str = Field(max_length=64, nullable=False)
    reason: str = Field(max_length=32, nullable=False)
    account: str | None = Field(default=None, max_length=300)
    offered_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class RoutingEvent(SQLModel, table=True):
    """One step of a lead's routing: offered, passed, timed out, accepted… (the audit trail)."""

    __tablename__ = "routing_event"
    __table_args__ = (
        Index("ix_routing_event_lead_at", "lead_id", "at"),
        # per-rep numbers of a window, and offers of a rep's day
        Index("ix_routing_event_user_at", "user_id", "at"),
        Index("ix_routing_event_at", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    lead_id: int = Field(foreign_key="lead.id", nullable=False)
    round_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    team: str = Field(max_length=64, nullable=False)
    #: the rep concerned; None for a fallback to the channel
    user_id: str | None = Field(default=None, max_length=64)
    #: ``bot.core.offers.Step``
    kind: str = Field(max_length=16, nullable=False)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    #: who caused it (``slack:U…``, ``system``), when not the rep themselves
    actor: str | None = Field(default=None, max_length=100)
    reason: str | None = Field(default=None, max_length=300)
    #: how long the rep took to answer the offer
    seconds: float | None = None
    #: the rep's decision came after the SLA
    late: bool = Field(default=False, nullable=False)
