"""Profile normalisation: one canonical form per fact, never a lost value."""

from __future__ import annotations

import pytest

from bot.core.normalise import (
    clean_text,
    normalise_company_size,
    normalise_country,
    normalise_email,
    normalise_phone,
)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("Germany", "DE"),
        ("de", "DE"),
        ("DEU", "DE"),
        ("UK", "GB"),
        ("United States", "US"),
        ("usa", "US"),
        (" france ", "FR"),
        ("Narnia", None),
        ("", None),
    ],
)
def test_country_to_alpha2(raw: str, code: str | None) -> None:
    assert normalise_country(raw) == code


@pytest.mark.parametrize(
    ("raw", "country", "e164"),
    [
        ("+49 30 1234567", None, "+49301234567"),
        ("030 1234567", "DE", "+49301234567"),
        ("(415) 555-0132", "US", "+14155550132"),
        ("12", None, None),
        ("call me", "US", None),
    ],
)
def test_phone_to_e164(raw: str, country: str | None, e164: str | None) -> None:
    assert normalise_phone(raw, country) == e164


@pytest.mark.parametrize(
    ("raw", "size"),
    [
        (250, 250),
        ("51-200", 51),
        ("1,000+", 1000),
        ("10 000", 10000),
        ("many", None),
        (-3, None),
        (10_000_000, 10_000_000),
        (2**31, None),
        ("99999999999-", None),
    ],
)
def test_company_size(raw: int | str, size: int | None) -> None:
    assert normalise_company_size(raw) == size


def test_email_is_lower_cased_and_validated() -> None:
    assert normalise_email(" Jane.DOE@Example.Com") == "jane.doe@example.com"
    with pytest.raises(ValueError, match="not a valid email"):
        normalise_email("jane@")


def test_clean_text_trims_and_strips_control_characters() -> None:
    assert clean_text("  Head\t of\x07\n Growth ") == "Head of Growth"
    assert clean_text(" \x00 ") is None
