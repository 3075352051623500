"""Block Kit for every message leadbot sends about a lead, and the reject modal.

Built with ``slack_sdk``'s model classes so ``to_dict()`` enforces Block Kit
text limits; every lead field is untrusted and goes through
``bot.slack.text`` first. Each builder also returns the plain ``text``
fallback Slack shows in notifications, which is escaped just the same
because Slack parses mentions there too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pycountry
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.slack.text import (
    BLOCKS_PER_MESSAGE_MAX,
    BUTTON_VALUE_MAX,
    ELLIPSIS,
    HEADER_TEXT_MAX,
    MESSAGE_TEXT_MAX,
    SECTION_FIELD_MAX,
    SECTION_TEXT_MAX,
    date_token,
    escape,
    group_mention,
    link,
    mrkdwn,
    plain,
    truncate,
    user_mention,
)

ACCEPT_ACTION = "lead_accept"
REJECT_ACTION = "lead_reject"
PASS_ACTION = "lead_pass"
DECISION_BLOCK = "lead_decision"
REJECT_CALLBACK = "lead_reject_modal"
REASON_BLOCK, REASON_ACTION = "reject_reason", "reason"
NOTE_BLOCK, NOTE_ACTION = "reject_note", "note"
NOTE_MAX = 2000
#: a lead id has at most this many digits (it must fit a signed 64-bit integer)
LEAD_ID_MAX_DIGITS = 18

#: Why sales may turn a lead down; the lifecycle decides which stage each leads to.
REJECT_REASONS: dict[str, str] = {
    "not_a_fit": "Not a fit",
    "not_ready": "Not ready — recycle to nurture",
    "spam_invalid": "Spam or invalid",
    "competitor": "Competitor",
    "duplicate": "Duplicate",
    "other": "Other",
}


def reject_reason_label(reason: str) -> str:
    """A reject reason as the modal names it (``Not a fit``); free text stays as typed."""
    label = REJECT_REASONS.get(reason)
    return label.split(" — ")[0] if label else reason


TOP_REASONS = 3
LATEST_ACTIVITIES = 3
_ACCEPTED_STAGES = {"sql", "won", "lost"}
_REJECTED_STAGES = {"recycled", "disqualified"}


@dataclass(frozen=True)
class OutgoingMessage:
    """What goes into ``chat.postMessage``/``chat.update``: fallback text and blocks."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def as_kwargs(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}


@dataclass(frozen=True)
class LeadCard:
    """Everything a card shows about one lead, gathered by the caller."""

    lead_id: int | str
    email: str
    first_name: str | None = None
    last_name: str | None = None
    job_title: str | None = None
    company: str | None = None
    country: str | None = None
    company_size: int | str | None = None
    source: str | None = None
    score_total: float = 0
    score_fit: float = 0
    score_engagement: float = 0
    reasons: Sequence[Mapping[str, Any]] = ()
    activities: Sequence[tuple[str, datetime]] = ()
    hot: bool = False
    mql_at: datetime | None = None
    stage: str = "mql"
    owner_id: str | None = None
    decided_at: datetime | None = None
    decided_by: str | None = None
    reject_reason: str | None = None
    reject_note: str | None = None

    @property
    def name(self) -> str:
        full = " ".join(p for p in (self.first_name, self.last_name) if p and p.strip())
        return full or self.email


@dataclass(frozen=True)
class RejectSubmission:
    lead_id: str
    reason: str
    note: str | None
    channel: str | None
    message_ts: str | None


def message(text: str, blocks: Sequence[Block]) -> OutgoingMessage:
    """A message of ``blocks`` with its notification ``text``, within Slack's limits.

    ``slack_sdk``'s models check the size of each block but nothing checks
    the number of blocks; Slack refuses the whole message with
    ``invalid_blocks`` when there are too many, so the surplus is replaced
    by a line saying how many were left out.
    """
    return OutgoingMessage(truncate(text, MESSAGE_TEXT_MAX), _fit([b.to_dict() for b in blocks]))


def text_message(text: str, blocks: Sequence[Block] = ()) -> OutgoingMessage:
    """Ready-made mrkdwn ``text`` (callers escape what is untrusted), one section or ``blocks``."""
    return message(text, list(blocks) or [SectionBlock(text=truncate(text, SECTION_TEXT_MAX))])


def _fit(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if len(blocks) <= BLOCKS_PER_MESSAGE_MAX:
        return blocks
    kept = blocks[: BLOCKS_PER_MESSAGE_MAX - 1]
    note = f"{ELLIPSIS} {len(blocks) - len(kept)} more not shown"
    return [*kept, ContextBlock(elements=[MarkdownTextObject(text=note)]).to_dict()]


def mentioning(original: OutgoingMessage, mention: str) -> OutgoingMessage:
    """``original`` with ``mention`` (ready mrkdwn) in the notification text and on top of it."""
    if not mention:
        return original
    line = ContextBlock(elements=[MarkdownTextObject(text=mention)]).to_dict()
    return OutgoingMessage(f"{mention} {original.text}", _fit([line, *original.blocks]))


def marketing_notice(card: LeadCard, now: datetime) -> OutgoingMessage:
    """Tells marketing a lead qualified and went to sales; nothing to click."""
    blocks = [
        HeaderBlock(text=plain(f"New MQL: {card.name}", HEADER_TEXT_MAX)),
        *_details(card),
        _context(f"Handed to sales {_when(card.mql_at, now)} · stage {escape(card.stage)}"),
    ]
    return message(f"New MQL: {who(card)} — score {_num(card.score_total)}", blocks)


def sales_handoff(
    card: LeadCard, now: datetime, *, routing: str | None = None, passable: bool = False
) -> OutgoingMessage:
    """The card sales acts on: Accept makes the lead theirs, Reject asks why.

    ``routing`` (ready-made mrkdwn) says who the lead is offered to; a
    ``passable`` card also has Pass, which hands it to the next rep.
    """
    value = truncate(str(card.lead_id), BUTTON_VALUE_MAX)
    accept = ButtonElement(text="Accept", action_id=ACCEPT_ACTION, value=value, style="primary")
    pass_on = ButtonElement(text="Pass", action_id=PASS_ACTION, value=value)
    reject = ButtonElement(text="Reject", action_id=REJECT_ACTION, value=value, style="danger")
    buttons = ActionsBlock(
        block_id=DECISION_BLOCK,
        elements=[accept, pass_on, reject] if passable else [accept, reject],
    )
    blocks = [
        HeaderBlock(text=plain(f"{_flame(card)}MQL: {card.name}", HEADER_TEXT_MAX)),
        *_details(card),
        _context(f"MQL since {_when(card.mql_at, now)}"),
        *([_context(routing)] if routing else []),
        buttons,
    ]
    return message(f"{_flame(card)}MQL for sales: {who(card)} — accept or reject", blocks)


def decided_card(card: LeadCard, now: datetime) -> OutgoingMessage:
    """The handoff card once decided: the buttons give way to who decided and why."""
    return closed_card(card, now, _outcome(card, now))


def closed_card(card: LeadCard, now: datetime, line: str) -> OutgoingMessage:
    """The card with its buttons replaced by ``line`` (ready-made mrkdwn)."""
    blocks = [
        HeaderBlock(text=plain(f"{_flame(card)}MQL: {card.name}", HEADER_TEXT_MAX)),
        *_details(card),
        _context(line),
    ]
    return message(f"{who(card)}: {line}", blocks)


def decision_reply(card: LeadCard, now: datetime) -> OutgoingMessage:
    """The thread reply that keeps a record of the decision under the card."""
    return message(_outcome(card, now), [SectionBlock(text=_outcome(card, now))])


def already_decided(card: LeadCard, now: datetime) -> OutgoingMessage:
    """The ephemeral answer to a click on a lead someone already decided."""
    text = f"Too late: {who(card)} was already decided. {_outcome(card, now)}"
    return text_message(text)


def reminder_text(card: LeadCard, now: datetime, *, mention: str = "") -> OutgoingMessage:
    """The threaded nudge when an MQL waits past its SLA; ``mention`` is ready mrkdwn."""
    waited = f"⏰ {who(card)} has waited {_age(card.mql_at, now)} for a decision."
    text = " ".join(p for p in (mention, waited) if p)
    return text_message(text)


def escalation(
    card: LeadCard,
    now: datetime,
    *,
    permalink: str | None = None,
    group_id: str | None = None,
) -> OutgoingMessage:
    """The post in the escalation channel when even the reminder went unanswered."""
    parts = [
        "🚨",
        group_mention(group_id),
        f"{who(card)} is still undecided after {_age(card.mql_at, now)}.",
        link(permalink, "Open the card") if permalink else "",
    ]
    text = " ".join(p for p in parts if p)
    return text_message(text)


def erased_notice(lead_id: int, now: datetime) -> OutgoingMessage:
    """What replaces every message about a lead whose personal data was erased."""
    text = f"🗑 Lead {lead_id}: personal data erased on request, {date_token(now)}."
    return text_message(text)


def reject_modal(
    lead_id: int | str,
    card: LeadCard,
    *,
    channel: str | None = None,
    message_ts: str | None = None,
) -> dict[str, Any]:
    """The modal asking why a lead is rejected; it remembers which card to update."""
    metadata = json.dumps({"lead_id": str(lead_id), "channel": channel, "ts": message_ts})
    reasons = [Option(value=key, text=label) for key, label in REJECT_REASONS.items()]
    view = View(
        type="modal",
        callback_id=REJECT_CALLBACK,
        title="Reject lead",
        submit="Reject",
        close="Cancel",
        private_metadata=metadata,
        blocks=[
            SectionBlock(text=f"Rejecting {who(card)}"),
            InputBlock(
                block_id=REASON_BLOCK,
                label="Reason",
                element=StaticSelectElement(
                    action_id=REASON_ACTION, placeholder="Choose a reason", options=reasons
                ),
            ),
            InputBlock(
                block_id=NOTE_BLOCK,
                label="Note",
                optional=True,
                element=PlainTextInputElement(
                    action_id=NOTE_ACTION, multiline=True, max_length=NOTE_MAX
                ),
            ),
        ],
    )
    return view.to_dict()


def parse_lead_id(value: object) -> int | None:
    """The lead id a button value or modal metadata carries, or ``None`` if it is not one.

    Only what ``sales_handoff`` writes is accepted: ASCII digits, short enough for
    the database. ``str.isdigit`` would also take ``٣`` or ``²``.
    """
    text = str(value)
    if not 0 < len(text) <= LEAD_ID_MAX_DIGITS or not text.isascii() or not text.isdigit():
        return None
    return int(text)


def parse_reject_submission(view: Mapping[str, Any]) -> RejectSubmission:
    """Read a ``view_submission`` of ``reject_modal`` back into plain values."""
    metadata = json.loads(view.get("private_metadata") or "{}")
    values = view["state"]["values"]
    selected = values[REASON_BLOCK][REASON_ACTION].get("selected_option") or {}
    reason = selected.get("value")
    if reason not in REJECT_REASONS:
        raise ValueError(f"unknown reject reason {reason!r}")
    note = (values.get(NOTE_BLOCK, {}).get(NOTE_ACTION, {}).get("value") or "").strip()
    return RejectSubmission(
        lead_id=str(metadata["lead_id"]),
        reason=reason,
        note=note or None,
        channel=metadata.get("channel"),
        message_ts=metadata.get("ts"),
    )


def _details(card: LeadCard) -> list[Block]:
    facts = {
        "Title": card.job_title,
        "Company": card.company,
        "Country": _country(card.country),
        "Company size": _size(card.company_size),
        "Source": card.source,
        "Email": card.email,
    }
    fields = [_field(label, value) for label, value in facts.items() if value]
    parts = f"fit {_num(card.score_fit)} · engagement {_num(card.score_engagement)}"
    fields.append(_field("Score", f"{_num(card.score_total)} ({parts})"))
    blocks: list[Block] = [SectionBlock(fields=fields)]
    if why := _why(card.reasons):
        blocks.append(SectionBlock(text=truncate("*Why*\n" + "\n".join(why), SECTION_TEXT_MAX)))
    recent = sorted(card.activities, key=lambda a: a[1], reverse=True)[:LATEST_ACTIVITIES]
    if recent:
        done = " · ".join(
            f"{escape(kind.replace('_', ' '))} {date_token(at)}" for kind, at in recent
        )
        blocks.append(_context(f"Latest: {done}"))
    blocks.append(DividerBlock())
    return blocks


def _why(reasons: Sequence[Mapping[str, Any]]) -> list[str]:
    """The top reasons by points, the rest summed, then what makes the lead hot.

    The lines add up to the score: every reason with points is either shown or
    counted in "+N more (+P)".
    """
    scored = sorted(
        (r for r in reasons if float(r.get("points") or 0)),
        key=lambda r: float(r["points"]),
        reverse=True,
    )
    lines = [f"• {_label(r)} ({_signed(r['points'])})" for r in scored[:TOP_REASONS]]
    if rest := scored[TOP_REASONS:]:
        lines.append(f"• +{len(rest)} more ({_signed(sum(float(r['points']) for r in rest))})")
    return lines + [f"🔥 {_label(r)}" for r in reasons if r.get("kind") == "hot"]


def _label(reason: Mapping[str, Any]) -> str:
    return mrkdwn(reason.get("label") or reason.get("kind") or "", 200)


def _field(label: str, value: str) -> MarkdownTextObject:
    return MarkdownTextObject(
        text=f"*{label}*\n" + mrkdwn(value, SECTION_FIELD_MAX - len(label) - 3)
    )


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=truncate(text, SECTION_TEXT_MAX))])


def _outcome(card: LeadCard, now: datetime) -> str:
    who = user_mention(card.decided_by or card.owner_id)
    when = date_token(card.decided_at or now)
    if card.stage in _ACCEPTED_STAGES:
        return f"✅ Accepted by {who} · {when}"
    if card.stage in _REJECTED_STAGES:
        reason = REJECT_REASONS.get(card.reject_reason or "", escape(card.reject_reason or "other"))
        note = f" — {mrkdwn(card.reject_note, NOTE_MAX)}" if card.reject_note else ""
        return f"❌ Rejected by {who} · {when} · {reason}{note}"
    return f"Stage: {escape(card.stage)}"


def who(card: LeadCard) -> str:
    """The lead's name (and company) for mrkdwn, bounded so no line runs away."""
    company = f" ({card.company})" if card.company else ""
    return mrkdwn(card.name + company, 200)


def _flame(card: LeadCard) -> str:
    return "🔥 Hot " if card.hot else ""


def _country(code: str | None) -> str | None:
    if not code:
        return None
    country = pycountry.countries.get(alpha_2=code.strip().upper())
    return getattr(country, "common_name", None) or getattr(country, "name", code)


def _size(size: int | str | None) -> str | None:
    return f"{size:,} employees" if isinstance(size, int) else size


def _num(value: float) -> str:
    return f"{round(value, 1):g}"


def _signed(points: Any) -> str:
    value = float(points)
    return ("+" if value >= 0 else "−") + _num(abs(value))


def _when(then: datetime | None, now: datetime) -> str:
    """A moment each reader sees as a true local date and time, however late they look."""
    return date_token(then or now)


def _age(then: datetime | None, now: datetime) -> str:
    if then is None:
        return "a while"
    minutes = max(0, int((now - then).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // 1440} d"
