"""What a vendor sent, what it becomes, and the two ways it can be refused.

A ``Delivery`` is the request as the vendor made it: method, the URL as the
vendor saw it (the public URL, so schemes that sign the URI still verify
behind a proxy), headers, raw body and the token a URL may carry. Vendor
modules turn it into ``SourceEvent``s: generic event documents
(``bot.leads.events``) plus the vendor's own ids for the person, which the
writer records or resolves (``aliases``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


class SignatureError(Exception):
    """The delivery is not from the vendor (missing, forged or stale): answered 401."""


class PayloadError(Exception):
    """The verified body cannot be decoded at all (not JSON, not a form): answered 400."""


@dataclass(frozen=True)
class Delivery:
    method: str
    url: str
    #: header names lower-cased
    headers: Mapping[str, str]
    body: bytes
    #: the secret part of a URL such as ``/webhooks/unbounce/{token}``, when given
    token: str | None = None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass(frozen=True)
class SourceEvent:
    """One generic event document translated from a vendor payload.

    ``document`` has the vendor's idempotency key as its ``id``; its lead has no
    ``email`` when the payload names none. ``aliases`` are the vendor's ids for
    the person (a Segment user id, a Calendly invitee): with an email they are
    recorded for the lead, without one they find it. ``raw`` is the vendor's own
    payload, kept for audit. ``problem`` says why a payload maps to no lead
    event at all (an unsupported kind), so it is stored for audit only.
    """

    document: dict[str, Any]
    raw: Any
    aliases: tuple[str, ...] = ()
    problem: str | None = None


def load_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError as exc:
        raise PayloadError(f"the body is not valid JSON: {exc}") from None


def event_id(*parts: object) -> str:
    """An idempotency key from the vendor's ids, hashed when too long for the event id column."""
    key = ":".join(str(part) for part in parts if part not in (None, ""))
    if len(key) <= 200:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def content_id(prefix: str, value: Any) -> str:
    """A key for a payload without an id of its own: equal content, equal key."""
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return f"{prefix}:{hashlib.sha256(canonical.encode()).hexdigest()[:32]}"


def parse_time(value: Any, now: datetime) -> datetime:
    """An ISO-8601 vendor timestamp (``Z`` allowed) as aware UTC, never later than ``now``.

    A vendor's clock running ahead must not make a real submission invalid,
    and a missing or unreadable time means "now".
    """
    stamp: datetime | None = None
    if isinstance(value, str) and value:
        try:
            stamp = datetime.fromisoformat(value)
        except ValueError:
            stamp = None
    if stamp is None:
        return now
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return min(stamp.astimezone(UTC), now)


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` when it is an object; an empty one otherwise (vendor payloads vary)."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_text(value: Any) -> str | None:
    """Text or a number as text; None for anything else or blank text."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def stored_only(key: str, raw: Any, problem: str) -> SourceEvent:
    """A payload that records nothing about a lead: kept for audit with the reason."""
    return SourceEvent({"id": key, "type": "lead.profile", "lead": {}}, raw, problem=problem)
