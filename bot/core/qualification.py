"""Answers to the qualification questions: checked against the questions, then carried along.

A submission comes from a Slack modal, but nothing stops a client from
sending any value for any field, so every answer is checked here, on the
server: a choice must be one of the question's options, a text at most
``ANSWER_MAX`` characters (whitespace runs count as one space). A required
question left empty, or any answer that fails, is an error on that question
and nothing is accepted: the person sees the error in the modal and keeps
what they typed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.config.qualification import Question

#: the longest text answer stored (the modal's input allows no more either)
ANSWER_MAX = 300

MISSING = "Please answer this question."
NOT_AN_OPTION = "Please choose one of the options."
TOO_LONG = f"Please keep it within {ANSWER_MAX} characters."


@dataclass(frozen=True, slots=True)
class Answer:
    """What someone answered to one question (``value`` None: an optional one left empty)."""

    #: the question's id (``Question.id``): how answers are grouped over time
    question: str
    #: the question as it was asked
    label: str
    kind: str
    value: str | None

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> Answer:
        """From a stored answer (``storage.qualification``)."""
        return cls(row["question"], row["label"], row["kind"], row["answer"])

    def as_dict(self) -> dict[str, str | None]:
        """The JSON form webhook subscribers receive."""
        return {"question": self.question, "label": self.label, "answer": self.value}


@dataclass(frozen=True)
class CheckedAnswers:
    answers: tuple[Answer, ...] = ()
    #: question id → what is wrong with its answer; empty when all is well
    errors: Mapping[str, str] = field(default_factory=dict)


def check_answers(
    questions: Sequence[Question], submitted: Mapping[str, str | None]
) -> CheckedAnswers:
    """The answers to ``questions`` from ``submitted`` (question id → raw value), or errors."""
    answers: list[Answer] = []
    errors: dict[str, str] = {}
    for question in questions:
        raw = submitted.get(question.id)
        value = _choice(raw) if question.kind == "choice" else _text(raw)
        if value is None:
            if question.required:
                errors[question.id] = MISSING
        elif question.kind == "choice" and value not in (question.options or ()):
            errors[question.id] = NOT_AN_OPTION
        elif len(value) > ANSWER_MAX:
            errors[question.id] = TOO_LONG
        answers.append(Answer(question.id, question.label, question.kind, value))
    return CheckedAnswers(() if errors else tuple(answers), errors)


def _choice(raw: str | None) -> str | None:
    return raw or None


def _text(raw: str | None) -> str | None:
    """A short text answer on one line: whitespace runs (newlines too) become one space."""
    return " ".join((raw or "").split()) or None
