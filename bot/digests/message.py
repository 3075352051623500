"""The digest message: a period's funnel and the leads worth a look, as Block Kit.

Pure: the numbers come in as a ``bot.core.funnel.Funnel`` and the leads as plain
lines, so the content is checked without Slack or a database. The number
formatting here is shared with ``/leads stats`` so both read alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.core.funnel import Breakdown, Funnel
from bot.core.reps import RepNumbers
from bot.core.wording import counted
from bot.slack.blocks import OutgoingMessage, message, reject_reason_label
from bot.slack.text import (
    HEADER_TEXT_MAX,
    SECTION_TEXT_MAX,
    link,
    mrkdwn,
    plain,
    truncate,
    user_mention,
)
from storage.rows import LeadRow


@dataclass(frozen=True)
class LeadLine:
    """One lead in a list: who, how hot, since when, and where its card is."""

    name: str
    company: str | None
    score: float
    hot: bool
    since: datetime | None
    link: str | None = None

    @classmethod
    def of(cls, lead: LeadRow, *, since: datetime | None, url: str | None = None) -> LeadLine:
        """``lead`` in a list, waiting ``since`` (when it qualified, was decided, arrived)."""
        full = " ".join(p for p in (lead.first_name, lead.last_name) if p)
        return cls(full or lead.email, lead.company, lead.score, lead.hot, since, url)

    def render(self, now: datetime) -> str:
        company = f" ({self.company})" if self.company else ""
        who = mrkdwn(self.name + company, 200)
        if self.link:
            who = link(self.link, self.name + company) or who
        waited = f" · {duration(now - self.since)}" if self.since else ""
        return f"• {'🔥 ' if self.hot else ''}{who} · score {self.score:g}{waited}"


@dataclass(frozen=True)
class DigestData:
    edition: str
    start: datetime
    end: datetime
    zone: ZoneInfo
    funnel: Funnel
    new_mqls: Sequence[LeadLine] = ()
    oldest_pending: Sequence[LeadLine] = ()
    #: the period before, for week-over-week changes (weekly edition)
    previous: Funnel | None = None
    top: int = 5
    #: what sales' decisions say about the scoring criteria (weekly edition)
    insights: Sequence[str] = ()


def pct(value: float | None, *, none: str = "—") -> str:
    """A rate as a whole percentage; ``none`` says why there is none (nothing to divide by)."""
    return none if value is None else f"{value:.0%}"


def money(value: Mapping[str, float] | None, *, per: str = "") -> str:
    """Amounts with their currency, largest first and never added across currencies.

    ``12,000 EUR + 3,000 USD``; ``per=" per lead"`` gives ``400 EUR per lead + 100 USD per lead``.
    An amount reported without a currency says so rather than passing for one.
    """
    if not value:
        return "nothing"
    return " + ".join(
        f"{_amount(amount)} {currency or '(currency not given)'}{per}"
        for currency, amount in sorted(value.items(), key=lambda item: (-item[1], item[0]))
    )


def _amount(value: float) -> str:
    """Whole amounts without decimals, small fractional ones with cents."""
    return f"{value:,.0f}" if value >= 100 or value == int(value) else f"{value:,.2f}"


def duration(span: timedelta | None) -> str:
    """A short human duration: ``45 min``, ``5 h 20 min``, ``3 d 4 h``."""
    if span is None:
        return "—"
    minutes = max(0, int(span.total_seconds() // 60))
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"


def bullet_list(title: str, lines: Sequence[str], total: int, limit: int) -> str:
    """``*title*`` and up to ``limit`` lines; the rest summarised as a count."""
    shown = list(lines[:limit])
    if total > len(shown):
        shown.append(f"…and {total - len(shown)} more")
    return truncate(f"*{title}*\n" + ("\n".join(shown) or "none"), SECTION_TEXT_MAX)


def funnel_fields(funnel: Funnel, previous: Funnel | None = None) -> list[MarkdownTextObject]:
    """The headline numbers as section fields, with changes against ``previous``."""

    def change(now: int, before: int | None) -> str:
        return "" if before is None else f" ({now - before:+d})"

    def was(name: str) -> int | None:
        return None if previous is None else getattr(previous, name)

    decided = "none decided yet"
    values = [
        ("New leads", f"{funnel.leads}{change(funnel.leads, was('leads'))}"),
        ("New MQLs", f"{funnel.mqls}{change(funnel.mqls, was('mqls'))}"),
        ("Accepted", f"{funnel.accepted}{change(funnel.accepted, was('accepted'))}"),
        ("Rejected", f"{funnel.rejected}{change(funnel.rejected, was('rejected'))}"),
        ("Pending now", str(funnel.pending)),
        ("MQL → SQL", pct(funnel.sql_rate, none=decided)),
        (
            "Median time to decision",
            duration(funnel.median_decision) if funnel.median_decision else decided,
        ),
        ("SLA breaches", _breaches(funnel)),
    ]
    return [MarkdownTextObject(text=f"*{label}*\n{value}") for label, value in values]


def _breaches(funnel: Funnel) -> str:
    if not funnel.sla_breaches:
        return "none"
    waiting = funnel.pending_over_sla
    return f"{funnel.sla_breaches}" + (f", {waiting} of them still waiting" if waiting else "")


def breakdown_lines(rows: Sequence[Breakdown], *, with_value: bool) -> list[str]:
    """One line per source or campaign; ``with_value`` adds deals won, revenue and value per lead.

    ``webinar: 2 leads · 2 MQLs · 1 SQL · 1 won for 1,000 EUR · 500 EUR per lead``.
    """
    lines = []
    for row in rows:
        counts = [counted(row.leads, "lead"), counted(row.mqls, "MQL"), counted(row.sqls, "SQL")]
        if with_value:
            counts.append(_won(row))
        lines.append(f"• {mrkdwn(row.name, 100)}: {' · '.join(counts)}")
    return lines


def _won(row: Breakdown) -> str:
    if not row.won:
        return "none won"
    if not row.revenue:
        return f"{row.won} won, no amount reported"
    return f"{row.won} won for {money(row.revenue)} · {money(row.value_per_lead, per=' per lead')}"


def reason_lines(funnel: Funnel) -> list[str]:
    """Rejection reasons by their names in the reject modal, or as sales typed them."""
    return [
        f"• {mrkdwn(reject_reason_label(reason), 100)}: {count}"
        for reason, count in funnel.rejection_reasons
    ]


def digest_message(data: DigestData, now: datetime) -> OutgoingMessage:
    funnel, top = data.funnel, data.top
    weekly = data.edition == "weekly"
    local_end = data.end.astimezone(data.zone)
    title = f"{'Weekly' if weekly else 'Daily'} lead digest · {local_end:%a %d %b}"
    span = (
        f"{data.start.astimezone(data.zone):%a %d %b %H:%M} → {local_end:%a %d %b %H:%M} "
        f"({data.zone.key})"
    )
    blocks: list[Block] = [
        HeaderBlock(text=plain(title, HEADER_TEXT_MAX)),
        context_block(span + (" · changes against the week before" if weekly else "")),
        SectionBlock(fields=funnel_fields(funnel, data.previous if weekly else None)),
        DividerBlock(),
        SectionBlock(
            text=bullet_list("New MQLs", [x.render(now) for x in data.new_mqls], funnel.mqls, top)
        ),
        SectionBlock(
            text=bullet_list(
                "Oldest pending",
                [x.render(now) for x in data.oldest_pending],
                funnel.pending,
                top,
            )
        ),
        SectionBlock(
            text=bullet_list(
                "Top sources",
                breakdown_lines(funnel.sources, with_value=weekly),
                len(funnel.sources),
                top,
            )
        ),
        SectionBlock(
            text=bullet_list(
                "Top rejection reasons",
                reason_lines(funnel),
                len(funnel.rejection_reasons),
                top,
            )
        ),
    ]
    if weekly:
        blocks.append(context_block(closed_loop_line(funnel)))
        if data.insights:
            lines = [f"• {mrkdwn(line, 500)}" for line in data.insights]
            blocks.append(
                SectionBlock(text=bullet_list("What sales' decisions say", lines, len(lines), top))
            )
        blocks += rep_blocks(funnel.reps, top)
    text = (
        f"{title}: {funnel.leads} new leads, {funnel.mqls} new MQLs, "
        f"{funnel.accepted} accepted, {funnel.rejected} rejected, {funnel.pending} pending"
    )
    return message(text, blocks)


def rep_blocks(reps: Sequence[RepNumbers], top: int) -> list[Block]:
    """The per-rep section (teams that offer leads); nothing when no lead was offered."""
    if not reps:
        return []
    lines = [
        f"• {user_mention(rep.user_id)}: {rep.offers} offered · {rep.accepted} accepted · "
        f"{rep.passed} passed · {rep.timed_out} timed out · "
        f"time to decide {duration(rep.median_decision)} · {rep.sla_breaches} SLA breaches"
        for rep in reps
    ]
    return [SectionBlock(text=bullet_list("Per rep", lines, len(lines), top))]


def closed_loop_line(funnel: Funnel) -> str:
    """Deals closed in the period: how many were won, for how much, and where they came from."""
    closed = funnel.won + funnel.lost
    if not closed:
        return "No deal was closed in this period."
    if not funnel.won:
        return f"No deal was won; {counted(funnel.lost, 'deal')} lost."
    revenue = f" for {money(funnel.revenue)}" if funnel.revenue else ""
    return (
        f"Won {funnel.won} of {counted(closed, 'closed deal')} ({pct(funnel.win_rate)}){revenue}; "
        f"{pct(funnel.marketing_share)} of the customers won began as marketing leads."
    )


def context_block(text: str) -> ContextBlock:
    """A small grey line of ready-made mrkdwn."""
    return ContextBlock(elements=[MarkdownTextObject(text=truncate(text, SECTION_TEXT_MAX))])
