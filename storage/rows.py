"""Typed rows handed from storage to the rest of the app.

A ``LeadRow`` is a lead as the database holds it, frozen: code that changes a
lead builds a new row (``dataclasses.replace``) after the statement that
changed the table, so nobody mistakes a half-updated mapping for the truth.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from storage.enums import Stage


@dataclass(frozen=True, slots=True)
class LeadRow:
    id: int
    email: str
    first_name: str | None
    last_name: str | None
    company: str | None
    job_title: str | None
    country: str | None
    company_size: int | None
    industry: str | None
    phone: str | None
    website: str | None
    source: str | None
    campaign: str | None
    utm: dict[str, Any]
    attributes: dict[str, Any]
    stage: str
    fit_score: int
    engagement_score: int
    score: int
    hot: bool
    score_reasons: list[dict[str, Any]]
    disqualify_reason: str | None
    owner_id: str | None
    converted: bool | None
    deal_amount: float | None
    deal_currency: str | None
    first_seen_at: datetime
    updated_at: datetime
    scored_at: datetime | None
    stage_changed_at: datetime | None
    mql_at: datetime | None
    decided_at: datetime | None
    closed_at: datetime | None
    erased_at: datetime | None
    imported_at: datetime | None
    version: int

    @classmethod
    def from_mapping(cls, row: Mapping[Any, Any]) -> LeadRow:
        """From a row of the lead table (or a merged mapping holding every column)."""
        return cls(**{name: row[name] for name in LEAD_COLUMNS})

    def as_dict(self) -> dict[str, Any]:
        """Column name → value: how scoring conditions read a lead's fields."""
        return {name: getattr(self, name) for name in LEAD_COLUMNS}


#: every column of the lead table, in the order of ``LeadRow``
LEAD_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(LeadRow))


@dataclass(frozen=True)
class DecidedLead:
    """A lead sales decided on: the criteria it matches and how it turned out."""

    #: ``Lead.score_reasons``: ``{"kind", "label", "points"}`` per matching criterion
    reasons: Sequence[Mapping[str, Any]]
    #: sales accepted it (it reached ``sql``), whatever happened next
    accepted: bool
    stage: str

    @property
    def won(self) -> bool:
        return self.stage == Stage.WON.value

    @property
    def open_deal(self) -> bool:
        """Accepted and not closed yet: whether it will be won is not known."""
        return self.stage == Stage.SQL.value


@dataclass(frozen=True)
class MoveCount:
    """How many leads of one source and campaign made one move in the window."""

    from_stage: str
    to_stage: str
    source: str | None
    campaign: str | None
    reason: str | None
    count: int
    #: deal amounts of these leads (what counts for ``won``), all in ``currency``
    revenue: float
    #: how many of them qualified through marketing (have been an MQL)
    from_marketing: int
    #: decisions on MQLs among them that took longer than the SLA
    late: int = 0
    #: the ISO code the deals were reported in (None when the outcome named none)
    currency: str | None = None


@dataclass(frozen=True)
class NewLeads:
    source: str | None
    campaign: str | None
    count: int


@dataclass(frozen=True)
class Queue:
    """The MQLs awaiting a decision right now, and how many waited past their SLA."""

    pending: int
    over_sla: int
