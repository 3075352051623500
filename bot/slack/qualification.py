"""Block Kit for the qualification questions: the Accept modal, and the answers as shown.

Each question is an input block whose block id and action id are the
question's id, so a submission reads back as question id → value and Slack
shows an error under the question it belongs to. Choices are a select menu
(options are the rules file's texts, which are also the stored answers);
texts are a one-line input limited to ``ANSWER_MAX`` characters — a limit
``bot.core.qualification`` checks again, since a client may send anything.

Answers are shown as section fields, escaped like every lead field: the
person accepting typed them, and they reach a channel.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.config.qualification import Question
from bot.core.qualification import ANSWER_MAX, Answer
from bot.slack.blocks import LeadCard, OutgoingMessage
from bot.slack.text import SECTION_FIELD_MAX, SECTION_TEXT_MAX, mrkdwn, plain

QUALIFY_CALLBACK = "lead_qualify_modal"
TITLE = "*Qualification*"
NO_ANSWER = "—"


@dataclass(frozen=True)
class QualifySubmission:
    """A submitted Accept modal: which lead, which card, and the raw value per question id."""

    lead_id: str
    channel: str | None
    message_ts: str | None
    values: Mapping[str, str | None]


def questions_modal(
    card: LeadCard,
    questions: Sequence[Question],
    *,
    channel: str | None = None,
    message_ts: str | None = None,
) -> dict[str, Any]:
    """The modal Accept opens when questions are configured; it remembers the card."""
    metadata = json.dumps({"lead_id": str(card.lead_id), "channel": channel, "ts": message_ts})
    company = f" ({card.company})" if card.company else ""
    intro = plain(f"Accepting {card.name}{company}. A few questions first:", SECTION_TEXT_MAX)
    view = View(
        type="modal",
        callback_id=QUALIFY_CALLBACK,
        title="Accept lead",
        submit="Accept",
        close="Cancel",
        private_metadata=metadata,
        blocks=[SectionBlock(text=PlainTextObject(text=intro)), *map(_input, questions)],
    )
    return view.to_dict()


def _input(question: Question) -> InputBlock:
    element: StaticSelectElement | PlainTextInputElement
    if question.kind == "choice":
        element = StaticSelectElement(
            action_id=question.id,
            placeholder="Choose",
            options=[Option(value=text, text=text) for text in question.options or ()],
        )
    else:
        element = PlainTextInputElement(action_id=question.id, max_length=ANSWER_MAX)
    return InputBlock(
        block_id=question.id,
        label=question.label,
        element=element,
        optional=not question.required,
    )


def parse_questions_submission(view: Mapping[str, Any]) -> QualifySubmission:
    """Read a submitted ``questions_modal`` back; ``KeyError`` or ``ValueError`` if not one."""
    metadata = json.loads(view.get("private_metadata") or "{}")
    values: dict[str, str | None] = {}
    for block_id, actions in (view.get("state") or {}).get("values", {}).items():
        state = actions.get(block_id) or {}
        selected = state.get("selected_option") or {}
        values[block_id] = selected.get("value") or state.get("value")
    return QualifySubmission(
        lead_id=str(metadata["lead_id"]),
        channel=metadata.get("channel"),
        message_ts=metadata.get("ts"),
        values=values,
    )


def answers_block(answers: Sequence[Answer]) -> SectionBlock:
    """The answers as a section of fields, one per question (the rules allow ten)."""
    return SectionBlock(text=TITLE, fields=[_field(answer) for answer in answers])


def with_answers(original: OutgoingMessage, answers: Sequence[Answer]) -> OutgoingMessage:
    """``original`` followed by the answers, when there are any."""
    if not answers:
        return original
    return OutgoingMessage(original.text, [*original.blocks, answers_block(answers).to_dict()])


def _field(answer: Answer) -> MarkdownTextObject:
    label = mrkdwn(answer.label, 200)
    value = mrkdwn(answer.value, SECTION_FIELD_MAX - len(label) - 3) if answer.value else NO_ANSWER
    return MarkdownTextObject(text=f"*{label}*\n{value}")
