"""``JSON.stringify`` in Python: the bytes a Node.js sender signs after re-serialising a body.

Tally and Segment document their signatures as an HMAC of
``JSON.stringify(body)``: the parsed body written out again, not
necessarily the bytes on the wire. Python's ``json.dumps`` differs from it in
small ways that break an HMAC: ``10.0`` stays ``10.0`` (JavaScript writes
``10``), ``1e-07`` versus ``1e-7``, integer-like keys (JavaScript puts them
first, in numeric order), lone surrogates, and integers beyond 2^53 (a
JavaScript number cannot hold them exactly). This module follows the
ECMAScript algorithm instead.
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")
_ARRAY_INDEX = re.compile(r"0|[1-9][0-9]*")
_MAX_INDEX = 2**32 - 2


def stringify(value: Any) -> str:
    """The text ``JSON.stringify(value)`` gives for a value ``json.loads`` produced."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        return number(float(value))
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        return "[" + ",".join(stringify(item) for item in value) + "]"
    if isinstance(value, dict):
        items = ",".join(f"{_string(key)}:{stringify(value[key])}" for key in _key_order(value))
        return "{" + items + "}"
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def number(value: float) -> str:
    """ECMAScript ``Number::toString``: shortest round-trip digits, JavaScript's exponent rules."""
    if not math.isfinite(value):
        return "null"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    _, digit_tuple, exponent = Decimal(repr(abs(value))).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    assert isinstance(exponent, int)
    exponent += len(digit_tuple) - len(digits)
    k = len(digits)
    n = exponent + k  # value = 0.digits × 10^n
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = f"{digits[:n]}.{digits[n:]}"
    elif -6 < n <= 0:
        text = "0." + "0" * -n + digits
    else:
        power = f"e{'+' if n - 1 >= 0 else '-'}{abs(n - 1)}"
        text = (digits if k == 1 else f"{digits[0]}.{digits[1:]}") + power
    return sign + text


def _string(text: str) -> str:
    quoted = json.dumps(text, ensure_ascii=False)
    return _SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", quoted)


def _key_order(value: dict[str, Any]) -> list[str]:
    """Array-index keys first in ascending numeric order, then the rest as inserted."""
    indexes = sorted(
        (key for key in value if _ARRAY_INDEX.fullmatch(key) and int(key) <= _MAX_INDEX),
        key=int,
    )
    chosen = set(indexes)
    return indexes + [key for key in value if key not in chosen]
