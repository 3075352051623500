"""Facts about where the tests run."""

from __future__ import annotations

import os

#: under CI a missing service fails the run instead of skipping the tests that need it
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
