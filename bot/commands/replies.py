"""Block Kit answers to ``/leads``: lead details, lists, the funnel, usage help.

Pure builders over plain data; every lead field and every word the person
typed is escaped (``bot.slack.text``) before it reaches mrkdwn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import Block, HeaderBlock, MarkdownTextObject, SectionBlock

from bot.commands.parse import UsageError, help_text
from bot.core.funnel import Funnel
from bot.core.qualification import Answer
from bot.core.reps import RoutingEventLike
from bot.core.scoring import Contribution, Score
from bot.core.wording import counted
from bot.digests.message import (
    LeadLine,
    breakdown_lines,
    bullet_list,
    closed_loop_line,
    context_block,
    duration,
    funnel_fields,
    pct,
    reason_lines,
    rep_blocks,
)
from bot.routing.availability import MemberLine, TeamReport
from bot.slack.blocks import LeadCard, OutgoingMessage, text_message
from bot.slack.qualification import answers_block
from bot.slack.text import (
    HEADER_TEXT_MAX,
    SECTION_TEXT_MAX,
    date_token,
    escape,
    mrkdwn,
    plain,
    truncate,
    user_mention,
)

_STAGE_ORDER = ("new", "mql", "sql", "recycled", "disqualified", "won", "lost")


def reply(text: str, blocks: Sequence[Block] = ()) -> OutgoingMessage:
    """A message of ready-made mrkdwn ``text`` (callers escape what is untrusted)."""
    return text_message(text, blocks)


def help_reply(command_name: str) -> OutgoingMessage:
    return reply(f"*What I can do* (add `public` to share an answer)\n{help_text(command_name)}")


def usage_reply(error: UsageError) -> OutgoingMessage:
    return reply(f"{error.problem}\n{error.usage}")


def lead_reply(
    card: LeadCard,
    history: Sequence[Mapping[Any, Any]],
    *,
    erased: bool,
    answers: Sequence[Answer] = (),
    routing: Sequence[RoutingEventLike] = (),
) -> OutgoingMessage:
    """``show``: profile, stored score breakdown, stage history, qualification answers and
    routing (offers, passes…)."""
    facts = {
        "Email": card.email,
        "Company": card.company,
        "Title": card.job_title,
        "Source": card.source,
        "Stage": card.stage + (" (personal data erased)" if erased else ""),
    }
    fields = [_field(k, mrkdwn(v, 300)) for k, v in facts.items() if v]
    fields.append(
        _field(
            "Score",
            f"{card.score_total:g} (fit {card.score_fit:g} · engagement {card.score_engagement:g})",
        )
    )
    if card.owner_id:
        fields.append(_field("Owner", user_mention(card.owner_id)))
    reasons = [
        f"• {mrkdwn(r.get('label') or r.get('kind') or '', 200)} ({float(r.get('points', 0)):+g})"
        for r in card.reasons
    ]
    moves = [_history_line(row) for row in history]
    blocks: list[Block] = [
        HeaderBlock(text=plain(f"{'🔥 ' if card.hot else ''}{card.name}", HEADER_TEXT_MAX)),
        SectionBlock(fields=fields),
        SectionBlock(text=bullet_list("Score breakdown", reasons, len(reasons), 15)),
        SectionBlock(text=bullet_list("Stage history", moves, len(moves), 15)),
    ]
    if answers:
        blocks.append(answers_block(answers))
    if routing:
        steps = [routing_line(event) for event in routing]
        blocks.append(SectionBlock(text=bullet_list("Routing", steps, len(steps), 15)))
    return reply(f"{mrkdwn(card.name, 200)}: {card.stage}, score {card.score_total:g}", blocks)


#: the sections of ``explain``, in the order a reader weighs them
_EXPLAINED = (
    ("fit", "Fit"),
    ("engagement", "Engagement"),
    ("hot", "Hot 🔥"),
    ("disqualify", "Disqualified"),
)


def explain_reply(email: str, score: Score, stored: tuple[int, int, int]) -> OutgoingMessage:
    """``explain``: the score recomputed rule by rule under the current rules.

    Each rule by its label, its points and its condition in words (the rules
    file holds the patterns), grouped as fit, engagement, hot and disqualify.
    """
    head = (
        f"*Why {mrkdwn(email, 320)} scores {score.total}* "
        f"(fit {score.fit} · engagement {score.engagement})"
    )
    blocks: list[Block] = [SectionBlock(text=truncate(head, SECTION_TEXT_MAX))]
    totals = {"fit": f" {score.fit}", "engagement": f" {score.engagement}"}
    for kind, title in _EXPLAINED:
        lines = [_explained(c) for c in score.contributions if c.kind == kind]
        if lines:
            title += totals.get(kind, "")
            blocks.append(SectionBlock(text=bullet_list(title, lines, len(lines), 20)))
    if stored != (score.fit, score.engagement, score.total):
        blocks.append(
            context_block(
                f"Stored score {stored[0]} / {stored[1]} / {stored[2]}: the rules changed since "
                "it was scored; the next re-score updates it."
            )
        )
    return reply(head, blocks)


def _explained(contribution: Contribution) -> str:
    points = f" ({contribution.points:+d})" if contribution.points else ""
    detail = f" — {mrkdwn(contribution.detail, 300)}" if contribution.detail else ""
    return f"• {mrkdwn(contribution.label, 200)}{points}{detail}"


def lead_list_reply(
    title: str, lines: Sequence[LeadLine], *, total: int, limit: int, now: datetime
) -> OutgoingMessage:
    """``pending``, ``mine`` and ``search``: a list, summarised with a count past ``limit``."""
    text = bullet_list(f"{title} ({total})", [line.render(now) for line in lines], total, limit)
    return reply(text)


def stats_reply(funnel: Funnel, label: str) -> OutgoingMessage:
    """``stats``: the funnel, SLA, rejection reasons, per source and campaign, stage times.

    Every count is written with its noun and every rate says what it is a share
    of, or why there is none yet.
    """
    steps = " → ".join(
        [
            f"*{counted(funnel.leads, 'new lead')}*",
            f"*{counted(funnel.mqls, 'MQL')}* ({pct(funnel.mql_rate, none='no new leads')})",
            f"*{counted(funnel.accepted, 'SQL')}* "
            f"({pct(funnel.sql_rate, none='none decided yet')}"
            f"{' of those decided' if funnel.sql_rate is not None else ''})",
            f"*{funnel.won} won* ({pct(funnel.win_rate, none='no deal closed yet')}"
            f"{' of deals closed' if funnel.win_rate is not None else ''})",
        ]
    )
    stays = [
        f"• {stage.upper() if stage in ('mql', 'sql') else stage.capitalize()}: "
        f"{duration(funnel.stage_times[stage])}"
        for stage in _STAGE_ORDER
        if stage in funnel.stage_times
    ]
    blocks: list[Block] = [
        HeaderBlock(text=plain(f"Lead funnel · {label}", HEADER_TEXT_MAX)),
        context_block(f"{date_token(funnel.start)} → {date_token(funnel.end)}"),
        SectionBlock(text=steps),
        SectionBlock(fields=funnel_fields(funnel)),
        SectionBlock(
            text=bullet_list(
                "Per source",
                breakdown_lines(funnel.sources, with_value=True),
                len(funnel.sources),
                10,
            )
        ),
        SectionBlock(
            text=bullet_list(
                "Per campaign",
                breakdown_lines(funnel.campaigns, with_value=True),
                len(funnel.campaigns),
                10,
            )
        ),
        SectionBlock(
            text=bullet_list(
                "Rejection reasons", reason_lines(funnel), len(funnel.rejection_reasons), 10
            )
        ),
        SectionBlock(text=bullet_list("Median time in each stage", stays, len(stays), 10)),
        *rep_blocks(funnel.reps, 10),
        context_block(closed_loop_line(funnel)),
    ]
    return reply(f"Lead funnel · {label}: {steps}", blocks)


def team_reply(reports: Sequence[TeamReport], now: datetime) -> OutgoingMessage:
    """``team``: per team, who takes leads now and how each member is doing."""
    if not reports:
        return reply("No teams: leads are claimed in their channels (routing: in the rules file).")
    blocks: list[Block] = [HeaderBlock(text=plain("Teams", HEADER_TEXT_MAX))]
    for report in reports:
        lines = [_member_line(line) for line in report.members]
        title = f"{mrkdwn(report.name, 64)} · {report.mode.replace('_', ' ')}"
        blocks.append(SectionBlock(text=bullet_list(title, lines, len(lines), 30)))
    blocks.append(
        context_block(
            f"As of {date_token(now)}. Accept rate and time to decide: offers of the last 30 days."
        )
    )
    return reply("Teams: " + ", ".join(mrkdwn(r.name, 64) for r in reports), blocks)


def _member_line(line: MemberLine) -> str:
    if line.away_until is not None:
        state = f"away until {date_token(line.away_until)}"
    else:
        state = escape(line.unavailable) if line.unavailable else "on"
    today = f"{line.today}/{line.daily_cap}" if line.daily_cap else str(line.today)
    opened = f"{line.open_leads}/{line.open_cap}" if line.open_cap else str(line.open_leads)
    rep = line.numbers
    return (
        f"• {user_mention(line.user_id)}: {state} · open {opened} · today {today} · "
        f"accept rate {pct(rep.accept_rate)} · time to decide {duration(rep.median_decision)}"
    )


_STEP_WORDS = {
    "offered": "offered to {who}",
    "passed": "{who} passed",
    "timed_out": "{who} let the offer time out",
    "accepted": "{who} accepted the offer",
    "rejected": "{who} rejected the offer",
    "withdrawn": "offer to {who} withdrawn",
    "fallback": "nobody took it: open to the channel",
}


def routing_line(event: RoutingEventLike) -> str:
    """One step of a lead's routing, for ``show``."""
    words = _STEP_WORDS.get(event.kind, escape(event.kind))
    text = words.format(who=user_mention(event.user_id))
    extra = []
    if event.kind == "offered" and event.reason:
        extra.append(mrkdwn(event.reason.replace("_", " "), 200))
    if event.kind == "withdrawn" and event.actor:
        extra.append(f"by {_actor(event.actor)}")
    suffix = f" ({', '.join(extra)})" if extra else ""
    return f"• {date_token(event.at)} {text}{suffix}"


def _actor(actor: str) -> str:
    if actor.startswith("slack:"):
        return user_mention(actor.removeprefix("slack:"))
    return mrkdwn(actor, 100)


def _history_line(row: Mapping[str, Any]) -> str:
    who = _actor(str(row["actor"]))
    reason = f" · {mrkdwn(row['reason'], 200)}" if row["reason"] else ""
    note = f" — {mrkdwn(row['note'], 300)}" if row["note"] else ""
    return (
        f"• {date_token(row['at'])} {row['from_stage']} → {row['to_stage']} by {who}{reason}{note}"
    )


def _field(label: str, value: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=f"*{label}*\n{value}")
