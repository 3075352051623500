"""``/leads`` subcommands: the text a person typed, parsed into a typed request.

Pure: no Slack, no database. Anything that does not parse becomes a
:class:`UsageError` carrying the help for what was meant, so a typo is
answered with usage, never a stack trace. ``public`` at either end of the
text makes the answer visible to the channel; every answer is private
otherwise.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.slack.text import escape

PUBLIC = "public"
STATS_RANGES = ("7d", "30d", "90d", "quarter")
StatsRange = Literal["7d", "30d", "90d", "quarter"]
_MENTION = re.compile(r"^<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>$|^([UW][A-Z0-9]{2,})$")
_EMAIL = re.compile(r"^<?(?:mailto:[^|>]+\|)?([^\s@<>|]+@[^\s@<>|]+\.[^\s@<>|]+)>?$")


class CommandsConfig(BaseModel):
    """The ``commands:`` section: what the slash command is called in this workspace."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    name: str = Field(default="/leads", pattern=r"^/[a-z0-9_-]{1,31}$")
    #: entries per list answer (pending, mine, search) before "and N more"
    list_size: int = Field(default=10, ge=1, le=40)


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Show:
    query: str


@dataclass(frozen=True)
class Pending:
    pass


@dataclass(frozen=True)
class Mine:
    pass


@dataclass(frozen=True)
class Search:
    text: str


@dataclass(frozen=True)
class Stats:
    range: StatsRange = "7d"


@dataclass(frozen=True)
class Explain:
    email: str


@dataclass(frozen=True)
class Assign:
    email: str
    user_id: str


@dataclass(frozen=True)
class Recycle:
    email: str
    reason: str


@dataclass(frozen=True)
class Disqualify:
    email: str
    reason: str


@dataclass(frozen=True)
class Forget:
    email: str


@dataclass(frozen=True)
class Away:
    """Take no leads, until the start of ``until`` (the person's day) or until ``back``."""

    #: someone else (admins only); None: the person typing
    user_id: str | None = None
    until: date | None = None


@dataclass(frozen=True)
class Back:
    user_id: str | None = None


@dataclass(frozen=True)
class TeamStatus:
    pass


@dataclass(frozen=True)
class DigestPreview:
    edition: Literal["daily", "weekly"] = "daily"


Request = (
    Help
    | Show
    | Pending
    | Mine
    | Search
    | Stats
    | Explain
    | Assign
    | Recycle
    | Disqualify
    | Forget
    | Away
    | Back
    | TeamStatus
    | DigestPreview
)

#: subcommand → (arguments, what it does), in the order help lists them
USAGE: dict[str, tuple[str, str]] = {
    "show": ("<email|name>", "a lead's profile, score breakdown and stage history"),
    "pending": ("", "MQLs awaiting a decision, hot first, then oldest"),
    "mine": ("", "your SQLs and how long you have had them"),
    "search": ("<text>", "leads whose email, name or company contains the text"),
    "stats": ("[7d|30d|90d|quarter]", "the funnel, conversions, SLA and value per source"),
    "explain": ("<email>", "why a lead has its score, rule by rule"),
    "assign": ("<email> @user", "hand an MQL or SQL to someone (deciders)"),
    "recycle": ("<email> <reason>", "send an MQL back to nurture (deciders)"),
    "disqualify": ("<email> <reason>", "take a lead out of the funnel (deciders)"),
    "forget": ("<email>", "erase a lead's personal data (admins only)"),
    "away": ("[@user] [until YYYY-MM-DD]", "take no offered leads (admins: for someone else)"),
    "back": ("[@user]", "take offered leads again"),
    "team": ("", "who is on, open leads, leads today vs cap, accept rate, time to decide"),
    "digest": ("[weekly]", "preview the digest now"),
    "help": ("", "this list"),
}
DECIDER_ONLY = (Assign, Recycle, Disqualify)
ADMIN_ONLY = (Forget,)


@dataclass(frozen=True)
class Command:
    request: Request
    public: bool = False


class UsageError(ValueError):
    """The text does not parse; ``problem`` says why, ``usage`` how to write it."""

    def __init__(self, problem: str, usage: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.usage = usage


def usage_line(command_name: str, subcommand: str) -> str:
    args, what = USAGE[subcommand]
    return f"`{' '.join(p for p in (command_name, subcommand, args) if p)}` — {what}"


def help_text(command_name: str) -> str:
    return "\n".join(usage_line(command_name, sub) for sub in USAGE)


def parse(text: str, command_name: str = "/leads") -> Command:
    """Parse the text after the command name; raises :class:`UsageError`."""
    words = text.split()
    public = False
    if words and words[-1].lower() == PUBLIC:
        public, words = True, words[:-1]
    elif words and words[0].lower() == PUBLIC:
        public, words = True, words[1:]
    if not words:
        return Command(Help(), public)
    sub, args = words[0].lower(), words[1:]
    if sub not in USAGE:
        close = difflib.get_close_matches(sub, USAGE, n=1)
        hint = f" Did you mean `{close[0]}`?" if close else ""
        raise UsageError(f"I don't know {_quote(sub)}.{hint}", help_text(command_name))
    try:
        return Command(_request(sub, args), public)
    except ValueError as exc:
        raise UsageError(str(exc), usage_line(command_name, sub)) from None


def _request(sub: str, args: list[str]) -> Request:
    if sub in ("help", "pending", "mine", "team"):
        _no_more(args)
        simple: dict[str, type[Help | Pending | Mine | TeamStatus]] = {
            "help": Help,
            "pending": Pending,
            "mine": Mine,
            "team": TeamStatus,
        }
        return simple[sub]()
    if sub in ("away", "back"):
        return _availability(sub, args)
    if sub in ("show", "search"):
        if not args:
            raise ValueError(f"`{sub}` needs something to look for")
        text = " ".join(args)
        return Show(_email(text) if "@" in text else text) if sub == "show" else Search(text)
    if sub == "stats":
        _no_more(args[1:])
        period = args[0].lower() if args else "7d"
        if period not in STATS_RANGES:
            raise ValueError(
                f"{_quote(period)} is not a period; use one of {', '.join(STATS_RANGES)}"
            )
        return Stats(period)  # type: ignore[arg-type]
    if sub == "digest":
        _no_more(args[1:])
        edition = args[0].lower() if args else "daily"
        if edition not in ("daily", "weekly"):
            raise ValueError("the digest is `daily` (default) or `weekly`")
        return DigestPreview(edition)  # type: ignore[arg-type]
    if not args:
        raise ValueError(f"`{sub}` needs the lead's email")
    email, rest = _email(args[0]), args[1:]
    if sub in ("explain", "forget"):
        _no_more(rest)
        return Explain(email) if sub == "explain" else Forget(email)
    if sub == "assign":
        if len(rest) != 1:
            raise ValueError("name one person to assign the lead to, as an @mention")
        return Assign(email, _user(rest[0]))
    if not rest:
        raise ValueError(f"say why: `{sub} <email> <reason>`")
    reason = " ".join(rest)[:300]
    return Recycle(email, reason) if sub == "recycle" else Disqualify(email, reason)


def _availability(sub: str, args: list[str]) -> Away | Back:
    user_id = _user(args.pop(0)) if args and args[0].lower() != "until" else None
    if sub == "back":
        _no_more(args)
        return Back(user_id)
    if not args:
        return Away(user_id)
    if args[0].lower() != "until" or len(args) != 2:
        raise ValueError("say `until YYYY-MM-DD`, or nothing to be away until you are back")
    try:
        until = date.fromisoformat(args[1])
    except ValueError:
        raise ValueError(f"{_quote(args[1])} is not a date; write it as 2026-12-01") from None
    return Away(user_id, until)


def _quote(word: str) -> str:
    """User text shown back in code style, escaped so it cannot ping or link."""
    return f"`{escape(word[:100])}`"


def _no_more(args: list[str]) -> None:
    if args:
        raise ValueError(f"unexpected {_quote(' '.join(args))}")


def _email(word: str) -> str:
    """An address as typed, or as Slack auto-links it (``<mailto:a@b.c|a@b.c>``)."""
    match = _EMAIL.match(word.strip())
    if match is None:
        raise ValueError(f"{_quote(word)} is not an email address")
    return match.group(1).lower()


def _user(word: str) -> str:
    match = _MENTION.match(word)
    if match is None:
        raise ValueError(
            f"{_quote(word)} is not a Slack user: pick the person from the @ autocomplete "
            "so Slack sends their id"
        )
    return match.group(1) or match.group(2)
