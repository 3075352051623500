"""Tally: ``Tally-Signature: <base64 HMAC-SHA256(secret, body)>``, no timestamp.

Tally documents the HMAC of ``JSON.stringify(body)`` — the parsed body
written out again by Node.js — so the raw body is checked first and the
re-serialised one second (``bot.sources.jsjson``). Answers are ``data.fields``
(``key``, ``label``, ``type``, ``value``); choice values are option ids,
resolved to their texts here, and each checkbox option is repeated as a
boolean field of its own, which is left out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.config.sources import SourcesConfig
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
from bot.sources.forms import Answer, Kind, form_event
from bot.sources.signing import body_matches, encode, hmac_digest, required_header

NAME = "tally"
HEADER = "Tally-Signature"
_KINDS: dict[str, Kind] = {
    "INPUT_EMAIL": "email",
    "INPUT_PHONE_NUMBER": "phone",
    "INPUT_LINK": "url",
    "INPUT_TEXT": "text",
    "PAYMENT": "text",
    "TEXTAREA": "long_text",
    "INPUT_NUMBER": "number",
    "RATING": "number",
    "LINEAR_SCALE": "number",
    "INPUT_DATE": "date",
    "INPUT_TIME": "date",
    "MULTIPLE_CHOICE": "choice",
    "DROPDOWN": "choice",
    "CHECKBOXES": "choice",
    "MULTI_SELECT": "choice",
    "RANKING": "choice",
    "FILE_UPLOAD": "file",
    "SIGNATURE": "file",
    "HIDDEN_FIELDS": "hidden",
}
#: choice types that pick one option: kept as text rather than a one-item list
_SINGLE = frozenset({"MULTIPLE_CHOICE", "DROPDOWN"})


def sign(body: bytes, secret: str, now: datetime) -> dict[str, str]:
    """The headers Tally sends with ``body``."""
    return {"content-type": "application/json", HEADER: encode(hmac_digest(secret, body), "base64")}


def verify(delivery: Delivery, secret: str, now: datetime) -> None:
    signature = required_header(delivery, HEADER, " (give the Tally webhook a signing secret)")
    if not body_matches(secret, delivery.body, [signature], encoding="base64", stringified=True):
        raise SignatureError(f"the {HEADER} does not match the body (check LEADBOT_TALLY_SECRET)")


def translate(delivery: Delivery, sources: SourcesConfig, now: datetime) -> list[SourceEvent]:
    mapping = sources.tally
    payload = load_json(delivery.body)
    envelope = as_dict(payload)
    key = event_id(envelope.get("eventId")) or content_id(NAME, payload)
    data = as_dict(envelope.get("data"))
    if envelope.get("eventType") != "FORM_RESPONSE" or not data:
        return [stored_only(key, payload, f"not a form response ({envelope.get('eventType')!r})")]
    fields = [field for field in as_list(data.get("fields")) if isinstance(field, dict)]
    keys = {str(field.get("key")) for field in fields}
    answers = [_answer(field) for field in fields if not _option_echo(field, keys)]
    respondent = data.get("respondentId")
    event = form_event(
        key,
        payload,
        answers,
        mapping,
        source=NAME,
        form_id=data.get("formId"),
        form_name=data.get("formName"),
        occurred_at=parse_time(data.get("createdAt") or envelope.get("createdAt"), now),
        details={"response_id": data.get("responseId")},
        aliases=(f"respondent:{respondent}",) if isinstance(respondent, str) and respondent else (),
    )
    return [event]


def _option_echo(field: dict[str, Any], keys: set[str]) -> bool:
    """A checkbox option repeated as a field of its own (``<question key>_<option id>``)."""
    key = str(field.get("key", ""))
    return (
        field.get("type") == "CHECKBOXES"
        and isinstance(field.get("value"), bool)
        and any(key.startswith(f"{other}_") for other in keys)
    )


def _answer(field: dict[str, Any]) -> Answer:
    kind_name = str(field.get("type", ""))
    label = str(field.get("label") or "")
    return Answer(
        ids=tuple(str(field[k]) for k in ("key",) if field.get(k)),
        label=label,
        value=_value(field, kind_name),
        kind=_KINDS.get(kind_name, "other"),
        name=label if kind_name == "HIDDEN_FIELDS" else None,
    )


def _value(field: dict[str, Any], kind_name: str) -> Any:
    value = field.get("value")
    texts = {
        option.get("id"): option.get("text")
        for option in as_list(field.get("options"))
        if isinstance(option, dict)
    }
    if kind_name == "MATRIX":
        rows = {
            row.get("id"): row.get("text")
            for row in as_list(field.get("rows"))
            if isinstance(row, dict)
        }
        columns = {
            column.get("id"): column.get("text")
            for column in as_list(field.get("columns"))
            if isinstance(column, dict)
        }
        return {
            str(rows.get(row) or row): [columns.get(c) or c for c in as_list(picked)]
            for row, picked in as_dict(value).items()
        }
    if _KINDS.get(kind_name) == "file":
        return [as_dict(item).get("url") for item in as_list(value) if as_dict(item).get("url")]
    if isinstance(value, list) and texts:
        picked = [texts.get(item) or item for item in value]
        return picked[0] if kind_name in _SINGLE and len(picked) == 1 else picked
    return value
