"""Segment's Webhooks destination: ``X-Signature`` = hex HMAC-SHA1 of the body, no timestamp.

Segment documents the HMAC of the ``JSON.stringify``-ed body, so the raw body
is checked first and the re-serialised one second. ``messageId`` is the
idempotency key. ``identify`` updates the profile from ``traits`` (nested
``company`` and ``address`` included), ``group`` the company, ``track`` records
an activity named by the event (through the ``activities`` mapping), ``page``
a ``page_view`` and ``screen`` a ``screen_view``.

A Segment event often names no email: it names the user (``userId``) and the
browser (``anonymousId``). Both are recorded as aliases of the lead whenever
an event names the email too, and find the lead for those that do not; an
event that reaches no lead is stored for audit only. A batch (a JSON array,
or ``{"batch": [...]}``) is read event by event.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from bot.config.sources import FormSettings, SourceMapping, SourcesConfig, fold, lookup
from bot.sources.delivery import (
    Delivery,
    SignatureError,
    SourceEvent,
    as_dict,
    as_text,
    content_id,
    event_id,
    load_json,
    parse_time,
    stored_only,
)
from bot.sources.forms import Answer, Kind, lead_from_answers
from bot.sources.naming import activity_type, slug
from bot.sources.signing import body_matches, encode, hmac_digest, required_header

NAME = "segment"
HEADER = "X-Signature"
#: track event names and the activity each records unless the rules file says otherwise
EVENTS = fold(
    {
        "Demo Requested": "demo_request",
        "Signed Up": "trial_signup",
        "Trial Started": "trial_signup",
        "Pricing Viewed": "pricing_view",
    }
)
#: Segment's reserved traits (both spellings) and the lead field each fills
TRAITS = {
    "email": "email",
    "firstName": "first_name",
    "first_name": "first_name",
    "lastName": "last_name",
    "last_name": "last_name",
    "name": "name",
    "title": "job_title",
    "phone": "phone",
    "website": "website",
    "industry": "industry",
    "employees": "company_size",
    "company.name": "company",
    "company.industry": "industry",
    "company.employee_count": "company_size",
    "company.employees": "company_size",
    "company.website": "website",
    "address.country": "country",
}
_PROPERTY_KEY = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def sign(body: bytes, secret: str, now: datetime) -> dict[str, str]:
    """The headers Segment sends with ``body``."""
    signature = encode(hmac_digest(secret, body, "sha1"), "hex")
    return {"content-type": "application/json", HEADER: signature}


def verify(delivery: Delivery, secret: str, now: datetime) -> None:
    signature = required_header(delivery, HEADER, " (set the destination's shared secret)")
    if not body_matches(
        secret, delivery.body, [signature], encoding="hex", algorithm="sha1", stringified=True
    ):
        raise SignatureError(f"the {HEADER} does not match the body (check LEADBOT_SEGMENT_SECRET)")


def translate(delivery: Delivery, sources: SourcesConfig, now: datetime) -> list[SourceEvent]:
    payload = load_json(delivery.body)
    if isinstance(payload, dict) and isinstance(payload.get("batch"), list):
        payload = payload["batch"]
    messages = payload if isinstance(payload, list) else [payload]
    return [_message(message, sources.segment, now) for message in messages]


def _message(raw: Any, mapping: SourceMapping, now: datetime) -> SourceEvent:
    message = as_dict(raw)
    kind = message.get("type")
    key = event_id(message.get("messageId")) or content_id(NAME, raw)
    if kind not in ("identify", "group", "track", "page", "screen"):
        return stored_only(key, raw, f"a Segment {kind!r} call carries nothing leadbot records")
    context = as_dict(message.get("context"))
    properties = as_dict(message.get("properties"))
    traits = message.get("traits") if kind == "identify" else context.get("traits")
    answers = _traits(as_dict(traits))
    if kind == "group":
        answers += _traits({"company": as_dict(message.get("traits"))})
    answers += _campaign(as_dict(context.get("campaign")))
    user_id = as_text(message.get("userId"))
    if user_id and _EMAIL.fullmatch(user_id):
        answers.append(Answer(ids=("userId",), label="user id", value=user_id, kind="email"))
    if isinstance(properties.get("email"), str):
        answers.append(
            Answer(ids=("email",), label="email", value=properties["email"], kind="email")
        )
    lead = lead_from_answers(
        answers, mapping, form=FormSettings(), default_source=NAME, known=TRAITS
    )
    document: dict[str, Any] = {
        "id": key,
        "type": "lead.profile",
        "occurred_at": parse_time(
            message.get("timestamp") or message.get("originalTimestamp"), now
        ).isoformat(),
        "lead": lead,
    }
    if kind in ("track", "page", "screen"):
        document["type"] = "lead.activity"
        document["activity"] = _activity(kind, message, properties, context, mapping)
    aliases = tuple(
        f"{name}:{value}"
        for name, value in (
            ("user", user_id),
            ("anonymous", as_text(message.get("anonymousId"))),
        )
        if value
    )
    return SourceEvent(document, raw, aliases=aliases)


def _activity(
    kind: str,
    message: dict[str, Any],
    properties: dict[str, Any],
    context: dict[str, Any],
    mapping: SourceMapping,
) -> dict[str, Any]:
    if kind == "track":
        name = str(message.get("event") or "")
        default = lookup(EVENTS, name) or activity_type(name)
        return {
            "type": mapping.activity(default, name),
            "properties": {"event": name, **_keys(properties)},
        }
    page = as_dict(context.get("page"))
    default = "page_view" if kind == "page" else "screen_view"
    details = {
        "name": message.get("name"),
        "path": properties.get("path") or page.get("path"),
        "url": properties.get("url") or page.get("url"),
        "title": properties.get("title") or page.get("title"),
        "referrer": properties.get("referrer") or page.get("referrer"),
    }
    extra = {k: v for k, v in _keys(properties).items() if k not in details}
    return {
        "type": mapping.activity(default),
        "properties": {**extra, **{k: v for k, v in details.items() if v not in (None, "")}},
    }


def _traits(traits: dict[str, Any]) -> list[Answer]:
    """Traits as answers; ``company`` and ``address`` objects one level down (``company.name``)."""
    answers = []
    for name, value in traits.items():
        if name in ("company", "address") and isinstance(value, dict):
            answers += [
                Answer(ids=(f"{name}.{inner}",), label=f"{name} {inner}", value=item)
                for inner, item in value.items()
            ]
        else:
            kind: Kind = "other" if isinstance(value, dict | list) else "text"
            answers.append(Answer(ids=(name,), label=name, value=value, kind=kind, name=name))
    return answers


def _campaign(campaign: dict[str, Any]) -> list[Answer]:
    """``context.campaign`` (name, source, medium, term, content) as UTM parameters."""
    answers = []
    for part, value in campaign.items():
        name = "utm_campaign" if part == "name" else f"utm_{part}"
        if isinstance(value, str):
            answers.append(Answer(ids=(name,), label=name, value=value, kind="hidden", name=name))
    return answers


def _keys(properties: dict[str, Any]) -> dict[str, Any]:
    """Event properties with keys an activity accepts (``total billed`` → ``total_billed``)."""
    fixed: dict[str, Any] = {}
    for key, value in properties.items():
        name = key if _PROPERTY_KEY.fullmatch(key) else slug(key)
        if name:
            fixed[name] = value
    return fixed
