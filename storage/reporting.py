"""The reads behind ``/leads stats`` and the digests, shaped to stay fast at a million leads.

Each query reads one index range and nothing else:

* stage moves in a window come from ``ix_transition_to_stage_at`` (an ``IN``
  over every stage turns it into one range scan per stage), with the time the
  lead entered the stage it left found through ``ix_transition_lead_at``;
  they are counted, and their median lengths picked, in the database: a
  quarter at a million leads is a hundred thousand moves, too many to ship
  to Python;
* new leads per source and campaign come from the covering
  ``ix_lead_first_seen_source_campaign`` without touching the table;
* the sales queue comes from ``ix_lead_stage_hot_mql_at``.

Numbers are aggregated by ``bot.core.funnel`` from these rows, so the slash
command and the digest count the same things in the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, case, func, or_, select
from sqlalchemy.orm import aliased

from storage.enums import Stage
from storage.models import Lead, SlackMessage, Transition
from storage.rows import LeadRow, MoveCount, NewLeads, Queue

_lead = Lead.__table__  # type: ignore[attr-defined]
_transition = Transition.__table__  # type: ignore[attr-defined]
_message = SlackMessage.__table__  # type: ignore[attr-defined]
_STAGES = [stage.value for stage in Stage]
#: the Slack message sales decides on, linked from pending lists
HANDOFF_PURPOSE = "sales_handoff"


def _in_window(start: datetime, end: datetime) -> Any:
    t = _transition
    return and_(t.c.to_stage.in_(_STAGES), t.c.at >= start, t.c.at < end)


def _stay_seconds(conn: Connection) -> Any:
    """Seconds the lead spent in the stage a move took it out of.

    The lead row answers for most moves (first seen for ``new``, the latest
    qualification for ``mql``); only the rest look up their previous move.
    """
    t = _transition
    earlier = aliased(_transition)
    previous = (
        select(func.max(earlier.c.at))
        .where(earlier.c.lead_id == t.c.lead_id, earlier.c.id < t.c.id)
        .scalar_subquery()
    )
    entered = case(
        (t.c.from_stage == Stage.NEW.value, _lead.c.first_seen_at),
        (and_(t.c.from_stage == Stage.MQL.value, _lead.c.mql_at <= t.c.at), _lead.c.mql_at),
        else_=func.coalesce(previous, _lead.c.first_seen_at),
    )
    return _seconds_between(conn, entered, t.c.at)


def move_counts(
    conn: Connection, start: datetime, end: datetime, *, sla_seconds: float, hot_sla_seconds: float
) -> list[MoveCount]:
    """Stage changes with ``start <= at < end``, counted per move, source, campaign, reason.

    Grouped by deal currency too, so amounts are never added across currencies.

    ``late`` counts the decisions on MQLs that took longer than the SLA.
    """
    t = _transition
    keys = (
        t.c.from_stage,
        t.c.to_stage,
        _lead.c.source,
        _lead.c.campaign,
        t.c.reason,
        _lead.c.deal_currency.label("currency"),
    )
    limit = case((_lead.c.hot.is_(True), hot_sla_seconds), else_=sla_seconds)
    late = and_(t.c.from_stage == Stage.MQL.value, _stay_seconds(conn) > limit)
    query = (
        select(
            *keys,
            func.count().label("count"),
            func.coalesce(func.sum(_lead.c.deal_amount), 0).label("revenue"),
            func.sum(case((_lead.c.mql_at.is_not(None), 1), else_=0)).label("from_marketing"),
            func.sum(case((late, 1), else_=0)).label("late"),
        )
        .join(_lead, _lead.c.id == t.c.lead_id)
        .where(_in_window(start, end))
        .group_by(*keys)
    )
    return [
        MoveCount(
            **{
                **row,
                "revenue": float(row["revenue"]),
                "from_marketing": int(row["from_marketing"]),
                "late": int(row["late"]),
            }
        )
        for row in conn.execute(query).mappings()
    ]


def median_stays(
    conn: Connection, start: datetime, end: datetime, exits: Mapping[str, int]
) -> dict[str, float]:
    """Median seconds spent in each stage, over the moves out of it in the window.

    ``exits`` (stage → moves out of it, from ``move_counts``) says where the
    middle rows are once all stays are sorted by stage and length, so the
    database returns only those: a window with a hundred thousand moves
    costs one sort and a few rows of transfer.
    """
    t = _transition
    moved = (
        select(t.c.from_stage.label("stage"), _stay_seconds(conn).label("seconds"))
        .join(_lead, _lead.c.id == t.c.lead_id)
        .where(_in_window(start, end))
        .subquery()
    )
    wanted: dict[int, str] = {}
    before = 0
    for stage in sorted(exits):
        count = exits[stage]
        wanted |= {before + (count + 1) // 2: stage, before + (count + 2) // 2: stage}
        before += count
    if not wanted:
        return {}
    order = func.row_number().over(order_by=(moved.c.stage, moved.c.seconds)).label("rn")
    ranked = select(moved.c.stage, moved.c.seconds, order).subquery()
    rows = conn.execute(
        select(ranked.c.stage, ranked.c.seconds).where(ranked.c.rn.in_(list(wanted)))
    ).all()
    middles: dict[str, list[float]] = {}
    for row in rows:
        middles.setdefault(row.stage, []).append(float(row.seconds))
    return {stage: sum(values) / len(values) for stage, values in middles.items()}


def _seconds_between(conn: Connection, earlier: Any, later: Any) -> Any:
    """``later - earlier`` in seconds: SQLite keeps timestamps as text, PostgreSQL as such."""
    if conn.dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def new_leads_between(conn: Connection, start: datetime, end: datetime) -> list[NewLeads]:
    """Leads first seen in ``[start, end)``, counted per (source, campaign)."""
    query = (
        select(_lead.c.source, _lead.c.campaign, func.count().label("count"))
        .where(_lead.c.first_seen_at >= start, _lead.c.first_seen_at < end)
        .group_by(_lead.c.source, _lead.c.campaign)
    )
    return [NewLeads(**row) for row in conn.execute(query).mappings()]


def sales_queue(conn: Connection, *, waited_since: datetime, hot_waited_since: datetime) -> Queue:
    """Pending MQLs; those that qualified before their cut-off have breached the SLA."""
    late = or_(
        and_(_lead.c.hot.is_(True), _lead.c.mql_at < hot_waited_since),
        and_(_lead.c.hot.is_not(True), _lead.c.mql_at < waited_since),
    )
    query = select(func.count(), func.coalesce(func.sum(case((late, 1), else_=0)), 0)).where(
        _lead.c.stage == Stage.MQL.value
    )
    pending, over = conn.execute(query).one()
    return Queue(pending=int(pending), over_sla=int(over))


def new_mqls_between(
    conn: Connection, start: datetime, end: datetime, *, limit: int
) -> list[LeadRow]:
    """Leads that became MQLs in the window, hot first, then by score."""
    query = (
        select(_lead)
        .join(_transition, _transition.c.lead_id == _lead.c.id)
        .where(
            _transition.c.to_stage == Stage.MQL.value,
            _transition.c.at >= start,
            _transition.c.at < end,
        )
        .order_by(_lead.c.hot.desc(), _lead.c.score.desc(), _lead.c.id)
        .limit(limit)
    )
    return [LeadRow.from_mapping(row) for row in conn.execute(query).mappings()]


def pending_leads(conn: Connection, *, limit: int, oldest_first: bool = False) -> list[LeadRow]:
    """MQLs awaiting a decision: hot first then oldest, or simply oldest first."""
    order = [_lead.c.mql_at, _lead.c.id]
    if not oldest_first:
        order.insert(0, _lead.c.hot.desc())
    query = select(_lead).where(_lead.c.stage == Stage.MQL.value).order_by(*order).limit(limit)
    return [LeadRow.from_mapping(row) for row in conn.execute(query).mappings()]


def handoff_messages(conn: Connection, lead_ids: list[int]) -> dict[int, tuple[str, str]]:
    """Where each lead's handoff card was posted: lead id → (channel, ts), the first one."""
    if not lead_ids:
        return {}
    query = (
        select(_message.c.lead_id, _message.c.channel, _message.c.ts)
        .where(_message.c.lead_id.in_(lead_ids), _message.c.purpose == HANDOFF_PURPOSE)
        .order_by(_message.c.id.desc())
    )
    return {row.lead_id: (row.channel, row.ts) for row in conn.execute(query)}
