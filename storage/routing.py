"""Routing's tables: team locks, rotation credits, who is away, open offers, the audit trail.

A pick reads credits and writes them back, so two picks of one team must
not overlap: ``lock_teams`` updates the team rows first. On PostgreSQL that
takes their row locks until commit; on SQLite, where a transaction only
takes the database's write lock when it first writes, the update is that
first write. Teams are locked in name order, so two transactions never wait
for each other in a circle. Callers lock a lead (``storage.leads.lock_lead``
or a write to it) *before* the teams, never after.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.engine import Connection

from storage.dialect import insert_for
from storage.enums import Stage
from storage.models import (
    Lead,
    RoutingAway,
    RoutingEvent,
    RoutingOffer,
    RoutingSeat,
    RoutingTeam,
)

_team = RoutingTeam.__table__  # type: ignore[attr-defined]
_seat = RoutingSeat.__table__  # type: ignore[attr-defined]
_away = RoutingAway.__table__  # type: ignore[attr-defined]
_offer = RoutingOffer.__table__  # type: ignore[attr-defined]
_event = RoutingEvent.__table__  # type: ignore[attr-defined]
_lead = Lead.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class OfferRow:
    lead_id: int
    round_at: datetime
    team: str
    user_id: str
    reason: str
    account: str | None
    offered_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class EventRow:
    lead_id: int
    round_at: datetime
    team: str
    user_id: str | None
    kind: str
    at: datetime
    actor: str | None = None
    reason: str | None = None
    seconds: float | None = None
    late: bool = False


def lock_teams(conn: Connection, teams: Iterable[str], now: datetime) -> None:
    """Take the teams' locks (see the module docstring), creating their rows on first use."""
    for name in sorted(set(teams)):
        conn.execute(
            insert_for(conn, _team)
            .values(team=name, updated_at=now)
            .on_conflict_do_nothing(index_elements=["team"])
        )
        conn.execute(update(_team).where(_team.c.team == name).values(updated_at=now))


def credits(conn: Connection, team: str) -> dict[str, int]:
    rows = conn.execute(select(_seat.c.user_id, _seat.c.credit).where(_seat.c.team == team))
    return {row.user_id: int(row.credit) for row in rows}


def save_credits(conn: Connection, team: str, new: Mapping[str, int], now: datetime) -> None:
    for user_id, credit in new.items():
        statement = insert_for(conn, _seat).values(
            team=team, user_id=user_id, credit=credit, updated_at=now
        )
        conn.execute(
            statement.on_conflict_do_update(
                index_elements=["team", "user_id"], set_={"credit": credit, "updated_at": now}
            )
        )


def away_now(
    conn: Connection, user_ids: Iterable[str], now: datetime
) -> dict[str, datetime | None]:
    """Who of ``user_ids`` is away at ``now``, and until when (None: until they return)."""
    query = select(_away.c.user_id, _away.c.until).where(
        _away.c.user_id.in_(list(user_ids)),
        or_(_away.c.until.is_(None), _away.c.until > now),
    )
    return {row.user_id: row.until for row in conn.execute(query)}


def set_away(
    conn: Connection, user_id: str, *, until: datetime | None, by: str, now: datetime
) -> None:
    values = {"since": now, "until": until, "set_by": by}
    conn.execute(
        insert_for(conn, _away)
        .values(user_id=user_id, **values)
        .on_conflict_do_update(index_elements=["user_id"], set_=values)
    )


def clear_away(conn: Connection, user_id: str, now: datetime) -> bool:
    """Mark ``user_id`` back; False when they were not away."""
    was = away_now(conn, [user_id], now)
    conn.execute(delete(_away).where(_away.c.user_id == user_id))
    return user_id in was


def offers_since(conn: Connection, user_id: str, since: datetime) -> int:
    """Leads offered to ``user_id`` since ``since`` (their day, for the daily cap)."""
    query = select(func.count()).where(
        _event.c.user_id == user_id, _event.c.kind == "offered", _event.c.at >= since
    )
    return int(conn.execute(query).scalar_one())


def open_leads(conn: Connection, user_id: str) -> int:
    """SQLs ``user_id`` owns plus offers awaiting their answer."""
    owned = select(func.count()).where(
        _lead.c.owner_id == user_id, _lead.c.stage == Stage.SQL.value
    )
    waiting = select(func.count()).where(_offer.c.user_id == user_id)
    return int(conn.execute(owned).scalar_one()) + int(conn.execute(waiting).scalar_one())


def _offer_row(row: Any) -> OfferRow:
    return OfferRow(**{name: row[name] for name in OfferRow.__dataclass_fields__})


def open_offer(conn: Connection, lead_id: int) -> OfferRow | None:
    row = conn.execute(select(_offer).where(_offer.c.lead_id == lead_id)).mappings().first()
    return _offer_row(row) if row else None


def put_offer(conn: Connection, offer: OfferRow) -> None:
    """Store the lead's open offer, replacing the one it had."""
    delete_offer(conn, offer.lead_id)
    conn.execute(_offer.insert().values(**offer.__dict__))


def delete_offer(conn: Connection, lead_id: int) -> None:
    conn.execute(delete(_offer).where(_offer.c.lead_id == lead_id))


def expired_offers(conn: Connection, now: datetime, *, limit: int = 200) -> list[int]:
    """Leads whose offer ran out at or before ``now``, the longest expired first."""
    query = (
        select(_offer.c.lead_id)
        .where(_offer.c.expires_at <= now)
        .order_by(_offer.c.expires_at)
        .limit(limit)
    )
    return list(conn.execute(query).scalars())


def add_event(conn: Connection, event: EventRow) -> None:
    conn.execute(_event.insert().values(**event.__dict__))


def _events(conn: Connection, *conditions: Any) -> list[EventRow]:
    query = select(_event).where(*conditions).order_by(_event.c.at, _event.c.id)
    return [
        EventRow(**{name: row[name] for name in EventRow.__dataclass_fields__})
        for row in conn.execute(query).mappings()
    ]


def lead_events(conn: Connection, lead_id: int, round_at: datetime | None = None) -> list[EventRow]:
    """A lead's routing events, oldest first; of one qualification when ``round_at`` is given."""
    conditions = [_event.c.lead_id == lead_id]
    if round_at is not None:
        conditions.append(_event.c.round_at == round_at)
    return _events(conn, *conditions)


def events_between(conn: Connection, start: datetime, end: datetime) -> list[EventRow]:
    """Every routing event with ``start <= at < end`` (per-rep numbers of a window)."""
    return _events(conn, _event.c.at >= start, _event.c.at < end)


def account_candidates(conn: Connection, domain: str, *, limit: int = 20) -> list[Sequence[Any]]:
    """Owned SQLs and won leads whose email or website mentions ``domain``, latest first.

    ``(owner_id, email, website, company)`` rows; the caller checks the domain
    exactly. Reads the stage index: only accepted leads are looked at.
    """
    pattern = domain.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    query = (
        select(_lead.c.owner_id, _lead.c.email, _lead.c.website, _lead.c.company)
        .where(
            _lead.c.stage.in_([Stage.SQL.value, Stage.WON.value]),
            _lead.c.owner_id.is_not(None),
            or_(
                _lead.c.email.like(f"%@{pattern}", escape="\\"),
                func.lower(_lead.c.website).like(f"%{pattern}%", escape="\\"),
            ),
        )
        .order_by(_lead.c.decided_at.desc(), _lead.c.id.desc())
        .limit(limit)
    )
    return [tuple(row) for row in conn.execute(query)]


def forget_accounts(conn: Connection, lead_id: int) -> None:
    """Drop the company names a lead's offers were recorded with (its data is being erased)."""
    conn.execute(update(_offer).where(_offer.c.lead_id == lead_id).values(account=None))
    conn.execute(
        update(_event)
        .where(
            _event.c.lead_id == lead_id,
            _event.c.reason.startswith("account_owner:", autoescape=True),
        )
        .values(reason="account_owner")
    )
