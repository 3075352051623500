"""The ``qualification:`` section: questions for Accept, each mistake named by its place."""

from __future__ import annotations

import re
import textwrap

import pytest

from bot.config.qualification import OPTION_TEXT_MAX, QUESTIONS_MAX, key_of
from bot.config.rules import RulesError, default_rules_text, load_config, parse_config

HEAD = "scoring:\n  threshold: {mql: 10}\nqualification:\n  questions:\n"


def questions(text: str) -> str:
    return HEAD + textwrap.indent(textwrap.dedent(text), "    ")


def problems_of(text: str) -> list[str]:
    with pytest.raises(RulesError) as caught:
        parse_config(text)
    return caught.value.problems


def test_the_packaged_default_asks_nothing_so_accept_is_one_click() -> None:
    assert load_config(None).qualification.questions == []


def test_the_commented_example_is_valid_and_asks_budget_authority_need_timeline() -> None:
    text = default_rules_text()
    section = text[text.index("qualification:\n  questions: []") :]
    example = re.sub(r"^  #  ", "  ", section, flags=re.MULTILINE).replace(" []", "", 1)
    config = parse_config(text[: text.index("qualification:\n  questions: []")] + example)
    asked = config.qualification.questions
    assert [q.id for q in asked] == ["budget", "authority", "need", "timeline"]
    assert [q.kind for q in asked] == ["choice", "choice", "text", "choice"]
    assert [q.required for q in asked] == [True, True, True, False]


def test_a_question_is_named_by_its_key_or_else_its_label() -> None:
    config = parse_config(
        questions(
            """\
            - {label: Budget, kind: choice, options: [Confirmed, None yet]}
            - {label: "Decision maker? (name, role)", kind: text, required: false}
            - {label: Timeline, kind: text, key: when}
            """
        )
    )
    budget, authority, timeline = config.qualification.questions
    assert (budget.id, budget.options, budget.required) == (
        "budget",
        ["Confirmed", "None yet"],
        True,
    )
    assert (authority.id, authority.required) == ("decision_maker_name_role", False)
    assert timeline.id == "when"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "- {label: Budget, kind: choice}",
            "qualification.questions[0] (line 5): a choice question needs options",
        ),
        (
            "- {label: Budget, kind: choice, options: [Confirmed]}",
            "qualification.questions[0] (line 5): a choice question needs options",
        ),
        (
            "- {label: Need, kind: text, options: [a, b]}",
            "qualification.questions[0] (line 5): options are for kind: choice",
        ),
        (
            "- {label: Budget, kind: choice, options: [Yes, No, Yes]}",
            "qualification.questions[0].options[0] (line 5): options must be text, not True",
        ),
        (
            "- {label: Budget, kind: choice, options: [a, b, a]}",
            "qualification.questions[0] (line 5): an option is listed twice",
        ),
        (
            f"- {{label: Budget, kind: choice, options: [a, {'b' * (OPTION_TEXT_MAX + 1)}]}}",
            "qualification.questions[0].options[1] (line 5): at most 75 characters",
        ),
        (
            "- {label: Budget, kind: date}",
            "qualification.questions[0].kind (line 5): must be 'choice' or 'text'",
        ),
        (
            "- {label: '  ', kind: text}",
            "qualification.questions[0].label (line 5): must not be blank",
        ),
        (
            "- {label: 预算, kind: text}",
            "qualification.questions[0] (line 5): a key is lower-case letters, digits and _",
        ),
        (
            "- {label: Budget, kind: text, key: Budget-2026}",
            "qualification.questions[0] (line 5): a key is lower-case letters",
        ),
        (
            "- label: Budget\n  kind: text\n  requried: false",
            "qualification.questions[0].requried (line 7): unknown key (check the spelling)",
        ),
        (
            "- {label: Budget, kind: text}\n- {label: budget, kind: text}",
            "qualification.questions (line 5): two questions have the key 'budget'",
        ),
    ],
)
def test_mistakes_are_named_by_place_and_line(question: str, expected: str) -> None:
    problems = problems_of(questions(question))
    assert any(p.startswith(expected) for p in problems), problems


def test_at_most_ten_questions() -> None:
    many = "".join(f"- {{label: Q{n}, kind: text}}\n" for n in range(QUESTIONS_MAX + 1))
    assert problems_of(questions(many)) == [
        f"qualification.questions (line 5): List should have at most {QUESTIONS_MAX} items "
        f"after validation, not {QUESTIONS_MAX + 1}"
    ]


def test_default_keys_keep_letters_and_digits_only() -> None:
    assert key_of("  Budget (EUR) for 2026? ") == "budget_eur_for_2026"
    assert key_of("x" * 100) == "x" * 64
