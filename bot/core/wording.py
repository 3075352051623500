"""Counts and lists written as a person writes them: "1 lead", "3 leads", "a, b or c".

Shared by the command line and the Slack answers, so both read alike.
"""

from __future__ import annotations

from collections.abc import Sequence


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """``count`` with the noun in the right number: ``1 MQL card``, ``2 MQL cards``."""
    noun = singular if count == 1 else plural or f"{singular}s"
    return f"{count:,} {noun}"


def either(words: Sequence[str], *, last: str = "or", limit: int = 0) -> str:
    """``a``, ``a or b``, ``a, b or c``; past ``limit`` words, ``a, b, … (12 in all)``."""
    if limit and len(words) > limit:
        return f"{', '.join(words[:limit])}, … ({len(words)} in all)"
    if len(words) < 3:
        return f" {last} ".join(words)
    return f"{', '.join(words[:-1])} {last} {words[-1]}"
