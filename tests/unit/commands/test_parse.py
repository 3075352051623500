"""``/leads`` parsing: typed requests from text, usage help for everything else."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.commands.parse import (
    USAGE,
    Assign,
    Command,
    DigestPreview,
    Disqualify,
    Explain,
    Forget,
    Help,
    Mine,
    Pending,
    Recycle,
    Search,
    Show,
    Stats,
    UsageError,
    help_text,
    parse,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Command(Help())),
        ("help", Command(Help())),
        ("PENDING", Command(Pending())),
        ("pending public", Command(Pending(), public=True)),
        ("public mine", Command(Mine(), public=True)),
        ("show Jane Doe", Command(Show("Jane Doe"))),
        ("show Jane@Example.com", Command(Show("jane@example.com"))),
        ("show <mailto:jane@example.com|jane@example.com>", Command(Show("jane@example.com"))),
        ("search acme gmbh", Command(Search("acme gmbh"))),
        ("stats", Command(Stats("7d"))),
        ("stats Quarter public", Command(Stats("quarter"), public=True)),
        ("explain jane@example.com", Command(Explain("jane@example.com"))),
        ("assign jane@example.com <@U0BOB|bob>", Command(Assign("jane@example.com", "U0BOB"))),
        ("assign jane@example.com <@U0BOB>", Command(Assign("jane@example.com", "U0BOB"))),
        (
            "recycle jane@example.com not ready yet",
            Command(Recycle("jane@example.com", "not ready yet")),
        ),
        ("disqualify jane@example.com spam", Command(Disqualify("jane@example.com", "spam"))),
        ("forget jane@example.com", Command(Forget("jane@example.com"))),
        ("digest", Command(DigestPreview("daily"))),
        ("digest weekly", Command(DigestPreview("weekly"))),
    ],
)
def test_each_subcommand_parses(text: str, expected: Command) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("pendng", "Did you mean `pending`?"),
        ("xyzzy", "I don't know `xyzzy`."),
        ("stats 12d", "`12d` is not a period"),
        ("show", "needs something to look for"),
        ("explain", "needs the lead's email"),
        ("explain not-an-email", "is not an email address"),
        ("assign jane@example.com @bob", "is not a Slack user"),
        ("assign jane@example.com", "name one person"),
        ("recycle jane@example.com", "say why"),
        ("pending now", "unexpected `now`"),
        ("digest monthly", "`daily` (default) or `weekly`"),
        ("xyzzy <!channel>", "I don't know `xyzzy`."),
    ],
)
def test_mistakes_get_usage_help(text: str, problem: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse(text)
    assert problem in caught.value.problem
    assert caught.value.usage.startswith("`/leads")


def test_user_text_in_a_problem_is_escaped() -> None:
    with pytest.raises(UsageError) as caught:
        parse("stats <!channel>")
    assert "<!channel>" not in caught.value.problem
    assert "&lt;!channel&gt;" in caught.value.problem


def test_help_lists_every_subcommand_under_the_configured_name() -> None:
    text = help_text("/sales")
    assert all(f"`/sales {sub}" in text for sub in USAGE)


@given(st.text(max_size=200))
def test_any_text_parses_or_gets_usage(text: str) -> None:
    try:
        parse(text)
    except UsageError as exc:
        assert exc.usage
