"""Which answers to the qualification questions go with won deals: lift, with its uncertainty.

Answers are given when sales accepts a lead, so every answered lead was
accepted; what an answer can predict is the deal. The leads counted are
those answered whose deal is closed (won or lost): an open deal's result is
not known yet. The base rate is the share of them won; each answer's rate is
the share won among the leads given it, and its lift the rate over the base,
with the 95 % Wilson interval of ``bot.core.insights`` (and its caveat: the
base rate is treated as known).

An answer *predicts a win* when its lift interval lies wholly above 1, *a
loss* when wholly below; answers given to fewer than ``min_leads`` leads are
shown but not judged. Text answers are compared ignoring case and spacing,
so "Q3" and "q3 " count as one; an optional question left empty counts as
its own answer, "no answer".

Pure: the leads come from ``storage.qualification`` (``bot.history.insights`` reads them).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.core.insights import MIN_LEADS, Rate, lift_of, lift_text
from bot.core.qualification import Answer
from storage.enums import Stage

NO_ANSWER = "no answer"
_CLOSED = frozenset({Stage.WON.value, Stage.LOST.value})


class AnswerVerdict(StrEnum):
    WIN = "predicts a win"
    LOSS = "predicts a loss"
    UNCLEAR = "no clear effect"
    THIN = "too few leads"


@dataclass(frozen=True)
class AnsweredLead:
    """The answers given when a lead was accepted, and the stage the lead is in now."""

    answers: Sequence[Answer]
    stage: str


@dataclass(frozen=True)
class AnswerInsight:
    question: str
    #: the question's label as it was last asked
    label: str
    #: the answer as first given (``NO_ANSWER`` for an optional question left empty)
    answer: str
    rate: Rate
    lift: float | None
    lift_interval: tuple[float, float] | None
    verdict: AnswerVerdict

    def summary(self, base: Rate) -> str:
        """One sentence: how leads with this answer fared against all answered leads."""
        text = (
            f"{self.label}: {self.answer} {self.verdict.value}: {self.rate.successes} of "
            f"{self.rate.trials} closed deals won ({self.rate.value:.0%}) vs {base.value:.0%}"
        )
        return text + lift_text(self.lift, self.lift_interval)


@dataclass(frozen=True)
class AnswerReport:
    #: leads accepted with answers, whether their deal is closed or not
    answered: int
    #: closed deals among answered leads, and how many were won
    base: Rate
    #: question by question in the order they were asked, most frequent answer first
    answers: list[AnswerInsight]

    @property
    def predictive(self) -> list[AnswerInsight]:
        return [a for a in self.answers if a.verdict in (AnswerVerdict.WIN, AnswerVerdict.LOSS)]


def analyse_answers(leads: Iterable[AnsweredLead], *, min_leads: int = MIN_LEADS) -> AnswerReport:
    """Lift of every answer given to closed deals (see the module docstring)."""
    answered = list(leads)
    closed = [lead for lead in answered if lead.stage in _CLOSED]
    base = Rate(sum(lead.stage == Stage.WON.value for lead in closed), len(closed))
    labels: dict[str, str] = {}
    shown: dict[tuple[str, str], str] = {}
    outcomes: dict[tuple[str, str], list[bool]] = {}
    for lead in closed:
        for answer in lead.answers:
            labels[answer.question] = answer.label
            group = (answer.question, _comparable(answer.value))
            shown.setdefault(group, answer.value or NO_ANSWER)
            outcomes.setdefault(group, []).append(lead.stage == Stage.WON.value)
    order = {question: position for position, question in enumerate(labels)}
    insights = [
        _insight(question, labels[question], shown[(question, key)], won, base, min_leads)
        for (question, key), won in outcomes.items()
    ]
    insights.sort(key=lambda i: (order[i.question], -i.rate.trials, i.answer))
    return AnswerReport(len(answered), base, insights)


def _comparable(value: str | None) -> str:
    return " ".join(value.casefold().split()) if value else ""


def _insight(
    question: str, label: str, answer: str, won: list[bool], base: Rate, min_leads: int
) -> AnswerInsight:
    rate = Rate(sum(won), len(won))
    lift, interval = lift_of(rate, base)
    if rate.trials < min_leads:
        verdict = AnswerVerdict.THIN
    elif interval is not None and interval[0] > 1:
        verdict = AnswerVerdict.WIN
    elif interval is not None and interval[1] < 1:
        verdict = AnswerVerdict.LOSS
    else:
        verdict = AnswerVerdict.UNCLEAR
    return AnswerInsight(question, label, answer, rate, lift, interval, verdict)
