"""The one real-time clock: what "now" means when nobody passes a time in.

Column defaults, the outbox's ``next_attempt_at`` and the delivery workers
all read it, so a row written "now" is due by the same measure a worker
checks it with. The app's business clock (``Services.clock``, which tests
may stop) defaults to this one too.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)
