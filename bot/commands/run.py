"""Carry out a parsed ``/leads`` request against the database and word the answer.

Synchronous: the Slack listener runs it in a thread after acknowledging the
command, and answers through the command's ``response_url``. Permissions are
decided by the caller (deciders need a Slack lookup); this module trusts the
``Caller`` it is given. Stage changes go through ``change_stage`` with the
person as a Slack actor, so cards, webhooks and the audit trail follow as for
a button click.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.engine import Connection, Engine, RowMapping

from bot.commands import replies
from bot.commands.parse import (
    Assign,
    Disqualify,
    Explain,
    Forget,
    Help,
    Mine,
    Pending,
    Recycle,
    Request,
    Search,
    Show,
    Stats,
)
from bot.config.rules import LeadbotConfig
from bot.core.funnel import read_funnel
from bot.core.lifecycle import Actor, ActorKind, IllegalTransition, NotAllowed, plan_transition
from bot.digests.message import LeadLine
from bot.leads.explain import explain_score, stored_score
from bot.leads.forget import ErasureEffect, already_erased, forget_lead
from bot.leads.stage_change import TransitionEffect, change_stage
from bot.slack.blocks import OutgoingMessage
from bot.slack.cards import build_card
from bot.slack.text import date_token, mrkdwn, user_mention
from storage.lead_lookup import (
    count_owned,
    count_pending,
    owned_leads,
    search_leads,
    stage_history,
)
from storage.lead_queries import lead_by_email
from storage.models import Lead, Stage
from storage.reporting import handoff_messages, pending_leads
from storage.transitions import StaleLead

_lead = Lead.__table__  # type: ignore[attr-defined]
_DAYS = {"7d": 7, "30d": 30, "90d": 90}


@dataclass(frozen=True)
class Caller:
    """Who typed the command, where, and what they may do."""

    user_id: str
    channel_id: str
    #: the workspace's domain, for links to cards (``https://<domain>.slack.com/…``)
    team_domain: str | None = None
    admin: bool = False


@dataclass(frozen=True)
class Services:
    engine: Engine
    config: LeadbotConfig
    now: datetime
    effects: Sequence[TransitionEffect] = ()
    after_commit: Sequence[Callable[[], None]] = ()
    erasure_effects: Sequence[ErasureEffect] = ()


def answer(request: Request, caller: Caller, svc: Services) -> OutgoingMessage:
    """The reply to ``request``; stage changes and erasures are committed first."""
    if isinstance(request, Help):
        return replies.help_reply(svc.config.commands.name)
    if isinstance(request, Stats):
        return _stats(request, svc)
    if isinstance(request, Assign | Recycle | Disqualify | Forget):
        message = _change(request, caller, svc)
        for hook in svc.after_commit:
            hook()
        return message
    with svc.engine.connect() as conn:
        return _read(conn, request, caller, svc)


def stats_window(range_: str, now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """``[start, now)`` for ``7d``/``30d``/``90d``, or the quarter to date in ``zone``."""
    if range_ in _DAYS:
        return now - timedelta(days=_DAYS[range_]), now
    local = now.astimezone(zone)
    first_month = 3 * ((local.month - 1) // 3) + 1
    start = local.replace(month=first_month, day=1, hour=0, minute=0, second=0, microsecond=0)
    return start.astimezone(now.tzinfo), now


def permalink(domain: str | None, channel: str, ts: str) -> str | None:
    """The link Slack gives a message, built from the workspace domain without an API call."""
    if not domain:
        return None
    return f"https://{domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"


def _card_link(caller: Caller, card: tuple[str, str] | None) -> str | None:
    return permalink(caller.team_domain, *card) if card else None


def _stats(request: Stats, svc: Services) -> OutgoingMessage:
    start, end = stats_window(request.range, svc.now, ZoneInfo(svc.config.digests.timezone))
    with svc.engine.connect() as conn:
        funnel = read_funnel(conn, start, end, now=svc.now, sla=svc.config.slack.sla)
    label = "quarter to date" if request.range == "quarter" else f"last {request.range}"
    return replies.stats_reply(funnel, label)


def _read(conn: Connection, request: Request, caller: Caller, svc: Services) -> OutgoingMessage:
    limit = svc.config.commands.list_size
    if isinstance(request, Pending):
        rows = pending_leads(conn, limit=limit)
        cards = handoff_messages(conn, [row["id"] for row in rows])
        lines = [
            LeadLine.from_row(row, since="mql_at", url=_card_link(caller, cards.get(row["id"])))
            for row in rows
        ]
        total = count_pending(conn)
        return replies.lead_list_reply(
            "Awaiting a decision", lines, total=total, limit=limit, now=svc.now
        )
    if isinstance(request, Mine):
        rows = owned_leads(conn, caller.user_id, limit=limit)
        lines = [LeadLine.from_row(row, since="decided_at") for row in rows]
        total = count_owned(conn, caller.user_id)
        return replies.lead_list_reply("Your SQLs", lines, total=total, limit=limit, now=svc.now)
    if isinstance(request, Search):
        return _matches(conn, request.text, limit, svc.now)
    if isinstance(request, Show):
        if "@" not in request.query:
            rows = search_leads(conn, request.query, limit=limit)
            if len(rows) != 1:
                return _matches(conn, request.query, limit, svc.now, rows=rows)
            return _show(conn, rows[0])
        lead = lead_by_email(conn, request.query)
        return _show(conn, lead) if lead else _no_lead(request.query)
    if isinstance(request, Explain):
        lead = lead_by_email(conn, request.email)
        if lead is None:
            return _no_lead(request.email)
        score = explain_score(conn, lead, svc.config.scoring, svc.now)
        return replies.explain_reply(lead["email"], score, stored_score(lead))
    raise TypeError(f"not a read request: {request!r}")


def _matches(
    conn: Connection,
    text: str,
    limit: int,
    now: datetime,
    *,
    rows: list[RowMapping] | None = None,
) -> OutgoingMessage:
    rows = search_leads(conn, text, limit=limit) if rows is None else rows
    if not rows:
        return replies.reply(f"No lead matches {mrkdwn(text, 200)}.")
    lines = [LeadLine.from_row(row, since="first_seen_at") for row in rows[:limit]]
    title = f"Leads matching {mrkdwn(text, 200)}" + (" (first ones)" if len(rows) > limit else "")
    return replies.lead_list_reply(title, lines, total=len(lines), limit=limit, now=now)


def _show(conn: Connection, lead: RowMapping) -> OutgoingMessage:
    card = build_card(conn, lead)
    history = stage_history(conn, lead["id"])
    return replies.lead_reply(card, history, erased=lead["erased_at"] is not None)


def _no_lead(email: str) -> OutgoingMessage:
    return replies.reply(f"I know no lead {mrkdwn(email, 320)}.")


def _change(
    request: Assign | Recycle | Disqualify | Forget, caller: Caller, svc: Services
) -> OutgoingMessage:
    actor = Actor(ActorKind.SLACK, caller.user_id, admin=caller.admin)
    try:
        with svc.engine.begin() as conn:
            lead = lead_by_email(conn, request.email)
            if lead is None:
                return _no_lead(request.email)
            if isinstance(request, Forget):
                if lead["erased_at"] is not None:
                    return replies.reply(already_erased(lead, date_token(lead["erased_at"])))
                erased = forget_lead(conn, lead, now=svc.now, effects=svc.erasure_effects)
                return replies.reply(erased.summary())
            return _move(conn, lead, request, actor, svc)
    except (IllegalTransition, NotAllowed) as exc:
        return replies.reply(f"Not done: {mrkdwn(str(exc), 500)}.")
    except StaleLead as exc:
        return replies.reply(
            f"Not done: someone changed that lead meanwhile; it is now {exc.stage}."
        )


def _move(
    conn: Connection,
    lead: RowMapping,
    request: Assign | Recycle | Disqualify,
    actor: Actor,
    svc: Services,
) -> OutgoingMessage:
    who = mrkdwn(lead["email"], 320)
    if isinstance(request, Assign):
        owner = user_mention(request.user_id)
        if lead["stage"] == Stage.SQL.value:
            _reassign(conn, lead, request.user_id, svc.now)
            return replies.reply(f"{who} now belongs to {owner}.")
        reason, target = f"assigned by {actor}", Stage.SQL
    elif isinstance(request, Recycle):
        reason, target = request.reason, Stage.RECYCLED
    else:
        reason, target = request.reason, Stage.DISQUALIFIED
    plan = plan_transition(
        lead["stage"],
        target,
        actor,
        reason,
        now=svc.now,
        owner_id=request.user_id if isinstance(request, Assign) else None,
    )
    change_stage(conn, lead=lead, plan=plan, effects=svc.effects)
    if isinstance(request, Assign):
        return replies.reply(f"{who} is accepted and assigned to {user_mention(request.user_id)}.")
    return replies.reply(f"{who} is now {target.value}: {mrkdwn(reason, 300)}.")


def _reassign(conn: Connection, lead: RowMapping, owner_id: str, now: datetime) -> None:
    """Hand an SQL to someone else: not a stage change, but checked against concurrent edits."""
    result = conn.execute(
        update(_lead)
        .where(_lead.c.id == lead["id"], _lead.c.version == lead["version"])
        .values(owner_id=owner_id, updated_at=now, version=_lead.c.version + 1)
    )
    if result.rowcount != 1:
        raise StaleLead(
            lead["id"], stage=lead["stage"], owner_id=lead["owner_id"], version=lead["version"]
        )
