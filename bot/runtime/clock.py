"""The clock type of a running app.

Everything that asks "what time is it?" in business terms (scoring, MQL
times, SLAs, digests) gets ``Services.clock``, so a test can run the whole
app at any moment it likes. It defaults to ``storage.clock.utc_now``, the
real-time clock the outbox and its delivery workers always run on: pacing
and retries answer to Slack's clock, not to one a test stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from storage.clock import utc_now

Clock = Callable[[], datetime]

__all__ = ["Clock", "utc_now"]
