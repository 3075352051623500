"""Unbounce form submissions: Unbounce signs nothing, so the URL carries a secret token.

The token is the last part of ``/webhooks/unbounce/{token}`` (or an
``Authorization: Bearer`` header), compared in constant time. The body is
form-encoded by default: ``page_id``, ``page_name``, ``page_url``, ``variant``
and ``data.json``, the submission serialised as JSON in which **every value
is an array** (one item for a text field, several for a checkbox group).
Unbounce can also post JSON; both are read. There is no submission id:
a submission is identified by its page, its time and a hash of its content,
so a redelivery is recognised and two people submitting the same minute are not.
"""

from __future__ import annotations

import hmac
import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bot.config.sources import SourcesConfig
from bot.sources.delivery import (
    Delivery,
    PayloadError,
    SignatureError,
    SourceEvent,
    as_dict,
    content_id,
    event_id,
    load_json,
    stored_only,
)
from bot.sources.forms import Answer, form_event

NAME = "unbounce"
#: fields Unbounce adds to every submission: about the page, not the person
_META = frozenset(
    {
        "page_uuid",
        "page_id",
        "page_url",
        "page_name",
        "variant",
        "ip_address",
        "date_submitted",
        "time_submitted",
    }
)
_TIME = re.compile(r"(\d{1,2}):(\d{2})\s*([AP]M)", re.IGNORECASE)


def sign(body: bytes, secret: str, now: datetime) -> dict[str, str]:
    """Headers for ``body`` with the token as a bearer credential (the URL may carry it instead)."""
    return {
        "content-type": "application/x-www-form-urlencoded",
        "authorization": f"Bearer {secret}",
    }


def verify(delivery: Delivery, secret: str, now: datetime) -> None:
    token = delivery.token
    if token is None:
        scheme, _, credential = (delivery.header("authorization") or "").partition(" ")
        token = credential.strip() if scheme.lower() == "bearer" else None
    if not token:
        raise SignatureError(
            "missing token: post to /webhooks/unbounce/<LEADBOT_UNBOUNCE_TOKEN> "
            "or send Authorization: Bearer <token>"
        )
    if not hmac.compare_digest(token.encode(), secret.encode()):
        raise SignatureError("the token does not match (check LEADBOT_UNBOUNCE_TOKEN)")


def translate(delivery: Delivery, sources: SourcesConfig, now: datetime) -> list[SourceEvent]:
    mapping = sources.unbounce
    form_fields, submission = _decode(delivery)
    raw = {**form_fields, "data.json": submission}
    page_id = _one(form_fields.get("page_id")) or _one(submission.get("page_uuid"))
    date, time = _one(submission.get("date_submitted")), _one(submission.get("time_submitted"))
    key = event_id(page_id, f"{date}T{time}", content_id("submission", submission))
    if not submission:
        return [stored_only(key, raw, "the body holds no data.json submission")]
    page_name = _one(form_fields.get("page_name")) or _one(submission.get("page_name"))
    page_url = _one(form_fields.get("page_url")) or _one(submission.get("page_url"))
    answers = [
        Answer(ids=(name,), label=name, value=_one(value), name=name)
        for name, value in submission.items()
        if name not in _META
    ]
    answers += [
        Answer(ids=(name,), label=name, value=values[0], kind="hidden", name=name)
        for name, values in parse_qs(urlsplit(str(page_url or "")).query).items()
        if name.startswith("utm_")
    ]
    event = form_event(
        key,
        raw,
        answers,
        mapping,
        source=NAME,
        form_id=page_id,
        form_name=page_name,
        occurred_at=_submitted_at(date, time, now),
        details={
            "variant": _one(form_fields.get("variant")) or _one(submission.get("variant")),
            "page_url": page_url,
        },
    )
    return [event]


def _decode(delivery: Delivery) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the posted fields, the submission) from a form-encoded or JSON body."""
    content_type = (delivery.header("content-type") or "").split(";")[0].strip().lower()
    if content_type == "application/json" or delivery.body.lstrip().startswith(b"{"):
        posted = as_dict(load_json(delivery.body))
    else:
        text = delivery.body.decode("utf-8", "replace")
        posted = {
            name: values[0] if len(values) == 1 else values
            for name, values in parse_qs(text, keep_blank_values=True).items()
        }
    data = posted.pop("data.json", None)
    posted.pop("data.xml", None)
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError as exc:
            raise PayloadError(f"data.json is not valid JSON: {exc}") from None
    elif data is None:
        data, posted = posted, {}  # no data.json: the body is the submission itself
    return posted, as_dict(data)


def _one(value: Any) -> Any:
    """Unbounce sends every value as an array: one item stands for itself."""
    if isinstance(value, list):
        if len(value) == 1:
            return value[0]
        return value or None
    return value


def _submitted_at(date: Any, time: Any, now: datetime) -> datetime:
    """``2023-06-06`` and ``10:57 PM UTC`` as a UTC time; now when missing or unreadable."""
    match = _TIME.search(str(time or ""))
    try:
        day = datetime.strptime(str(date), "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return now
    if match is None:
        return min(day, now)
    hour = int(match.group(1)) % 12 + (12 if match.group(3).upper() == "PM" else 0)
    return min(day.replace(hour=hour, minute=int(match.group(2))), now)
