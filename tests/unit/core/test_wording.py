"""Conditions read as words wherever people see them: cards, /leads explain, rules check."""

from __future__ import annotations

import pytest

from bot.config.rules import FieldCondition
from bot.core.conditions import describe_condition, regex_words
from bot.core.wording import counted, either


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        (
            r"\b(vp|svp|evp|vice president|head of)\b",
            ["vp", "svp", "evp", "vice president", "head of"],
        ),
        (r"\bdirector\b", ["director"]),
        (
            r"(?i)^(co-?founder|owner)$|(?<!vice )\bpresident\b",
            ["co-founder", "owner", "president"],
        ),
        (r"\bhead\s+of\b", ["head of"]),
        (r"acme\.com|c\+\+", ["acme.com", "c++"]),
    ],
)
def test_a_pattern_of_plain_alternatives_is_read_as_its_words(
    pattern: str, words: list[str]
) -> None:
    assert regex_words(pattern) == words


@pytest.mark.parametrize("pattern", [r"^[a-z]+\d{3}$", r"a+b", r"(a|(b|c))", r"x.*y", r"a||b", ""])
def test_a_pattern_beyond_plain_words_has_no_short_reading(pattern: str) -> None:
    assert regex_words(pattern) is None


def condition(**fields: object) -> FieldCondition:
    return FieldCondition.model_validate(fields, strict=False)


@pytest.mark.parametrize(
    ("fields", "reading"),
    [
        (
            {"field": "job_title", "regex": r"\b(manager|lead)\b"},
            "job title mentions manager or lead",
        ),
        ({"field": "job_title", "regex": r"^\w{2,}$"}, "job title matches a pattern"),
        ({"field": "attributes.dnc", "in": [True, "true", "yes"]}, "attribute dnc is true or yes"),
        ({"field": "country", "in": ["US"]}, "country is US"),
        ({"field": "country", "not_in": ["US"]}, "country is not US"),
        (
            {"field": "country", "in": ["US", "CA", "GB", "IE", "DE", "AT", "CH"]},
            "country is one of US, CA, GB, IE, DE, AT, … (7 in all)",
        ),
        ({"field": "country", "not_in": ["US", "CA", "GB"]}, "country is none of US, CA or GB"),
        ({"field": "company_size", "min": 50, "max": 200}, "50 ≤ company size < 200"),
        ({"field": "phone", "present": True}, "phone given"),
        ({"field": "company", "present": False}, "company missing"),
        ({"field": "industry", "equals": "software"}, "industry is software"),
        ({"field": "website", "contains": ".io"}, "website contains .io"),
    ],
)
def test_conditions_read_as_a_person_writes_them(fields: dict[str, object], reading: str) -> None:
    made = condition(**fields)
    assert describe_condition(made, made.field) == reading


def test_counts_agree_with_their_nouns() -> None:
    assert counted(1, "sample lead") == "1 sample lead"
    assert counted(0, "MQL card") == "0 MQL cards"
    assert counted(2_570, "lead") == "2,570 leads"
    assert (
        counted(1, "reply", "replies") == "1 reply"
        and counted(3, "reply", "replies") == "3 replies"
    )
    assert either(["a"]) == "a" and either(["a", "b"]) == "a or b"
    assert either(["a", "b", "c"], last="and") == "a, b and c"
