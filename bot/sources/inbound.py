"""A vendor's translated events, validated into the writer's events exactly as the generic route's.

Each document goes through ``parse_events``, so normalisation (email, country,
phone, sizes) and limits are the generic webhook's. A vendor's payload is
never refused for its content, though: the vendor cannot fix what its users
typed, and would only retry. A value that breaks a limit (a 400-character
"company") is left out with a warning; a document that still cannot be read
(no valid email and no alias) is stored for audit only, with the reasons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.leads.events import UNKNOWN_EMAIL, InboundEvent, InvalidPayload, Profile, parse_events
from bot.leads.json_limits import storable
from bot.sources.delivery import SourceEvent

#: where a translated document holds values that can be left out without losing the event
_CONTAINERS = ("lead.attributes.", "lead.utm.", "activity.properties.")


def inbound_events(events: Sequence[SourceEvent], now: datetime) -> list[InboundEvent]:
    return [_inbound(event, now) for event in events]


def _inbound(item: SourceEvent, now: datetime) -> InboundEvent:
    notes = [item.problem] if item.problem else []
    raw = storable(item.raw)
    raw = raw if isinstance(raw, dict) else {"body": raw}
    document = item.document
    try:
        event = _parse(document, now)
    except InvalidPayload as first:
        trimmed = _without(document, first.errors)
        if trimmed is None:
            return _audit_only(document, raw, now, [*notes, *_lines(first.errors)])
        try:
            event = _parse(trimmed, now)
        except InvalidPayload as second:
            return _audit_only(document, raw, now, [*notes, *_lines(second.errors)])
        notes += [
            f"{line}; left out (the stored payload keeps it)" for line in _lines(first.errors)
        ]
    profile = replace(event.profile, warnings=[*event.profile.warnings, *notes])
    return replace(event, profile=profile, raw=raw, aliases=item.aliases)


def _parse(document: dict[str, Any], now: datetime) -> InboundEvent:
    (event,) = parse_events(document, delivery_id=str(document["id"]), now=now, anonymous=True)
    return event


def _audit_only(
    document: dict[str, Any], raw: dict[str, Any], now: datetime, notes: list[str]
) -> InboundEvent:
    """An event that reaches no lead: the writer stores it as ``unmapped`` with ``notes``."""
    return InboundEvent(
        external_id=str(document["id"]),
        type=str(document.get("type", "lead.profile")),
        occurred_at=now,
        profile=Profile(email=UNKNOWN_EMAIL, fields={}, attributes={}, warnings=notes),
        raw=raw,
    )


def _without(document: dict[str, Any], errors: list[tuple[str, str]]) -> dict[str, Any] | None:
    """The document without the values ``errors`` point at, or None if one is essential."""
    trimmed: dict[str, Any] = {
        **document,
        "lead": {
            **document.get("lead", {}),
            "attributes": dict(document.get("lead", {}).get("attributes") or {}),
            "utm": dict(document.get("lead", {}).get("utm") or {}),
        },
    }
    if "activity" in document:
        activity = document["activity"]
        trimmed["activity"] = {**activity, "properties": dict(activity.get("properties") or {})}
    for path, _ in errors:
        if not _drop(trimmed, path):
            return None
    return trimmed


def _drop(document: dict[str, Any], path: str) -> bool:
    """Remove the value at ``path`` (an error's place); whether it could be left out."""
    for prefix in _CONTAINERS:
        if path.startswith(prefix):
            head, name, _ = prefix.split(".")
            container: dict[str, Any] = document[head][name]
            rest = path.removeprefix(prefix)
            for key in [k for k in container if rest == k or rest.startswith((f"{k}.", f"{k}["))]:
                del container[key]
            return True
    field = path.removeprefix("lead.")
    if path.startswith("lead.") and field != "email" and field in document["lead"]:
        del document["lead"][field]
        return True
    if path == "occurred_at":
        document.pop("occurred_at", None)
        return True
    return False


def _lines(errors: list[tuple[str, str]]) -> list[str]:
    return [f"{path}: {message}" for path, message in errors]
