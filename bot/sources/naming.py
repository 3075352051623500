"""Vendor names made usable: attribute keys, activity types and words to match on.

Question labels, trait names and event names arrive in whatever form their
authors typed ("What's your Job Title?", ``firstName``, "Größe",
"Demo Requested"). Rules need stable ASCII keys, and the field heuristics
need plain words.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_NON_WORD = re.compile(r"[^a-z0-9]+")
#: letters NFKD does not take apart into an ASCII base letter
_FOLD = str.maketrans({"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "đ": "d", "ł": "l", "þ": "th"})


@lru_cache(maxsize=4096)  # a form's labels and a source's trait names repeat in every delivery
def words(text: str) -> str:
    """``"What's your firstName?"`` → ``"what s your first name"``: ASCII words, single spaces."""
    split = _CAMEL.sub(" ", text)
    folded = unicodedata.normalize("NFKD", split.lower().translate(_FOLD))
    ascii_text = folded.encode("ascii", "ignore").decode()
    return _NON_WORD.sub(" ", ascii_text).strip()


@lru_cache(maxsize=4096)
def slug(text: str, *, limit: int = 64) -> str | None:
    """An attribute key (``[a-z0-9_]``, at most ``limit`` long), or None if nothing is left."""
    key = words(text).replace(" ", "_")[:limit].strip("_")
    return key or None


def activity_type(name: str) -> str:
    """An activity type for a free-form event name: ``"Course Clicked"`` → ``course_clicked``."""
    key = slug(name, limit=60) or "event"
    return key if key[0].isalpha() else f"event_{key}"
