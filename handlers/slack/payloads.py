"""Small readers of what Slack payloads carry, shared by the listeners."""

from __future__ import annotations

from typing import Any


def lead_id_of(value: Any) -> int | None:
    """The lead id a button or a modal carries, or ``None`` when it is not one."""
    text = str(value or "")
    return int(text) if text.isdigit() else None
