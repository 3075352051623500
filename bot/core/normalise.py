"""Normalisation of lead profile values: one canonical form per fact.

Identity hangs on the email, so it is validated and lower-cased; countries
become ISO-3166 alpha-2 whatever the form sent (code, name, common alias);
phones become E.164. Values that cannot be normalised are not thrown away:
the caller keeps the raw text as an attribute and reports a warning.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import phonenumbers
import pycountry
from email_validator import EmailNotValidError, validate_email

#: Names forms commonly send that pycountry does not know.
_COUNTRY_ALIASES = {
    "uk": "GB",
    "u.k.": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "great britain": "GB",
    "usa": "US",
    "u.s.": "US",
    "u.s.a.": "US",
    "united states of america": "US",
    "america": "US",
    "south korea": "KR",
    "korea": "KR",
    "north korea": "KP",
    "russia": "RU",
    "vietnam": "VN",
    "iran": "IR",
    "uae": "AE",
    "czech republic": "CZ",
    "turkey": "TR",
    "holland": "NL",
    "the netherlands": "NL",
}

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"\s+")
_SIZE_BAND = re.compile(r"^\s*(\d[\d,. ]*)\s*(?:-|–|to|\+|or more)?")


def clean_text(value: str) -> str | None:
    """Trim, fold runs of whitespace and drop control characters; empty → None."""
    value = _CONTROL.sub("", unicodedata.normalize("NFC", value))
    value = _SPACES.sub(" ", value).strip()
    return value or None


@lru_cache(maxsize=65_536)
def normalise_email(value: str) -> str:
    """The validated, lower-cased address; raises ValueError with the reason.

    Cached: a lead sends many events from one address, and validation (IDNA,
    unicode checks) costs more than the rest of an event's parsing.
    """
    try:
        result = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"not a valid email address: {exc}") from None
    return result.normalized.lower()


@lru_cache(maxsize=4096)
def normalise_country(value: str) -> str | None:
    """ISO-3166 alpha-2 for a code or a name, or None when unrecognised."""
    key = value.strip().lower()
    if not key:
        return None
    if key in _COUNTRY_ALIASES:
        return _COUNTRY_ALIASES[key]
    try:
        return str(pycountry.countries.lookup(key).alpha_2)
    except LookupError:
        return None


def normalise_phone(value: str, country: str | None) -> str | None:
    """E.164 (+4930123456) or None when the number is not a possible one."""
    try:
        number = phonenumbers.parse(value, country)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


#: more employees than the largest employer has; larger sizes are not recognised
MAX_COMPANY_SIZE = 10_000_000


def normalise_company_size(value: int | str) -> int | None:
    """Employees as an integer; a band such as ``51-200`` or ``1000+`` gives its lower bound.

    More than ``MAX_COMPANY_SIZE`` employees is no company (and would not fit
    the column), so such a value is not recognised.
    """
    if isinstance(value, int):
        size: int | None = value
    elif (match := _SIZE_BAND.match(value)) is not None:
        digits = re.sub(r"[,. ]", "", match.group(1))
        size = int(digits) if digits else None
    else:
        return None
    return size if size is not None and 0 <= size <= MAX_COMPANY_SIZE else None


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1]


@lru_cache(maxsize=512)
def is_currency(code: str) -> bool:
    return pycountry.currencies.get(alpha_3=code.upper()) is not None
