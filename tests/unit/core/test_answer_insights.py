"""Which answers given at Accept go with won deals: lift and Wilson intervals on known leads."""

from __future__ import annotations

import pytest

from bot.core.answer_insights import NO_ANSWER, AnsweredLead, AnswerVerdict, analyse_answers
from bot.core.insights import wilson
from bot.core.qualification import Answer


def budget(value: str | None, label: str = "Budget") -> Answer:
    return Answer("budget", label, "choice", value)


def need(value: str | None) -> Answer:
    return Answer("need", "Need", "text", value)


def leads(count: int, *answers: Answer, won: int, open_: int = 0) -> list[AnsweredLead]:
    """``count`` leads given ``answers``: ``won`` won, ``open_`` still open, the rest lost."""
    stages = ["won"] * won + ["sql"] * open_ + ["lost"] * (count - won - open_)
    return [AnsweredLead(answers, stage) for stage in stages]


def test_answers_that_predict_a_win_or_a_loss_are_named() -> None:
    report = analyse_answers(
        leads(20, budget("Confirmed"), won=16, open_=0)
        + leads(20, budget("No budget yet"), won=3)
        + leads(10, budget("Being discussed"), won=5, open_=4),
        min_leads=5,
    )
    assert report.answered == 50
    assert (report.base.successes, report.base.trials) == (24, 46)
    found = {a.answer: a for a in report.answers}
    base = 24 / 46
    confirmed, none_yet, discussed = (
        found["Confirmed"],
        found["No budget yet"],
        found["Being discussed"],
    )
    assert (confirmed.rate.successes, confirmed.rate.trials) == (16, 20)
    assert confirmed.lift == pytest.approx(0.8 / base)
    low, high = wilson(16, 20)
    assert confirmed.lift_interval == pytest.approx((low / base, high / base))
    assert confirmed.verdict is AnswerVerdict.WIN
    assert none_yet.verdict is AnswerVerdict.LOSS
    assert (discussed.rate.trials, discussed.verdict) == (6, AnswerVerdict.UNCLEAR)
    assert report.predictive == [confirmed, none_yet]
    assert confirmed.summary(report.base).startswith(
        "Budget: Confirmed predicts a win: 16 of 20 closed deals won (80%) vs 52%; lift 1.53"
    )


def test_open_deals_are_left_out_and_thin_answers_are_not_judged() -> None:
    report = analyse_answers(
        leads(30, budget("Confirmed"), won=0, open_=30) + leads(4, budget("Confirmed"), won=4)
    )
    assert report.answered == 34
    (confirmed,) = report.answers
    assert (confirmed.rate.trials, confirmed.verdict) == (4, AnswerVerdict.THIN)


def test_text_answers_group_ignoring_case_and_spacing_and_empty_ones_count_too() -> None:
    report = analyse_answers(
        leads(3, need("SSO"), won=3)
        + leads(2, need("  sso "), won=1)
        + leads(2, need(None), won=0)
        + leads(1, need("Audit logs"), won=1),
        min_leads=1,
    )
    assert [(a.answer, a.rate.successes, a.rate.trials) for a in report.answers] == [
        ("SSO", 4, 5),
        (NO_ANSWER, 0, 2),
        ("Audit logs", 1, 1),
    ]


def test_questions_keep_their_order_and_their_latest_label() -> None:
    report = analyse_answers(
        leads(2, budget("Confirmed"), need("SSO"), won=1)
        + leads(2, budget("Confirmed", label="Budget confirmed?"), won=2)
    )
    assert [(a.question, a.label) for a in report.answers] == [
        ("budget", "Budget confirmed?"),
        ("need", "Need"),
    ]


def test_without_won_deals_there_is_no_lift() -> None:
    report = analyse_answers(leads(25, budget("Confirmed"), won=0))
    (confirmed,) = report.answers
    assert (confirmed.lift, confirmed.lift_interval) == (None, None)
    assert confirmed.verdict is AnswerVerdict.UNCLEAR
    assert report.predictive == []
