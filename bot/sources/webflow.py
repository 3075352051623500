"""Webflow ``form_submission``: ``x-webflow-signature`` = hex HMAC-SHA256 of ``timestamp:body``.

``x-webflow-timestamp`` is in **milliseconds** and must be within five
minutes. Only webhooks created through Webflow's API (with a site token or an
OAuth app) are signed; those created in the dashboard carry no signature and
are refused. The submission's fields are keyed by the names the site owner
gave them ("First Name", "Email 2"), with their input types in ``schema``;
the legacy (v1) body without the ``triggerType`` envelope is read as well.
"""

from __future__ import annotations

from datetime import datetime, timedelta
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
from bot.sources.signing import (
    check_window,
    encode,
    epoch,
    hmac_digest,
    matches,
    required_header,
)

NAME = "webflow"
SIGNATURE = "x-webflow-signature"
TIMESTAMP = "x-webflow-timestamp"
TOLERANCE = timedelta(minutes=5)
_UNSIGNED = (
    " (webhooks created in the Webflow dashboard are not signed: create it through "
    "Webflow's API, see docs/sources.md)"
)
#: words in a schema ``fieldType`` and the answer kind they mean
_TYPE_WORDS: tuple[tuple[str, Kind], ...] = (
    ("email", "email"),
    ("phone", "phone"),
    ("tel", "phone"),
    ("textarea", "long_text"),
    ("checkbox", "boolean"),
    ("select", "choice"),
    ("radio", "choice"),
    ("file", "file"),
    ("number", "number"),
)


def sign(body: bytes, secret: str, now: datetime) -> dict[str, str]:
    """The headers Webflow sends with ``body``."""
    stamp = str(int(now.timestamp() * 1000))
    signature = encode(hmac_digest(secret, stamp.encode() + b":" + body), "hex")
    return {"content-type": "application/json", TIMESTAMP: stamp, SIGNATURE: signature}


def verify(delivery: Delivery, secret: str, now: datetime) -> None:
    signature = required_header(delivery, SIGNATURE, _UNSIGNED)
    stamp = required_header(delivery, TIMESTAMP, _UNSIGNED)
    check_window(
        epoch(stamp, header=TIMESTAMP, milliseconds=True), now, TOLERANCE, header=TIMESTAMP
    )
    message = stamp.encode() + b":" + delivery.body
    if not matches(hmac_digest(secret, message), [signature], "hex"):
        raise SignatureError(
            f"the {SIGNATURE} does not match the body (check LEADBOT_WEBFLOW_SECRET)"
        )


def translate(delivery: Delivery, sources: SourcesConfig, now: datetime) -> list[SourceEvent]:
    mapping = sources.webflow
    payload = load_json(delivery.body)
    trigger, submission = _submission(as_dict(payload))
    key = event_id(submission.get("id")) or content_id(NAME, payload)
    data = as_dict(submission.get("data"))
    if trigger != "form_submission" or not data:
        return [stored_only(key, payload, f"not a form submission ({trigger!r})")]
    types = {
        str(item.get("fieldName")): str(item.get("fieldType", ""))
        for item in as_list(submission.get("schema"))
        if isinstance(item, dict)
    }
    answers = [
        Answer(ids=(name,), label=name, value=value, kind=_kind(types.get(name), value), name=name)
        for name, value in data.items()
    ]
    event = form_event(
        key,
        payload,
        answers,
        mapping,
        source=NAME,
        form_id=submission.get("formId"),
        form_name=submission.get("name"),
        occurred_at=parse_time(submission.get("submittedAt"), now),
        details={"site_id": submission.get("siteId"), "response_id": submission.get("id")},
    )
    return [event]


def _submission(envelope: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """(trigger type, submission) from the v2 envelope or the legacy v1 body."""
    if "triggerType" in envelope:
        return envelope["triggerType"], as_dict(envelope.get("payload"))
    if "_id" in envelope and "data" in envelope:
        legacy = {
            "id": envelope.get("_id"),
            "name": envelope.get("name"),
            "siteId": envelope.get("site"),
            "data": envelope.get("data"),
            "submittedAt": envelope.get("d"),
        }
        return "form_submission", legacy
    return None, {}


def _kind(field_type: str | None, value: Any) -> Kind:
    lowered = (field_type or "").lower()
    for word, kind in _TYPE_WORDS:
        if word in lowered:
            return kind
    return "boolean" if isinstance(value, bool) else "text"
