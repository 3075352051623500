"""Answers to the qualification questions are checked on the server, whatever the client sent."""

from __future__ import annotations

import pytest

from bot.config.qualification import Question
from bot.core.qualification import (
    ANSWER_MAX,
    MISSING,
    NOT_AN_OPTION,
    TOO_LONG,
    Answer,
    check_answers,
)

QUESTIONS = [
    Question(label="Budget", kind="choice", options=["Confirmed", "None yet"]),
    Question(label="Need", kind="text"),
    Question(label="Timeline", kind="text", required=False),
]


def test_complete_answers_come_back_in_question_order() -> None:
    checked = check_answers(
        QUESTIONS, {"timeline": "Q3", "need": "  SSO\n and   audit logs ", "budget": "Confirmed"}
    )
    assert checked.errors == {}
    assert checked.answers == (
        Answer("budget", "Budget", "choice", "Confirmed"),
        Answer("need", "Need", "text", "SSO and audit logs"),
        Answer("timeline", "Timeline", "text", "Q3"),
    )


def test_an_optional_question_left_empty_is_an_answer_without_value() -> None:
    checked = check_answers(QUESTIONS, {"budget": "None yet", "need": "SSO", "timeline": "  "})
    assert checked.errors == {}
    assert checked.answers[-1] == Answer("timeline", "Timeline", "text", None)


@pytest.mark.parametrize(
    ("submitted", "errors"),
    [
        ({"need": "SSO"}, {"budget": MISSING}),
        ({"budget": "Confirmed", "need": " \n "}, {"need": MISSING}),
        ({"budget": "Unlimited", "need": "SSO"}, {"budget": NOT_AN_OPTION}),
        ({"budget": "confirmed", "need": "SSO"}, {"budget": NOT_AN_OPTION}),
        ({"budget": "Confirmed", "need": "x" * (ANSWER_MAX + 1)}, {"need": TOO_LONG}),
        ({"budget": "Confirmed", "need": "SSO", "timeline": "y" * 400}, {"timeline": TOO_LONG}),
        ({}, {"budget": MISSING, "need": MISSING}),
    ],
)
def test_any_wrong_answer_is_an_error_on_its_question_and_nothing_is_answered(
    submitted: dict[str, str | None], errors: dict[str, str]
) -> None:
    checked = check_answers(QUESTIONS, submitted)
    assert checked.errors == errors
    assert checked.answers == ()


def test_answers_to_questions_not_asked_are_ignored() -> None:
    checked = check_answers(QUESTIONS[:1], {"budget": "Confirmed", "salary": "<!channel>"})
    assert [a.question for a in checked.answers] == ["budget"]


def test_an_answer_at_the_limit_is_kept_whole() -> None:
    text = "x" * ANSWER_MAX
    checked = check_answers(QUESTIONS, {"budget": "Confirmed", "need": text})
    assert checked.answers[1].value == text
