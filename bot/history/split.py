"""Which leads are held out to measure rules on: two documented, reproducible rules.

``random``: within each outcome class, leads are ordered by the SHA-256 of
their identity (the email, or for rows without one ``<key>@import.invalid``)
and the first ``fraction`` of each class is held out. Both classes keep their
share, no seed is needed, and the same leads are held out whichever command
computes the split. A ``salt`` prefixed to every identity is another draw.

``time``: leads are ordered by when they first appeared (ties by identity)
and the most recent ``fraction`` is held out: rules learnt from the past are
judged on the future, which is what deploying them does. Leads without a
time sort first (they are trained on, never held out). The two classes keep
whatever share the recent leads have.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal

from bot.history.records import LabelledRecord

Split = Literal["random", "time"]
SPLITS: tuple[Split, ...] = ("random", "time")
_UNDATED = datetime.min.replace(tzinfo=UTC)


class SplitError(ValueError):
    """The records cannot be split by the rule asked for."""


def split_holdout(
    records: Sequence[LabelledRecord], fraction: float, *, by: Split = "random", salt: str = ""
) -> tuple[list[LabelledRecord], list[LabelledRecord]]:
    """(training, held out) by the documented rule ``by``; ``fraction`` 0 holds nothing out."""
    if by == "time":
        return split_recent(records, fraction)
    held: set[str] = set()
    for label in (True, False):
        ranked = sorted(
            (r.email for r in records if r.label is label),
            key=lambda email: hashlib.sha256((salt + email).encode()).hexdigest(),
        )
        held.update(ranked[: round(fraction * len(ranked))])
    return [r for r in records if r.email not in held], [r for r in records if r.email in held]


def split_recent(
    records: Sequence[LabelledRecord], fraction: float
) -> tuple[list[LabelledRecord], list[LabelledRecord]]:
    """(older, most recent ``fraction``); refuses leads that carry no usable order in time."""
    count = round(fraction * len(records))
    if not count:
        return list(records), []
    times = {r.at for r in records if r.at is not None}
    if len(times) < 2:
        raise SplitError(
            "the leads carry no time to order them by (all undated or all at one instant); "
            "map the export's creation date with `created_at:` and import again, or hold out "
            "a random part"
        )
    ordered = sorted(records, key=lambda r: (r.at or _UNDATED, r.email))
    return ordered[: len(ordered) - count], ordered[len(ordered) - count :]
