"""Carry out a parsed ``/leads`` request against the database and word the answer.

Synchronous: the Slack listener runs it in a thread after acknowledging the
command, and answers through the command's ``response_url``. Permissions are
decided by the caller (deciders need a Slack lookup); this module trusts the
``Caller`` it is given. Stage changes go through ``change_stage`` with the
person as a Slack actor, so cards, webhooks and the audit trail follow as for
a button click.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Connection

from bot.commands import replies
from bot.commands.parse import (
    Assign,
    Away,
    Back,
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
    TeamStatus,
)
from bot.config.rules import LeadbotConfig
from bot.core.lifecycle import Actor, ActorKind, IllegalTransition, NotAllowed, plan_transition
from bot.core.qualification import Answer
from bot.core.scoring import explain
from bot.digests.message import LeadLine
from bot.digests.numbers import read_funnel
from bot.leads.decisions import hand_over
from bot.leads.forget import already_erased, forget_lead
from bot.leads.qualify import change_stage
from bot.leads.unit_of_work import UnitOfWork, Work
from bot.routing.availability import come_back, go_away, team_report
from bot.routing.router import Router
from bot.slack.blocks import OutgoingMessage
from bot.slack.cards import build_card
from bot.slack.text import date_token, mrkdwn, user_mention
from storage.enums import Stage
from storage.leads import (
    activities_of,
    count_owned,
    count_pending,
    lead_by_email,
    owned_leads,
    search_leads,
    stage_history,
)
from storage.qualification import latest_answers
from storage.reporting import handoff_messages, pending_leads
from storage.routing import lead_events
from storage.rows import LeadRow
from storage.transitions import StaleLead

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
    """What answering needs: the unit of work, the rules file and the moment of asking."""

    work: UnitOfWork
    config: LeadbotConfig
    now: datetime


def answer(
    request: Request, caller: Caller, work: UnitOfWork, config: LeadbotConfig, now: datetime
) -> OutgoingMessage:
    """The reply to ``request``; stage changes and erasures are committed first."""
    svc = Services(work, config, now)
    if isinstance(request, Help):
        return replies.help_reply(config.commands.name)
    if isinstance(request, Stats):
        return _stats(request, svc)
    if isinstance(request, Assign | Recycle | Disqualify | Forget):
        return _change(request, caller, svc)
    if isinstance(request, Away | Back):
        return _availability(request, caller, svc)
    with work.read() as conn:
        if isinstance(request, TeamStatus):
            router = Router(config.routing, config.slack)
            return replies.team_reply(team_report(conn, router, now), now)
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
    with svc.work.read() as conn:
        funnel = read_funnel(conn, start, end, now=svc.now, sla=svc.config.slack.sla)
    label = "quarter to date" if request.range == "quarter" else f"last {request.range}"
    return replies.stats_reply(funnel, label)


def _read(conn: Connection, request: Request, caller: Caller, svc: Services) -> OutgoingMessage:
    limit = svc.config.commands.list_size
    if isinstance(request, Pending):
        rows = pending_leads(conn, limit=limit)
        cards = handoff_messages(conn, [row.id for row in rows])
        lines = [
            LeadLine.of(row, since=row.mql_at, url=_card_link(caller, cards.get(row.id)))
            for row in rows
        ]
        total = count_pending(conn)
        return replies.lead_list_reply(
            "Awaiting a decision", lines, total=total, limit=limit, now=svc.now
        )
    if isinstance(request, Mine):
        rows = owned_leads(conn, caller.user_id, limit=limit)
        lines = [LeadLine.of(row, since=row.decided_at) for row in rows]
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
        score = explain(lead, activities_of(conn, lead.id), svc.config.scoring, svc.now)
        stored = (lead.fit_score, lead.engagement_score, lead.score)
        return replies.explain_reply(lead.email, score, stored)
    raise TypeError(f"not a read request: {request!r}")


def _matches(
    conn: Connection,
    text: str,
    limit: int,
    now: datetime,
    *,
    rows: list[LeadRow] | None = None,
) -> OutgoingMessage:
    rows = search_leads(conn, text, limit=limit) if rows is None else rows
    if not rows:
        return replies.reply(f"No lead matches {mrkdwn(text, 200)}.")
    lines = [LeadLine.of(row, since=row.first_seen_at) for row in rows[:limit]]
    title = f"Leads matching {mrkdwn(text, 200)}" + (" (first ones)" if len(rows) > limit else "")
    return replies.lead_list_reply(title, lines, total=len(lines), limit=limit, now=now)


def _show(conn: Connection, lead: LeadRow) -> OutgoingMessage:
    card = build_card(conn, lead)
    history = stage_history(conn, lead.id)
    answers = [Answer.from_row(row) for row in latest_answers(conn, lead.id)]
    routing = lead_events(conn, lead.id)
    return replies.lead_reply(
        card, history, erased=lead.erased_at is not None, answers=answers, routing=routing
    )


def _no_lead(email: str) -> OutgoingMessage:
    return replies.reply(f"I know no lead {mrkdwn(email, 320)}.")


def _availability(request: Away | Back, caller: Caller, svc: Services) -> OutgoingMessage:
    """Away or back: people say it of themselves; admins may say it of anyone."""
    user_id = request.user_id or caller.user_id
    if user_id != caller.user_id and not caller.admin:
        return replies.reply("Only admins may mark someone else away or back.")
    who = "You are" if user_id == caller.user_id else f"{user_mention(user_id)} is"
    with svc.work.begin() as work:
        if isinstance(request, Back):
            if not come_back(work, user_id, svc.now):
                return replies.reply(f"{who} not away.")
            return replies.reply(f"{who} back: the next leads are offered as the rotation goes on.")
        try:
            until = go_away(
                work, svc.config.routing, user_id, request.until, caller.user_id, svc.now
            )
        except ValueError as exc:
            return replies.reply(f"Not done: {mrkdwn(str(exc), 200)}.")
    when = f"until {date_token(until)}" if until else "until `/leads back`"
    return replies.reply(f"{who} away {when}: no leads will be offered meanwhile.")


def _change(
    request: Assign | Recycle | Disqualify | Forget, caller: Caller, svc: Services
) -> OutgoingMessage:
    actor = Actor(ActorKind.SLACK, caller.user_id, admin=caller.admin)
    try:
        with svc.work.begin() as work:
            lead = lead_by_email(work.conn, request.email)
            if lead is None:
                return _no_lead(request.email)
            if isinstance(request, Forget):
                if lead.erased_at is not None:
                    return replies.reply(already_erased(lead, date_token(lead.erased_at)))
                return replies.reply(forget_lead(work, lead, now=svc.now).summary())
            return _move(work, lead, request, actor, svc)
    except (IllegalTransition, NotAllowed) as exc:
        return replies.reply(f"Not done: {mrkdwn(str(exc), 500)}.")
    except StaleLead as exc:
        return replies.reply(
            f"Not done: someone changed that lead meanwhile; it is now {exc.stage}."
        )


def _move(
    work: Work,
    lead: LeadRow,
    request: Assign | Recycle | Disqualify,
    actor: Actor,
    svc: Services,
) -> OutgoingMessage:
    who = mrkdwn(lead.email, 320)
    if isinstance(request, Assign):
        owner = user_mention(request.user_id)
        if lead.stage == Stage.SQL.value:
            hand_over(work, lead, request.user_id, actor, svc.now)
            return replies.reply(f"{who} now belongs to {owner}.")
        reason, target = f"assigned by {actor}", Stage.SQL
    elif isinstance(request, Recycle):
        reason, target = request.reason, Stage.RECYCLED
    else:
        reason, target = request.reason, Stage.DISQUALIFIED
    plan = plan_transition(
        lead.stage,
        target,
        actor,
        reason,
        now=svc.now,
        owner_id=request.user_id if isinstance(request, Assign) else None,
    )
    change_stage(work, lead, plan)
    if isinstance(request, Assign):
        return replies.reply(f"{who} is accepted and assigned to {user_mention(request.user_id)}.")
    return replies.reply(f"{who} is now {target.value}: {mrkdwn(reason, 300)}.")
