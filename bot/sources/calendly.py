"""Calendly: ``Calendly-Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">``.

Calendly's own example refuses a signature more than three minutes old, and
``t`` is in seconds (the example multiplies it by 1000 before comparing with
``Date.now()``); this check does the same, both ways. A booking becomes a
``meeting_booked`` activity, a cancellation ``meeting_canceled`` (or
``meeting_rescheduled`` when the invitee picked another time), a no-show
``meeting_no_show``, and a routing form a ``form_submit``. The invitee's
questions and answers map like form answers.

Every booking records the invitee (its URI path) as an alias, so a no-show,
which names no email, and a routing form submitted by a known invitee reach
the same lead.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from bot.config.sources import FormSourceMapping, SourcesConfig
from bot.sources.delivery import (
    Delivery,
    SignatureError,
    SourceEvent,
    as_dict,
    as_list,
    content_id,
    event_id,
    load_json,
    parse_time,
    stored_only,
)
from bot.sources.forms import Answer, form_event, lead_from_answers
from bot.sources.signing import check_window, encode, epoch, hmac_digest, matches, required_header

NAME = "calendly"
HEADER = "Calendly-Webhook-Signature"
TOLERANCE = timedelta(minutes=3)
_TRACKING = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")


def sign(body: bytes, secret: str, now: datetime) -> dict[str, str]:
    """The headers Calendly sends with ``body``."""
    stamp = str(int(now.timestamp()))
    signature = encode(hmac_digest(secret, stamp.encode() + b"." + body), "hex")
    return {"content-type": "application/json", HEADER: f"t={stamp},v1={signature}"}


def verify(delivery: Delivery, secret: str, now: datetime) -> None:
    value = required_header(delivery, HEADER, " (create the subscription with a signing key)")
    parts: dict[str, list[str]] = {}
    for item in value.split(","):
        name, _, text = item.strip().partition("=")
        parts.setdefault(name, []).append(text)
    stamps, signatures = parts.get("t", []), parts.get("v1", [])
    if len(stamps) != 1 or not signatures:
        raise SignatureError(f"the {HEADER} header must read t=<timestamp>,v1=<signature>")
    check_window(epoch(stamps[0], header=f"{HEADER} t"), now, TOLERANCE, header=f"{HEADER} t")
    message = stamps[0].encode() + b"." + delivery.body
    if not matches(hmac_digest(secret, message), signatures, "hex"):
        raise SignatureError(
            f"the {HEADER} does not match the body (check LEADBOT_CALENDLY_SECRET)"
        )


def translate(delivery: Delivery, sources: SourcesConfig, now: datetime) -> list[SourceEvent]:
    mapping = sources.calendly
    payload = load_json(delivery.body)
    envelope = as_dict(payload)
    kind = envelope.get("event")
    body = as_dict(envelope.get("payload"))
    key = event_id(kind, body.get("uri")) if body.get("uri") else content_id(NAME, payload)
    if kind in ("invitee.created", "invitee.canceled"):
        return [_invitee(key, kind, body, payload, mapping, now)]
    if kind == "routing_form_submission.created":
        return [_routing_form(key, body, payload, mapping, now)]
    if kind == "invitee_no_show.created" and body.get("invitee"):
        document = {
            "id": key,
            "type": "lead.activity",
            "occurred_at": parse_time(body.get("created_at"), now).isoformat(),
            "lead": {},
            "activity": {"type": mapping.activity("meeting_no_show"), "properties": {}},
        }
        return [SourceEvent(document, payload, aliases=_invitee_alias(body.get("invitee")))]
    return [stored_only(key, payload, f"not a booking or a routing form ({kind!r})")]


def _invitee(
    key: str,
    kind: str,
    body: dict[str, Any],
    raw: Any,
    mapping: FormSourceMapping,
    now: datetime,
) -> SourceEvent:
    scheduled = as_dict(body.get("scheduled_event"))
    cancellation = as_dict(body.get("cancellation"))
    if kind == "invitee.created":
        default, stamp = "meeting_booked", body.get("created_at")
    else:
        default = "meeting_rescheduled" if body.get("rescheduled") else "meeting_canceled"
        stamp = cancellation.get("created_at") or body.get("updated_at")
    answers = [
        Answer(ids=("email",), label="email", value=body.get("email"), kind="email"),
        Answer(ids=("first_name",), label="first name", value=body.get("first_name")),
        Answer(ids=("last_name",), label="last name", value=body.get("last_name")),
        Answer(ids=("name",), label="name", value=body.get("name")),
        Answer(
            ids=("text_reminder_number",),
            label="phone",
            value=body.get("text_reminder_number"),
            kind="phone",
        ),
        *_questions(body),
        *_tracking(body),
        Answer(ids=("timezone",), label="timezone", value=body.get("timezone"), kind="other"),
    ]
    form = mapping.form(scheduled.get("event_type"), scheduled.get("name"))
    booked = form.activity if kind == "invitee.created" else None
    properties = {
        "event_name": scheduled.get("name"),
        "event_type": scheduled.get("event_type"),
        "start_time": scheduled.get("start_time"),
        "end_time": scheduled.get("end_time"),
        "location": as_dict(scheduled.get("location")).get("type"),
        "reason": cancellation.get("reason"),
        "canceled_by": cancellation.get("canceler_type"),
    }
    document = {
        "id": key,
        "type": "lead.activity",
        "occurred_at": parse_time(stamp, now).isoformat(),
        "lead": lead_from_answers(answers, mapping, form=form, default_source=NAME),
        "activity": {
            "type": booked or mapping.activity(default),
            "properties": {k: v for k, v in properties.items() if v not in (None, "")},
        },
    }
    return SourceEvent(document, raw, aliases=_invitee_alias(body.get("uri")))


def _routing_form(
    key: str, body: dict[str, Any], raw: Any, mapping: FormSourceMapping, now: datetime
) -> SourceEvent:
    submitter = body.get("submitter") if body.get("submitter_type") == "Invitee" else None
    return form_event(
        key,
        raw,
        [*_questions(body), *_tracking(body)],
        mapping,
        source=NAME,
        form_id=body.get("routing_form"),
        form_name="Calendly routing form",
        occurred_at=parse_time(body.get("created_at"), now),
        details={"result": as_dict(body.get("result")).get("value")},
        aliases=_invitee_alias(submitter),
    )


def _questions(body: dict[str, Any]) -> list[Answer]:
    answers = []
    for item in as_list(body.get("questions_and_answers")):
        question = as_dict(item)
        label = str(question.get("question") or "")
        ids = tuple(str(i) for i in (question.get("question_uuid"), label) if i)
        answers.append(Answer(ids=ids, label=label, value=question.get("answer")))
    return answers


def _tracking(body: dict[str, Any]) -> list[Answer]:
    tracking = as_dict(body.get("tracking"))
    return [
        Answer(ids=(name,), label=name, value=tracking.get(name), kind="hidden", name=name)
        for name in _TRACKING
    ]


def _invitee_alias(uri: Any) -> tuple[str, ...]:
    """The invitee's URI path: the API and the routing form spell its host differently."""
    if not isinstance(uri, str) or not uri:
        return ()
    return (f"invitee:{urlsplit(uri).path}",)
