"""What JSON may hold to be stored: checked before validation, so nothing fails at commit.

JSON allows values that neither the JSON columns nor the text columns can
keep: integers beyond 64 bits, ``NaN`` and infinities, strings with a lone
UTF-16 surrogate (``"\\ud800"``) or a NUL, and nesting deep enough to exhaust
a recursive encoder. A sender who sends them gets a 422 naming each place,
instead of a 500 that a Standard Webhooks sender would retry for days.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

#: deepest nesting of objects and lists, counted from the top of the body
MAX_DEPTH = 32
#: at most this many problems are listed (a hostile body could hold thousands)
MAX_PROBLEMS = 20
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

TOO_DEEP = f"nested deeper than {MAX_DEPTH} levels; flatten it"
TOO_BIG = "this number does not fit in 64 bits; send it as text"
NOT_FINITE = "NaN and infinite numbers cannot be stored; send null or text"
NUL = "holds a NUL character, which cannot be stored"
SURROGATE = "holds a lone UTF-16 surrogate (such as \\ud800), which is not valid Unicode"


def json_problems(document: Any) -> list[tuple[str, str]]:
    """``(path, message)`` for each value in ``document`` that cannot be stored, the first few."""
    problems: list[tuple[str, str]] = []
    for problem in _walk(document, "", 0):
        problems.append(problem)
        if len(problems) == MAX_PROBLEMS:
            break
    return problems


def storable(value: Any, depth: int = 0) -> Any:
    """``value`` made storable, for payloads kept for audit that nobody may be refused for.

    NULs go, lone surrogates become "?", numbers beyond 64 bits and
    non-finite ones become text, and what lies deeper than ``MAX_DEPTH`` is
    replaced by a note: a lead source's payload is kept as nearly as it can be.
    """
    if isinstance(value, str):
        return _storable_text(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value if INT64_MIN <= value <= INT64_MAX else str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict | list) and depth >= MAX_DEPTH:
        return f"(left out: {TOO_DEEP})"
    if isinstance(value, dict):
        return {_storable_text(str(k)): storable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(item, depth + 1) for item in value]
    return str(value)


def _storable_text(text: str) -> str:
    if _string_problem(text) is None:
        return text
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def printable_key(key: str) -> str:
    """A key as it can appear in an error path: lone surrogates spelled as ``\\udXXX``."""
    return key.encode("utf-8", "backslashreplace").decode("utf-8")


def join_path(path: str, part: str | int) -> str:
    if isinstance(part, int):
        return f"{path}[{part}]"
    return f"{path}.{printable_key(part)}" if path else printable_key(part)


def _walk(value: Any, path: str, depth: int) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        if (problem := _string_problem(value)) is not None:
            yield path or "body", problem
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            yield path or "body", TOO_BIG
    elif isinstance(value, float):
        if not math.isfinite(value):
            yield path or "body", NOT_FINITE
    elif isinstance(value, dict | list):
        if depth >= MAX_DEPTH:
            yield path or "body", TOO_DEEP
            return
        if isinstance(value, dict):
            for key, item in value.items():
                key_path = join_path(path, key)
                if (problem := _string_problem(key)) is not None:
                    yield key_path, f"the key {problem}"
                yield from _walk(item, key_path, depth + 1)
        else:
            for index, item in enumerate(value):
                yield from _walk(item, join_path(path, index), depth + 1)


def _string_problem(text: str) -> str | None:
    if "\x00" in text:
        return NUL
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return SURROGATE
    return None
