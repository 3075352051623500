"""Answers to the qualification questions are checked on the server, whatever the client sent."""

from __future__ import annotations

import pytest

from bot.core.qualification import (
    ANSWER_MAX,
    MISSING,
    NOT_AN_OPTION,
    TOO_LONG,
    Answer,
    check_answers,
)
from tests.support.qualification import with_questions

#: budget and authority (choices), need (text), timeline (optional text)
QUESTIONS = with_questions().qualification.questions


#: what a seller might answer to all four
ANSWERED = {"budget": "Confirmed", "authority": "Yes", "need": "SSO"}


def test_complete_answers_come_back_in_question_order() -> None:
    checked = check_answers(
        QUESTIONS, {"timeline": "Q3", **ANSWERED, "need": "  SSO\n and   audit logs "}
    )
    assert checked.errors == {}
    assert checked.answers == (
        Answer("budget", "Budget", "choice", "Confirmed"),
        Answer("authority", "Talking to the decision maker?", "choice", "Yes"),
        Answer("need", "Need", "text", "SSO and audit logs"),
        Answer("timeline", "Timeline", "text", "Q3"),
    )


def test_an_optional_question_left_empty_is_an_answer_without_value() -> None:
    checked = check_answers(QUESTIONS, {**ANSWERED, "timeline": "  "})
    assert checked.errors == {}
    assert checked.answers[-1] == Answer("timeline", "Timeline", "text", None)


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"budget": None}, {"budget": MISSING}),
        ({"need": " \n "}, {"need": MISSING}),
        ({"budget": "Unlimited"}, {"budget": NOT_AN_OPTION}),
        ({"budget": "confirmed"}, {"budget": NOT_AN_OPTION}),
        ({"need": "x" * (ANSWER_MAX + 1)}, {"need": TOO_LONG}),
        ({"timeline": "y" * 400}, {"timeline": TOO_LONG}),
        (
            {"budget": None, "authority": "", "need": None},
            {"budget": MISSING, "authority": MISSING, "need": MISSING},
        ),
    ],
)
def test_any_wrong_answer_is_an_error_on_its_question_and_nothing_is_answered(
    changes: dict[str, str | None], errors: dict[str, str]
) -> None:
    checked = check_answers(QUESTIONS, {**ANSWERED, **changes})
    assert checked.errors == errors
    assert checked.answers == ()


def test_answers_to_questions_not_asked_are_ignored() -> None:
    checked = check_answers(QUESTIONS[:1], {**ANSWERED, "salary": "<!channel>"})
    assert [a.question for a in checked.answers] == ["budget"]


def test_an_answer_at_the_limit_is_kept_whole() -> None:
    text = "x" * ANSWER_MAX
    checked = check_answers(QUESTIONS, {**ANSWERED, "need": text})
    assert checked.answers[2].value == text
