"""Typeform: ``Typeform-Signature: sha256=<base64 HMAC-SHA256(secret, body)>``.

The signature is base64, not hex, behind a ``sha256=`` prefix, over the raw
body; Typeform signs no timestamp, so a replay is caught by the idempotency
key (``event_id``) instead of a window. A response (``form_response``) holds
the form's definition (question titles, refs, types) and the answers, which
point at their question by field id.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
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
from bot.sources.signing import encode, hmac_digest, matches, required_header

NAME = "typeform"
HEADER = "Typeform-Signature"
_ACTIVITIES = {"form_response": "form_submit", "form_response_partial": "form_partial"}
_KINDS: dict[str, Kind] = {
    "email": "email",
    "phone_number": "phone",
    "url": "url",
    "choice": "choice",
    "choices": "choice",
    "number": "number",
    "boolean": "boolean",
    "date": "date",
    "file_url": "file",
}
#: refs Typeform generates when the author sets none (UUIDs, ULIDs): not names to keep
_GENERATED_REF = re.compile(
    r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}|[0-9A-HJKMNP-TV-Z]{26}", re.IGNORECASE
)


def sign(body: bytes, secret: str, now: datetime) -> dict[str, str]:
    """The headers Typeform sends with ``body``."""
    signature = encode(hmac_digest(secret, body), "base64")
    return {"content-type": "application/json", HEADER: f"sha256={signature}"}


def verify(delivery: Delivery, secret: str, now: datetime) -> None:
    value = required_header(delivery, HEADER, " (give the webhook a secret in Typeform)")
    scheme, _, signature = value.partition("=")
    if scheme.strip().lower() != "sha256" or not signature:
        raise SignatureError(f"the {HEADER} header must read sha256=<base64 signature>")
    if not matches(hmac_digest(secret, delivery.body), [signature], "base64"):
        raise SignatureError(
            f"the {HEADER} does not match the body (check LEADBOT_TYPEFORM_SECRET)"
        )


def translate(delivery: Delivery, sources: SourcesConfig, now: datetime) -> list[SourceEvent]:
    mapping = sources.typeform
    payload = load_json(delivery.body)
    envelope = as_dict(payload)
    key = event_id(envelope.get("event_id")) or content_id(NAME, payload)
    response = as_dict(envelope.get("form_response"))
    kind = envelope.get("event_type")
    if kind not in _ACTIVITIES or not response:
        return [stored_only(key, payload, f"not a form response (event_type {kind!r})")]
    definition = as_dict(response.get("definition"))
    questions = {field["id"]: field for field in _fields(as_list(definition.get("fields")))}
    answers = [_answer(item, questions) for item in as_list(response.get("answers"))]
    answers += [
        Answer(ids=(name,), label=name, value=value, kind="hidden", name=name)
        for name, value in as_dict(response.get("hidden")).items()
    ]
    variables = {
        item["key"]: item.get(item.get("type", ""))
        for item in as_list(response.get("variables"))
        if isinstance(item, dict) and isinstance(item.get("key"), str)
    }
    event = form_event(
        key,
        payload,
        answers,
        mapping,
        source=NAME,
        form_id=response.get("form_id") or definition.get("id"),
        form_name=definition.get("title"),
        occurred_at=parse_time(response.get("submitted_at") or response.get("landed_at"), now),
        details={
            "response_id": response.get("token"),
            "score": as_dict(response.get("calculated")).get("score"),
            "variables": variables,
        },
        activity=_ACTIVITIES[kind],
    )
    return [event]


def _fields(fields: list[Any], parent: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
    """Every question, including those inside groups and matrices (answers point at those)."""
    for field in fields:
        if not isinstance(field, dict) or "id" not in field:
            continue
        if parent is not None and parent.get("type") == "matrix":
            field = {**field, "title": f"{parent.get('title', '')} ({field.get('title', '')})"}
        yield field
        yield from _fields(as_list(as_dict(field.get("properties")).get("fields")), field)


def _answer(item: Any, questions: dict[str, dict[str, Any]]) -> Answer:
    answer = as_dict(item)
    reference = as_dict(answer.get("field"))
    question = questions.get(reference.get("id", ""), {})
    kind_name = str(answer.get("type", ""))
    kind = _KINDS.get(kind_name, "other")
    field_type = question.get("type") or reference.get("type")
    if kind_name == "text":
        kind = "long_text" if field_type == "long_text" else "text"
    ref = question.get("ref") or reference.get("ref")
    ids = tuple(str(i) for i in (ref, reference.get("id")) if i)
    return Answer(
        ids=ids,
        label=str(question.get("title") or ""),
        value=_value(answer, kind_name),
        kind=kind,
        name=ref if isinstance(ref, str) and not _GENERATED_REF.fullmatch(ref) else None,
    )


def _value(answer: dict[str, Any], kind_name: str) -> Any:
    value = answer.get(kind_name)
    if kind_name == "choice":
        choice = as_dict(value)
        return choice.get("label") or choice.get("other")
    if kind_name == "choices":
        choices = as_dict(value)
        picked = [label for label in as_list(choices.get("labels")) if isinstance(label, str)]
        return picked + ([choices["other"]] if choices.get("other") else [])
    return value
