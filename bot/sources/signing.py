"""The pieces every vendor's signature check is made of: HMACs, constant-time comparison, windows.

Each vendor signs differently (hex or base64, SHA-256 or SHA-1, with or
without a timestamp), but the safe way to check is always the same: compute
the HMAC over the raw bytes, decode what the header claims, compare the two
in constant time, and refuse a timestamp outside the vendor's window, so a
captured delivery cannot be replayed later.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Literal

from bot.sources import jsjson
from bot.sources.delivery import Delivery, SignatureError

Encoding = Literal["hex", "base64"]


def hmac_digest(secret: str, message: bytes, algorithm: str = "sha256") -> bytes:
    """HMAC of ``message`` keyed with the secret's UTF-8 bytes, as every vendor here keys it."""
    return hmac.new(secret.encode(), message, getattr(hashlib, algorithm)).digest()


def encode(digest: bytes, encoding: Encoding) -> str:
    return digest.hex() if encoding == "hex" else base64.b64encode(digest).decode()


def _decode(signature: str, encoding: Encoding) -> bytes | None:
    try:
        if encoding == "hex":
            return bytes.fromhex(signature.strip())
        text = signature.strip()
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (ValueError, binascii.Error):
        return None


def matches(expected: bytes, signatures: Iterable[str], encoding: Encoding) -> bool:
    """Whether any of ``signatures`` (as the header spells them) is ``expected``, in constant time.

    Every candidate is compared, so the time taken does not reveal which one
    (if any) matched; several appear while a vendor rotates its secret.
    """
    found = False
    for signature in signatures:
        decoded = _decode(signature, encoding)
        found |= decoded is not None and hmac.compare_digest(expected, decoded)
    return found


def required_header(delivery: Delivery, name: str, hint: str = "") -> str:
    """The header's value, or a 401 naming it."""
    value = delivery.header(name)
    if not value:
        raise SignatureError(f"missing {name} header{hint}")
    return value


def check_window(sent_at: datetime, now: datetime, tolerance: timedelta, *, header: str) -> None:
    """Refuse a delivery signed longer ago (or further ahead) than ``tolerance``."""
    age = now - sent_at
    if abs(age) > tolerance:
        direction = "old" if age > timedelta(0) else "far in the future"
        minutes = tolerance.total_seconds() / 60
        raise SignatureError(
            f"the {header} is too {direction} ({age.total_seconds():+.0f} s; "
            f"the tolerance is {minutes:g} minutes): a replayed delivery, or a wrong clock"
        )


def epoch(value: str, *, header: str, milliseconds: bool = False) -> datetime:
    """A Unix timestamp header (seconds, or milliseconds) as an aware datetime."""
    try:
        number = float(value)
    except ValueError:
        raise SignatureError(f"the {header} header is not a Unix timestamp") from None
    seconds = number / 1000 if milliseconds else number
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise SignatureError(f"the {header} header is not a Unix timestamp") from None


def body_matches(
    secret: str,
    body: bytes,
    signatures: Iterable[str],
    *,
    encoding: Encoding,
    algorithm: str = "sha256",
    stringified: bool = False,
) -> bool:
    """Whether a signature is the HMAC of the raw body (or, if ``stringified``, of the
    body as Node.js's ``JSON.stringify`` writes it again).

    Vendors that document an HMAC of ``JSON.stringify(body)`` may send bytes
    that differ from what they signed (spacing, escapes, number forms); the raw
    body is tried first because it is what most deliveries sign.
    """
    signatures = list(signatures)
    if matches(hmac_digest(secret, body, algorithm), signatures, encoding):
        return True
    if not stringified:
        return False
    try:
        again = jsjson.stringify(json.loads(body)).encode()
    except (ValueError, RecursionError):
        return False
    return again != body and matches(hmac_digest(secret, again, algorithm), signatures, encoding)
