"""Make untrusted text safe to show in Slack, and keep it within Block Kit limits.

Lead data comes from web forms and third-party systems, so any field may hold
``<!channel>``, ``<@U123>`` or mrkdwn markers. Slack only defines escapes for
``&``, ``<`` and ``>``; there is none for ``*``, ``_``, ``~``, a backtick or a
``>`` opening a quote, so a marker that could open or close formatting is
swapped for a look-alike character. Markers inside a word (``john_doe@example.com``) cannot
format anything and are left alone, so addresses and identifiers stay exact.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

#: Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks).
SECTION_TEXT_MAX = 3000
SECTION_FIELD_MAX = 2000
HEADER_TEXT_MAX = 150
BUTTON_VALUE_MAX = 2000
BLOCKS_PER_MESSAGE_MAX = 50
#: Slack truncates the top-level ``text`` of a message beyond this.
MESSAGE_TEXT_MAX = 40000

ELLIPSIS = "…"

_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_LOOKALIKES = {"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"}
_MARKER_AT_EDGE = re.compile(r"(?<![^\W_])[*_~`]|[*_~`](?![^\W_])")
_QUOTE_AT_LINE_START = re.compile(r"^&gt;", re.MULTILINE)
#: control characters, line separators, and the invisible characters that reorder or hide
#: text: bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069)
#: and zero-width characters and marks (U+200B-U+200F, U+2060, U+FEFF), with which
#: "\u202egnp.exe" would display as "exe.png"
_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200b-\u200f\u2060\ufeff]"
)
_ENTITY_TAIL = re.compile(r"&[a-z]{0,3}$")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
_GROUP_ID = re.compile(r"S[A-Z0-9]{2,}")


def clean(text: object) -> str:
    """Drop control characters that Slack would render as boxes or that break layouts,
    and invisible ones that would make a name read as something else."""
    return _CONTROL.sub("", str(text).replace("\t", " ").replace("\r\n", "\n"))


def escape(text: object) -> str:
    """Escape ``&``, ``<`` and ``>`` and neutralise mrkdwn markers at word edges.

    After this, the text can be placed in any mrkdwn field without pinging
    anyone, linking anywhere or changing the formatting around it.
    """
    escaped = "".join(_ESCAPES.get(ch, ch) for ch in clean(text))
    escaped = _MARKER_AT_EDGE.sub(lambda m: _LOOKALIKES[m.group()], escaped)
    # Slack still reads "&gt;" at the start of a line as a block quote.
    return _QUOTE_AT_LINE_START.sub("\ufe65", escaped)


def truncate(text: str, limit: int) -> str:
    """Shorten ``text`` to at most ``limit`` characters, ending in an ellipsis.

    The cut never splits an escape sequence such as ``&amp;``: half of one
    would show as literal ``&am`` in Slack.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if len(text) <= limit:
        return text
    head = text[: limit - len(ELLIPSIS)]
    head = _ENTITY_TAIL.sub("", head)
    return head.rstrip() + ELLIPSIS


def mrkdwn(text: object, limit: int) -> str:
    """Untrusted text made safe for a mrkdwn field of at most ``limit`` characters."""
    return truncate(escape(text), limit)


def plain(text: object, limit: int) -> str:
    """Untrusted text for a ``plain_text`` object, which Slack never parses for mentions."""
    return truncate(clean(text), limit)


def user_mention(user_id: str | None) -> str:
    """``<@U…>`` for a real Slack user id; anything else is shown escaped, pinging nobody."""
    if user_id and _USER_ID.fullmatch(user_id):
        return f"<@{user_id}>"
    return escape(user_id or "someone")


def group_mention(group_id: str | None) -> str:
    """``<!subteam^S…>`` for a user group id, or an empty string when there is none."""
    if group_id and _GROUP_ID.fullmatch(group_id):
        return f"<!subteam^{group_id}>"
    return ""


def route_mention(group_id: str | None, people: Sequence[str] = ()) -> str:
    """The route's user group, or without one each of ``people``: whom a card pings."""
    return group_mention(group_id) or " ".join(user_mention(person) for person in people)


def date_token(at: datetime) -> str:
    """A date Slack shows in each reader's own time zone, with UTC text as the fallback."""
    utc = at.astimezone(UTC)
    fallback = utc.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(utc.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def link(url: str, label: str) -> str:
    """``<url|label>`` for an https URL that cannot break out of the link; else nothing."""
    if not url.startswith("https://") or any(ch in url for ch in "<>| \n"):
        return ""
    return f"<{url}|{escape(label)}>"
